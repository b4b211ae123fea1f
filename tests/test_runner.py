"""The conductor: every run gets its own database, dropped as soon as the run ends."""

from __future__ import annotations

from types import TracebackType

from conftest import SQLITE_ONLY

from lab.classify import Record
from lab.databases import Database, SqliteServer
from lab.plan import plan
from lab.runner import run_all
from lab.scenarios import load


class CountingServer(SqliteServer):
    """A real SQLite provisioner that also remembers what was made and dropped, and when."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    def create(self, label: str) -> Database:
        database = super().create(label)
        self.events.append(("create", database.name))
        return database

    def drop(self, database: Database) -> None:
        self.events.append(("drop", database.name))
        super().drop(database)


class OneServer:
    def __init__(self, server: CountingServer) -> None:
        self.server = server

    def __getitem__(self, backend: str) -> CountingServer:
        return self.server

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.close()


def test_each_run_gets_a_fresh_database_dropped_before_the_next_one_is_made(scenarios):
    scenarios.add("first", SQLITE_ONLY)
    scenarios.add("second", SQLITE_ONLY)
    runs = plan([load(scenarios.root / "first"), load(scenarios.root / "second")])
    server = CountingServer()
    seen: list[Record] = []
    try:  # servers handed in belong to the caller: run_all uses them and leaves them open
        records = run_all(runs, seen.append, workers=1, isolation="subprocess",
                          servers=OneServer(server))  # type: ignore[arg-type]
    finally:
        server.close()
    assert [r.status.value for r in records] == ["as-expected"] * 4 and records == seen
    kinds = [kind for kind, _ in server.events]
    assert kinds == ["create", "drop"] * 4  # one worker: each dropped when its run ends
    names = [name for _, name in server.events]
    assert len(set(names)) == 4 and names[0::2] == names[1::2]
