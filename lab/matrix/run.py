"""The version matrix: the catalogue run once per stack set, each set in its own venv, records gathered.

    stacks     load      -> [Stack]           (stacks.toml, or pins named with `--with`)
    stacks     prepare   -> a venv per set    (uv; reused between runs; a set that fails is reported)
    matrix     run_set   -> `lab run --stack NAME --json ...` inside that venv, against one shared PostgreSQL
    drift      report    -> drift table, JSON, JUnit XML, RESULTS.md section; `lab diff` compares two runs
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from lab.core.classify import Record
from lab.core.databases import ENV_URL, PostgresServer, ProvisionError
from lab.core.report import read_json
from lab.matrix.stacks import InstallError, Stack, find_python, prepare

TIMING_FILE = "timing.json"  # the last matrix run's wall time per set, for `nox -s bench`


class SetStatus(str, Enum):
    RAN = "ran"
    SKIPPED = "skipped"  # this machine lacks the set's interpreter: not a failure
    INSTALL_FAILED = "install-failed"
    LAB_FAILED = "lab-failed"  # the set installed, but `lab run` gave no records: the lab broke there

    def __str__(self) -> str:
        return self.value


@dataclass
class SetResult:
    """What one stack set gave: its records, or why it has none."""

    stack: Stack
    status: SetStatus
    detail: str = ""
    records: list[Record] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    def to_json(self) -> dict[str, object]:
        return {"stack": self.stack.to_json(), "status": self.status.value, "detail": self.detail,
                "seconds": round(self.seconds, 1), "records": [r.to_json() for r in self.records]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SetResult:
        return cls(Stack.from_json(data["stack"]), SetStatus(data["status"]), str(data.get("detail", "")),
                   [Record.from_json(r) for r in data.get("records", [])], float(data.get("seconds", 0.0)))

    @property
    def ok(self) -> bool:
        if self.status is SetStatus.SKIPPED:
            return True
        return self.status is SetStatus.RAN and bool(self.records) and all(r.ok for r in self.records)


def run_matrix(
    stacks: Sequence[Stack],
    lab_args: Sequence[str],
    *,
    project: Path,
    scenarios: Path,
    venvs: Path,
    out: Path,
    postgres: bool = True,
    on_set: Callable[[SetResult], None] = lambda result: None,
    declared: Sequence[Stack] = (),
) -> list[SetResult]:
    """Run every set in turn against one PostgreSQL server, the one `TEST_DATABASE_URL` names or ours.

    `declared` is every set of the matrix when `stacks` is one shard of it: a set is a copy of an earlier
    one wherever the earlier one runs.
    """
    out.mkdir(parents=True, exist_ok=True)
    server = None if os.environ.get(ENV_URL) else PostgresServer()
    env = dict(os.environ)
    results = []
    try:
        if server is not None and postgres:
            try:  # one server for every set: each set's `lab run` makes its own databases on it
                env[ENV_URL] = server.admin_url().render_as_string(hide_password=False)
            except ProvisionError:
                pass  # each set's runs report it
        copies = duplicates(declared or stacks)
        for stack in stacks:
            if stack.name in copies:
                said = f"the same interpreter and pins as {copies[stack.name]!r}"
                result = SetResult(stack, SetStatus.SKIPPED, said)
                results.append(result)
                on_set(result)
                continue
            result = run_set(stack, [*lab_args, "--scenarios-dir", str(scenarios)],
                             project=project, venvs=venvs, out=out, env=env)
            results.append(result)
            on_set(result)
    finally:
        if server is not None:
            server.close()
    return results


def duplicates(stacks: Sequence[Stack]) -> dict[str, str]:
    """Sets that would install what an earlier set does, each mapped to that set's name.

    On a machine whose default Python is 3.11, `python-3.11` is `latest` again: run once, reported once.
    """
    first: dict[tuple[str, tuple[str, ...], bool], str] = {}
    found = {}
    for stack in stacks:
        earlier = first.setdefault(stack.identity(), stack.name)
        if earlier != stack.name:
            found[stack.name] = earlier
    return found


def run_set(
    stack: Stack, lab_args: Sequence[str], *, project: Path, venvs: Path, out: Path, env: dict[str, str]
) -> SetResult:
    began = time.perf_counter()
    if stack.skip:
        return SetResult(stack, SetStatus.SKIPPED, stack.skip)
    if find_python(stack.python) is None:
        return SetResult(stack, SetStatus.SKIPPED, f"no Python {stack.python} on this machine")
    try:
        interpreter = prepare(stack, project, venvs)
    except InstallError as error:
        return SetResult(stack, SetStatus.INSTALL_FAILED, str(error), seconds=time.perf_counter() - began)
    records_path, log = out / f"{stack.name}.json", out / f"{stack.name}.log"
    records_path.unlink(missing_ok=True)
    with log.open("w") as sink:
        try:
            done = subprocess.run(
                [str(interpreter), "-m", "lab", "run", "--stack", stack.name, "--json", str(records_path),
                 *lab_args],
                stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=project, check=False,
            )
            returncode: int | str = done.returncode
        except OSError as error:  # the venv's interpreter is gone or cannot start: this set's failure only
            returncode = f"before it started ({error})"
    seconds = time.perf_counter() - began
    records: list[Record] | None = None
    if returncode in (0, 1) and records_path.is_file():
        try:
            records = read_json(records_path)
        except ValueError as error:  # a run that crashed while writing: the other sets still run
            with log.open("a") as sink:
                sink.write(f"{error}\n")
    if records is None:
        said = log.read_text(errors="replace").strip().splitlines()[-15:]
        detail = f"`lab run` exited {returncode} in stack {stack.name!r}:\n    " + "\n    ".join(said)
        return SetResult(stack, SetStatus.LAB_FAILED, detail, seconds=seconds, log=log)
    return SetResult(stack, SetStatus.RAN, records=records, seconds=seconds, log=log)


def write_timing(path: Path, results: Sequence[SetResult], wall: float) -> None:
    """Seconds per set and in all: `nox -s bench` prints the last matrix's figures from here, and the
    shards are balanced by them. A set this run did not run keeps its last figures (another shard's)."""
    try:
        sets = json.loads(path.read_text()).get("sets", {})
    except (OSError, ValueError, AttributeError):
        sets = {}
    for r in results:
        sets[r.stack.name] = {"status": str(r.status), "seconds": round(r.seconds, 1), "runs": len(r.records)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"wall": round(wall, 1), "sets": sets}, indent=2) + "\n")
