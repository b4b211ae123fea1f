"""Provisioning: a fresh database per run, dropped afterwards; the named database is never written."""

import asyncio
import os
from pathlib import Path

from lab.databases import ENV_URL, PostgresServer, SqliteServer, safe_url


def test_sqlite_gives_a_fresh_file_and_removes_it():
    server = SqliteServer()
    first, second = server.create("a"), server.create("a")
    assert first.url != second.url and first.url.startswith("sqlite+aiosqlite:///")
    path = Path(first.url.removeprefix("sqlite+aiosqlite:///"))
    path.write_text("")
    server.drop(first)
    assert not path.exists()
    server.close()
    assert not path.parent.exists()


def test_a_sqlite_database_counts_as_used_once_anything_was_made_beside_it_even_if_removed():
    server = SqliteServer()
    try:
        untouched, written, per_worker = server.create("a"), server.create("b"), server.create("c")
        Path(written.url.removeprefix("sqlite+aiosqlite:///")).write_bytes(b"x")
        worker_file = Path(per_worker.url.removeprefix("sqlite+aiosqlite:///").replace(".db", "_gw0.db"))
        worker_file.write_bytes(b"x")
        worker_file.unlink()  # as scenario 18's fix does at teardown
        assert [server.was_used(d) for d in (untouched, written, per_worker)] == [False, True, True]
    finally:
        server.close()


def test_passwords_never_printed():
    assert safe_url("postgresql://lab:s3cret@db:5432/x") == "postgresql://lab:***@db:5432/x"


def _table_count(server: PostgresServer) -> int:
    rows = server._admin("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
    return rows[0][0]


def _check_server(server: PostgresServer) -> None:
    before = _table_count(server)
    database = server.create("t")
    assert database.url.startswith("postgresql+asyncpg://")
    assert server.exists(database.name)

    async def write_there() -> None:
        import asyncpg

        dsn = database.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        connection = await asyncpg.connect(dsn)
        await connection.execute("CREATE TABLE written_by_test (id int)")
        await connection.close()

    asyncio.run(write_there())
    server.drop(database)
    assert not server.exists(database.name)
    assert _table_count(server) == before  # the database the URL names was not written


def test_embedded_postgres_creates_and_drops():
    server = PostgresServer(admin_url=None)
    try:
        _check_server(server)
        leftover = server.create("left")
    finally:
        server.close()  # drops what is left, stops the server
    assert leftover.name not in server.created


def test_server_from_env_creates_and_drops(server_url):
    server = PostgresServer(server_url)
    try:
        _check_server(server)
    finally:
        server.close()


def test_unreachable_server_is_an_error_record_not_a_crash(scenarios):
    from conftest import SQLITE_ONLY

    scenarios.add("pg", SQLITE_ONLY.replace('backends = ["sqlite"]', 'backends = ["postgres"]'))
    result = scenarios.run(env={**os.environ, ENV_URL: "postgresql://nobody:hidden-pw@127.0.0.1:9/none"})
    assert result.returncode == 1
    assert {r["status"] for r in result.records} == {"error"}
    assert "hidden-pw" not in result.stdout + result.stderr + str(result.records)


def _made_by(tag: str, observer: PostgresServer) -> set[str]:
    rows = observer._admin("SELECT datname FROM pg_database WHERE datname LIKE $1", f"lab_{tag}_%")
    return {row[0] for row in rows}


def test_a_started_server_hands_out_databases_made_ahead_and_drops_them_behind(server_url):
    """Through the helper process: each run's database is new; none outlives `close`, used or not."""
    server, observer = PostgresServer(server_url, ahead=2), PostgresServer(server_url)
    server.start(expected=4)
    try:
        first, second = server.create("a"), server.create("b")
        assert first.name != second.name and {first.name, second.name} <= _made_by(server.tag, observer)
        assert not server.was_used(first)  # nothing ran in it yet: the helper tells
        server.drop(first)  # returns at once; the helper drops it while the next runs go on
        third = server.create("c")
        assert third.name not in (first.name, second.name)
        tag = server.tag
    finally:
        server.close()
    assert _made_by(tag, observer) == set()  # the stock, the given-back and the never-given-back alike


def test_the_helper_makes_no_more_databases_than_the_runs_will_ask_for(server_url):
    server, observer = PostgresServer(server_url, ahead=5), PostgresServer(server_url)
    server.start(expected=1)
    try:
        only = server.create("only")
        asyncio.run(asyncio.sleep(0.3))  # time enough for the helper to make more, were it to
        assert _made_by(server.tag, observer) == {only.name}
    finally:
        server.close()


def test_a_server_that_does_not_answer_is_a_provision_error_naming_it():
    server = PostgresServer("postgresql://nobody@127.0.0.1:1/none")
    try:
        server.start()
    except Exception as error:  # noqa: BLE001 - the type is the point
        assert type(error).__name__ == "ProvisionError"
        assert "TEST_DATABASE_URL (postgresql://nobody@127.0.0.1:1/none)" in str(error)
    else:
        raise AssertionError("started against a closed port")
    finally:
        server.close()
