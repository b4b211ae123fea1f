"""Run each variant as its own pytest session, isolated, in parallel, with a timeout.

Importing this stack costs about 1.5 s per interpreter, so on POSIX the parent imports it once and forks
one child per run: each child starts with the stack loaded and nothing else shared. Elsewhere, or with
`isolation="subprocess"`, each run is a fresh `python -m lab.core.execute` process.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import importlib
import inspect
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Generic, TypeVar

from lab.core.interrupts import Held

# What a variant's run imports anyway; loading it before forking is the whole point of forking.
# Never a module that warns on import (Starlette's testclient does, on some versions): a run must see
# that warning itself, since `filterwarnings = error` turns it into the run's failure.
PRELOAD = (
    "pytest",
    "pytest_asyncio",
    "_pytest.pytester",
    # The plugins pytest loads from entry points. Imported by the run, pytest would assertion-rewrite
    # them, compiling every module of their packages again in every run whenever bytecode is not written
    # (PYTHONDONTWRITEBYTECODE): anyio's alone took 0.4 s of a 1.2 s run.
    "anyio.pytest_plugin",
    "anyio._backends._asyncio",
    "xdist.plugin",
    "xdist.looponfail",
    "platformdirs.pytest_plugin",
    "xdist.newhooks",
    # What pytest's own plugins and the shared app's test support import as a run goes
    "pdb",
    "unittest",
    "xml.etree.ElementTree",
    "difflib",
    "encodings.idna",
    "asgi_lifespan._concurrency.asyncio",
    "shared_app.testing",
    "lab.core.capture",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.postgresql.asyncpg",
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "asyncpg",
    "aiosqlite",
    "httpx",
    "fastapi",
    "aiohttp",
    "asgi_lifespan",
    "shared_app",
)

T = TypeVar("T")

# The exit status of a run whose pytest.main raised instead of returning (pytest uses 0 to 5).
ESCAPED = 70

# Sent to a run that outlives its timeout, so its log shows where every thread was stuck; then SIGKILL.
DUMP_SIGNAL = signal.SIGUSR1
DUMP_GRACE = 0.3


@dataclass(frozen=True)
class Job:
    """One pytest run: where, with what environment, and where its results go."""

    workdir: Path
    env: dict[str, str]
    timeout: float
    extra: tuple[str, ...] = ()  # more pytest arguments: `-p lab.guard ...` under `lab run --guard`

    @property
    def result_path(self) -> Path:
        return self.workdir / ".lab-result.json"

    @property
    def log_path(self) -> Path:
        return self.workdir / ".lab-output.txt"


@dataclass(frozen=True)
class Finished:
    exit_status: int | None  # the child's exit status; None when killed by the timeout
    timed_out: bool
    seconds: float
    began: float = 0.0  # time.time() when the child was started, and when its end was seen
    ended: float = 0.0


def preload() -> None:
    from _pytest.config import default_plugins  # pytest's own plugins, which every run imports

    for module in (*PRELOAD, *(f"_pytest.{name}" for name in default_plugins)):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a missing optional module only costs speed
            pass


def pytest_args(job: Job) -> list[str]:
    return [
        "-p", "no:cacheprovider",
        # Preloading imports plugins (pytest-asyncio, anyio) before pytest can rewrite their asserts;
        # its warning about that describes the lab, not the scenario, so it is the one warning dropped.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        # Also as a module plugin, so that pytest-xdist's workers (which get these arguments) load it too.
        "-p", "lab.core.capture",
        "--rootdir", str(job.workdir), "-rfE", "--color=no", *job.extra, str(job.workdir),
    ]


def dump_tasks(fd: int) -> None:
    """Write each task of the running loop with its await chain, outermost first, as faulthandler writes
    frames (`  File "F", line N in NAME`); nothing where no loop runs."""
    try:
        tasks = asyncio.all_tasks(asyncio.get_running_loop())
    except RuntimeError:
        return
    lines = []
    for task in sorted(tasks, key=lambda t: t.get_name()):
        lines.append(f"\nTask {task.get_name()} (outermost await first):")
        lines += [f'  File "{f.f_code.co_filename}", line {f.f_lineno} in {f.f_code.co_name}'
                  for f in _await_frames(task.get_coro())]
    os.write(fd, ("\n".join(lines) + "\n").encode(errors="replace"))


def _await_frames(awaitable: object) -> list[FrameType]:
    """The frames of a coroutine and of what it awaits, down to where the chain is suspended."""
    found: list[FrameType] = []
    seen: set[int] = set()
    while awaitable is not None and id(awaitable) not in seen:
        seen.add(id(awaitable))
        frame = next((getattr(awaitable, a) for a in ("cr_frame", "ag_frame", "gi_frame")
                      if getattr(awaitable, a, None) is not None), None)
        if frame is not None:
            found.append(frame)
        following = next((getattr(awaitable, a) for a in ("cr_await", "ag_await", "gi_yieldfrom")
                          if getattr(awaitable, a, None) is not None), None)
        if following is None and frame is None:
            # An `async_generator_asend` hides its generator from Python; the collector still knows it
            following = next((r for r in gc.get_referents(awaitable)
                              if inspect.iscoroutine(r) or inspect.isasyncgen(r) or inspect.isgenerator(r)),
                             None)
        awaitable = following
    return found


def run_in_child(job: Job) -> int:
    """The body of a run: called in the forked or spawned child, never in the parent."""
    import pytest

    from lab.core.capture import CapturePlugin

    os.chdir(job.workdir)
    os.environ.update(job.env)
    with open(job.log_path, "wb", buffering=0) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        # A descriptor of its own: pytest's fd capture swaps 1 and 2 out from under a running test.
        dump = os.dup(log.fileno())
        # Threads' stacks from faulthandler, at once; then, in the main thread, the await chain of every
        # task of its running loop: a suspended coroutine is on no thread's stack, and that is where a
        # test waiting on its loop is stuck.
        signal.signal(DUMP_SIGNAL, lambda signum, frame: dump_tasks(dump))
        faulthandler.register(DUMP_SIGNAL, file=dump, all_threads=True, chain=True)
    # Line-buffered, as both are on a terminal: a warning pytest-asyncio prints to stderr while configuring
    # comes before "test session starts" in the log, where a reader's own terminal shows it.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the child
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    plugin = CapturePlugin()
    plugin.mark("child")
    try:
        exit_code = int(pytest.main(pytest_args(job), plugins=[plugin]))
    except BaseException as escaped:  # noqa: BLE001 - pytest.fail() at conftest import escapes pytest.main
        traceback.print_exc()  # what the reader's own `pytest` would have shown before dying
        plugin.escaped(escaped)
        exit_code = ESCAPED
    plugin.write(job.result_path, exit_code)
    return exit_code


def _fork(job: Job) -> int:
    pid = os.fork()
    if pid == 0:  # child
        os.setpgid(0, 0)  # its own group, so a timeout also kills what it started (xdist workers)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the parent's was holding Ctrl-C back
        code = ESCAPED
        try:
            code = run_in_child(job)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # no atexit handlers or finalizers inherited from the parent
    return pid


def _spawn(job: Job) -> subprocess.Popen[bytes]:
    spec = job.workdir / ".lab-job.json"
    spec.write_text(json.dumps({**asdict(job), "workdir": str(job.workdir)}))
    return subprocess.Popen(
        [sys.executable, "-m", "lab.core.execute", str(spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class _Child:
    """A running job, forked or spawned, behind one small interface."""

    def __init__(self, job: Job, isolation: str) -> None:
        self.began = time.time()
        self.started = time.perf_counter()
        self.deadline = self.started + job.timeout
        self.process = _spawn(job) if isolation == "subprocess" else None
        self.pid = self.process.pid if self.process else _fork(job)

    def poll(self) -> int | None:
        if self.process:
            return self.process.poll()
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return None if pid == 0 else os.waitstatus_to_exitcode(status)

    def kill(self, dump: bool = False) -> None:
        try:
            if dump:
                os.kill(self.pid, DUMP_SIGNAL)
                time.sleep(DUMP_GRACE)  # faulthandler writes from its signal handler, at once
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process:
            self.process.wait()
        else:
            os.waitpid(self.pid, 0)


class Pool(Generic[T]):
    """Keeps up to `workers` children running; calls `finish` as each one ends."""

    def __init__(self, workers: int, isolation: str = "fork") -> None:
        if isolation == "fork" and not hasattr(os, "fork"):
            isolation = "subprocess"
        self.workers = max(1, workers)
        self.isolation = isolation
        if isolation == "fork":
            with Held() as held:  # Ctrl-C waits (1.5 s at most): a module half imported breaks the exit
                preload()
            held.reraise()
            # pytest collects garbage at the end of every session (to report unraisable exceptions); in a
            # child forked from a preloaded parent that walked every preloaded object, 70 ms a call. Frozen,
            # the parent's objects are left out of the children's collections, as they would be in a fresh
            # interpreter; what a run creates is collected as usual.
            gc.freeze()

    def run(
        self,
        items: Iterable[T],
        start: Callable[[T], Job | None],
        finish: Callable[[T, Job, Finished], None],
    ) -> None:
        pending = deque(items)
        running: dict[int, tuple[T, Job, _Child]] = {}
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    item = pending.popleft()
                    job = start(item)
                    if job is None:  # `start` could not prepare it and has reported why
                        continue
                    # Held: Ctrl-C in a fork's after-fork hooks is lost (they swallow errors), and a child
                    # started must be known to be killed
                    with Held() as held:
                        child = _Child(job, self.isolation)
                        running[child.pid] = (item, job, child)
                    held.reraise()
                for pid, (item, job, child) in list(running.items()):
                    status = child.poll()
                    now = time.perf_counter()
                    if status is None and now < child.deadline:
                        continue
                    if status is None:
                        child.kill(dump=True)
                    del running[pid]
                    seconds = now - child.started
                    finish(item, job, Finished(status, status is None, seconds, child.began, time.time()))
                time.sleep(0.01)
        finally:
            with Held() as held:  # a second Ctrl-C must not leave the rest running
                for _, _, child in running.values():
                    child.kill()
            held.reraise()


def _main(spec_path: str) -> int:
    data = json.loads(Path(spec_path).read_text())
    extra = tuple(data.get("extra", ()))
    return run_in_child(Job(Path(data["workdir"]), data["env"], data["timeout"], extra))


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1]))
