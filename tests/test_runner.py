"""The conductor: every run gets its own database, dropped as soon as the run ends."""

from __future__ import annotations

from types import TracebackType

from conftest import SQLITE_ONLY, Scenarios

from lab.core.classify import Record, Status
from lab.core.databases import Database, SqliteServer
from lab.core.plan import plan
from lab.core.runner import _read_durations, _write_durations, run_all, slowest_first
from lab.core.scenarios import discover, load


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


def test_the_slowest_runs_start_first_and_unknown_ones_count_as_typical(tmp_path):

    catalogue = Scenarios(tmp_path / "scenarios", tmp_path)
    for name in ("01-a", "02-b", "03-c"):
        catalogue.add(name, 'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E" }\n')
    runs = plan(discover(catalogue.root).scenarios, backends=["sqlite"], variants=["broken"])
    durations = {"01-a/broken/sqlite": 0.5, "03-c/broken/sqlite": 8.0, "04-gone/broken/sqlite": 1.0}
    assert [r.scenario.name for r in slowest_first(runs, durations)] == ["03-c", "02-b", "01-a"]
    assert [r.scenario.name for r in slowest_first(runs, {})] == ["01-a", "02-b", "03-c"]
    history = tmp_path / ".lab" / "durations.json"
    _write_durations(history, [Record("02-b", "broken", "sqlite", Status.AS_EXPECTED, "-", seconds=2.5)])
    assert _read_durations(history) == {"02-b/broken/sqlite": 2.5}
    history.write_text("not json")
    assert _read_durations(history) == {}


def test_a_timeout_s_dump_shows_each_task_s_await_chain_down_to_where_it_waits():
    """A suspended coroutine is on no thread's stack; the task dump is where a hang in a test body shows."""
    import asyncio
    import os

    from lab.core.execute import dump_tasks

    async def innermost(event: asyncio.Event) -> None:
        await event.wait()

    async def outer(event: asyncio.Event) -> None:
        await innermost(event)

    async def main() -> str:
        event = asyncio.Event()
        task = asyncio.create_task(outer(event), name="waiting")
        await asyncio.sleep(0)
        read, write = os.pipe()
        dump_tasks(write)
        os.close(write)
        event.set()
        await task
        with os.fdopen(read) as dumped:
            return dumped.read()

    text = asyncio.run(main())
    chain = text[text.index("Task waiting (outermost await first):"):].splitlines()
    assert [line.rsplit(" in ", 1)[-1] for line in chain[1:4]] == ["outer", "innermost", "wait"]
    assert "Task Task-" in text  # main() itself, dumping
    read, write = os.pipe()
    dump_tasks(write)  # no running loop: nothing written, nothing raised
    os.close(write)
    assert os.read(read, 100) == b""
