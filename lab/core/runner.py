"""The conductor of `lab run`: provision, execute, classify every planned Run; report each as it finishes."""

from __future__ import annotations

import json
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from lab.core.capture import Observation
from lab.core.classify import Record, classify
from lab.core.databases import Database, PostgresServer, ProvisionError, Servers, SqliteServer
from lab.core.execute import Finished, Job, Pool
from lab.core.expectations import Expectation, choose
from lab.core.interrupts import Held
from lab.core.plan import Run
from lab.core.scenarios import DEFAULT_INI

DEFAULT_TIMEOUT = 60.0
# Where `lab run --guard` has the guard write its findings in a run's folder (a pytest-xdist worker: `.gwN`)
GUARD_REPORT = ".lab-guard.json"


def materialize(run: Run, into: Path) -> Path:
    """The folder a variant runs in: the scenario's tests and pytest.ini, overlaid by the variant's files.

    The result is exactly what a user would have in their own project, so `pytest` there reproduces it.
    """
    scenario, idiom = run.scenario, run.scenario.idiom()
    workdir = into / run.key.replace("/", "-")
    if workdir.exists():  # left by an earlier `--keep` run into the same folder
        shutil.rmtree(workdir)
    shutil.copytree(scenario.tests_dir(idiom), workdir / "tests")
    ini = scenario.ini(idiom)
    (workdir / "pytest.ini").write_text(ini.read_text() if ini.is_file() else DEFAULT_INI)
    # The recommended conftest's folder also holds its idioms' folders, which are no part of this run
    others = shutil.ignore_patterns(*(i.folder for i in scenario.idioms)) if scenario.pattern else None
    shutil.copytree(scenario.variant_dir(run.variant, idiom), workdir, dirs_exist_ok=True, ignore=others)
    return workdir


# A run's stages, each ending at the mark named: (stage, from mark, to mark). `began` and `ended` are the
# parent's (the child started; its end was seen); the rest come from the run itself (capture.py).
STAGES = (
    ("start", "began", "child"),  # fork, or a fresh interpreter and its imports
    ("configure", "child", "configured"),  # options, plugins, the initial conftests
    ("collect", "configured", "collected"),  # collection, assertion rewriting of the test files
    ("tests", "collected", "tests_done"),
    ("teardown", "tests_done", "unconfigured"),  # session fixtures, the session's end, unconfigure
    ("write", "unconfigured", "written"),  # the result file for the parent
    ("reap", "written", "ended"),  # until the parent saw the child end
)


def stages(finished: Finished, marks: dict[str, float], spent: dict[str, float]) -> dict[str, float]:
    """Seconds per stage of one run, and pytest's own session time; stages never reached are left out."""
    at = {**marks, "began": finished.began, "ended": finished.ended}
    found = {name: at[end] - at[start] for name, start, end in STAGES if start in at and end in at}
    if "session_started" in at and "session_finished" in at:
        found["session"] = at["session_finished"] - at["session_started"]
    return {name: round(seconds, 4) for name, seconds in {**spent, **found}.items()}


def _signal_name(exit_status: int | None) -> str | None:
    """The signal that killed a run (a negative exit status), e.g. "SIGSEGV"."""
    if exit_status is None or exit_status >= 0:
        return None
    try:
        return signal.Signals(-exit_status).name
    except ValueError:
        return f"signal {-exit_status}"


def _label(run: Run) -> str:
    """A short, identifier-safe hint of the run in the database's name, for whoever looks at the server."""
    return re.sub(r"[^a-z0-9]", "", run.scenario.name.lower())[:20] + "_" + run.variant[0]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during `run_all`: every run was stopped and its database dropped; `records` finished first."""

    def __init__(self, records: list[Record]) -> None:
        super().__init__()
        self.records = records


def run_all(
    runs: Sequence[Run],
    on_record: Callable[[Record], None],
    *,
    workers: int,
    timeout: float | None = None,
    isolation: str = "fork",
    servers: Servers | None = None,
    keep: Path | None = None,
    history: Path | None = None,
    guard: bool = False,
) -> list[Record]:
    """Run every planned variant; one Record each, in the order they finish (reported as each does).

    With `history` (a JSON file of each run's last duration), the slowest start first, so that the last
    worker does not finish a long run alone; the file is updated with this run's durations.
    """
    records: list[Record] = []
    runs = slowest_first(runs, _read_durations(history))
    scratch: tempfile.TemporaryDirectory[str] | None = None
    owned: Servers | None = servers  # made in the `try` below when not given

    def server(backend: str) -> SqliteServer | PostgresServer:
        assert owned is not None  # made before the first run starts
        return owned[backend]
    databases: dict[str, Database] = {}
    provisioned: dict[str, float] = {}  # seconds each run waited for its database

    def emit(record: Record) -> None:
        records.append(record)
        on_record(record)

    def expectation(run: Run) -> tuple[Expectation, ...]:
        return choose(run.scenario.expectations[run.variant][run.backend])

    def start(run: Run) -> Job | None:
        why = run.scenario.not_applicable(run.variant)
        if why is not None:
            emit(Record.not_applicable(run, why))
            return None
        began = time.perf_counter()
        try:
            database = server(run.backend).create(_label(run))
        except ProvisionError as error:
            emit(classify(run, expectation(run), None, 0.0, detail=str(error)))
            return None
        provisioned[run.key] = time.perf_counter() - began
        databases[run.key] = database
        # Given on the command line, it wins: it is the one setting the person running the lab just chose.
        limit = timeout or run.scenario.timeout or DEFAULT_TIMEOUT
        assert scratch is not None  # made before the first run starts
        workdir = materialize(run, keep or Path(scratch.name))
        # The plugin by name, never imported here: the guard is a feature above the core
        extra = ("-p", "lab.guard", "--guard-report", str(workdir / GUARD_REPORT)) if guard else ()
        return Job(workdir, {"DATABASE_URL": database.url}, limit, extra)

    def finish(run: Run, job: Job, finished: Finished) -> None:
        cleanup_began = time.perf_counter()
        database = databases.pop(run.key)
        observation = None
        if job.result_path.is_file():
            observation = Observation.from_json(json.loads(job.result_path.read_text()))
        used = None
        try:
            would_pass = observation is not None and observation.exit_code in (0, 5)
            if would_pass and run.scenario.uses_database:  # prove it used the database its tests use
                used = server(run.backend).was_used(database)
            server(run.backend).drop(database)
        except ProvisionError as error:
            emit(classify(run, expectation(run), None, finished.seconds, detail=f"cleanup: {error}"))
            return
        crashed = _signal_name(finished.exit_status) if observation is None else None
        detail = "" if observation else f"the run died (exit status {finished.exit_status})"
        output = job.log_path.read_text(errors="replace") if job.log_path.is_file() else ""
        record = classify(run, expectation(run), observation, finished.seconds, timed_out=finished.timed_out,
                          crashed=crashed, detail=detail, used_database=used, output=output)
        marks = observation.marks if observation else {}
        spent = {"provision": provisioned.pop(run.key, 0.0), "cleanup": time.perf_counter() - cleanup_began}
        emit(replace(record, output=output, stages=stages(finished, marks, spent),
                     guard=guard_findings(job.workdir) if guard else []))

    held = Held()
    # Ctrl-C at any moment from here on is caught below, so whatever was made by then is removed
    try:
        with held:  # made whole, or not at all
            scratch = tempfile.TemporaryDirectory(prefix="lab-runs-")
            owned = servers or Servers()
        held.reraise()
        # Servers start before any run, so that no run's timing includes one. Never on a thread: the
        # pool forks, and a thread's leftovers (a held lock) would be forked into every run.
        applicable = [run for run in runs if run.scenario.not_applicable(run.variant) is None]
        _start_servers(owned, [run.backend for run in applicable])
        Pool[Run](workers, isolation).run(runs, start, finish)
    except KeyboardInterrupt:
        held.pressed = True
    finally:
        # Ctrl-C now waits: every database is dropped, every folder removed, before the lab stops
        with Held() as cleaning:
            if servers is None and owned is not None:
                owned.__exit__(None, None, None)
            if scratch is not None:
                scratch.cleanup()
            if history is not None:
                _write_durations(history, records)
    if held.pressed or cleaning.pressed:
        raise Interrupted(records)
    return records


def guard_findings(workdir: Path) -> list[dict[str, str]]:
    """What the guard wrote in a run's folder (each pytest-xdist worker a file), in the record's form."""
    found: list[dict[str, str]] = []
    for path in sorted(workdir.glob(GUARD_REPORT + "*")):
        try:
            entries = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a run killed while writing it: its findings are lost, its status says why
        found += [{key: str(entry.get(key, "")) for key in ("rule", "scenario", "message", "test")}
                  for entry in entries if isinstance(entry, dict)]
    return found


def slowest_first(runs: Sequence[Run], durations: dict[str, float]) -> list[Run]:
    """The runs, longest last time first; a run never timed counts as a typical one. Stable otherwise."""
    typical = sorted(durations.values())[len(durations) // 2] if durations else 0.0
    return sorted(runs, key=lambda run: -durations.get(_history_key(run), typical))


def _history_key(run: Run) -> str:
    return f"{run.scenario.name}/{run.variant}/{run.backend}"


def _read_durations(path: Path | None) -> dict[str, float]:
    try:
        data = json.loads(path.read_text()) if path is not None else {}
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: only the order of the runs depends on it
    if not isinstance(data, dict):
        return {}
    return {str(key): float(value) for key, value in data.items() if isinstance(value, (int, float))}


def _write_durations(path: Path, records: Sequence[Record]) -> None:
    durations = _read_durations(path)
    durations.update({"/".join(r.key): r.seconds for r in records if r.seconds > 0})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(durations, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass  # a read-only checkout runs in plan order


def _start_servers(servers: Servers, backends: Sequence[str]) -> None:
    """Start each backend's server, telling it how many databases the runs will ask it for."""
    for backend in dict.fromkeys(backends):
        try:
            servers[backend].start(backends.count(backend))
        except ProvisionError:
            pass  # each of its runs reports the error
