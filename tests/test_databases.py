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
