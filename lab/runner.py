"""The conductor of `lab run`: provision, execute, classify every planned Run; report each as it finishes."""

from __future__ import annotations

import json
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from lab.capture import Observation
from lab.classify import Record, classify
from lab.databases import Database, ProvisionError, Servers
from lab.execute import Finished, Job, Pool
from lab.expectations import Expectation, choose
from lab.plan import Run
from lab.scenarios import DEFAULT_INI

DEFAULT_TIMEOUT = 60.0


def materialize(run: Run, into: Path) -> Path:
    """The folder a variant runs in: the scenario's tests and pytest.ini, overlaid by the variant's files.

    The result is exactly what a user would have in their own project, so `pytest` there reproduces it.
    """
    workdir = into / run.key.replace("/", "-")
    if workdir.exists():  # left by an earlier `--keep` run into the same folder
        shutil.rmtree(workdir)
    shutil.copytree(run.scenario.path / "tests", workdir / "tests")
    ini = run.scenario.path / "pytest.ini"
    (workdir / "pytest.ini").write_text(ini.read_text() if ini.is_file() else DEFAULT_INI)
    shutil.copytree(run.scenario.variant_dir(run.variant), workdir, dirs_exist_ok=True)
    return workdir


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
) -> list[Record]:
    """Run every planned variant; one Record each, in the order they finish (reported as each does)."""
    records: list[Record] = []
    scratch = tempfile.TemporaryDirectory(prefix="lab-runs-")
    root = keep or Path(scratch.name)
    databases: dict[str, Database] = {}

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
        try:
            database = owned[run.backend].create(_label(run))
        except ProvisionError as error:
            emit(classify(run, expectation(run), None, 0.0, detail=str(error)))
            return None
        databases[run.key] = database
        # Given on the command line, it wins: it is the one setting the person running the lab just chose.
        limit = timeout or run.scenario.timeout or DEFAULT_TIMEOUT
        return Job(materialize(run, root), {"DATABASE_URL": database.url}, limit)

    def finish(run: Run, job: Job, finished: Finished) -> None:
        database = databases.pop(run.key)
        observation = None
        if job.result_path.is_file():
            observation = Observation.from_json(json.loads(job.result_path.read_text()))
        used = None
        try:
            if observation is not None and observation.exit_code in (0, 5):  # it would pass: prove it
                used = owned[run.backend].was_used(database)
            owned[run.backend].drop(database)
        except ProvisionError as error:
            emit(classify(run, expectation(run), None, finished.seconds, detail=f"cleanup: {error}"))
            return
        crashed = _signal_name(finished.exit_status) if observation is None else None
        detail = "" if observation else f"the run died (exit status {finished.exit_status})"
        output = job.log_path.read_text(errors="replace") if job.log_path.is_file() else ""
        record = classify(run, expectation(run), observation, finished.seconds, timed_out=finished.timed_out,
                          crashed=crashed, detail=detail, used_database=used, output=output)
        emit(replace(record, output=output))

    owned = servers or Servers()
    try:
        # Servers start before any run, so that no run's timing includes one. Never on a thread: the
        # pool forks, and a thread's leftovers (a held lock) would be forked into every run.
        applicable = [run for run in runs if run.scenario.not_applicable(run.variant) is None]
        _start_servers(owned, [run.backend for run in applicable])
        Pool[Run](workers, isolation).run(runs, start, finish)
    except KeyboardInterrupt:
        raise Interrupted(records) from None
    finally:
        if servers is None:
            owned.__exit__(None, None, None)
        scratch.cleanup()
    return records


def _start_servers(servers: Servers, backends: Sequence[str]) -> None:
    """Start each backend's server, telling it how many databases the runs will ask it for."""
    for backend in dict.fromkeys(backends):
        try:
            servers[backend].start(backends.count(backend))
        except ProvisionError:
            pass  # each of its runs reports the error
