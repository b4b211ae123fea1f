"""A pytest plugin loaded into each variant's run: records every test's outcome and real exception.

It reads exceptions from pytest's hooks (the exception objects themselves), never from terminal text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

_MAX_MESSAGE = 2000
_WORKER_KEY = "lab_failures"


@dataclass(frozen=True)
class Failure:
    """One failed phase of one test: the exception raised, and what it wraps."""

    nodeid: str
    when: str  # collect, setup, call, teardown, or internal (pytest itself stopped)
    exc_type: str
    message: str
    chain: tuple[tuple[str, str], ...] = ()  # (type, message) of the exception and those it wraps
    raised_as: str = ""  # the type pytest reported, when exc_type is one it wraps (a group's member, a cause)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Failure:
        return cls(**{**data, "chain": tuple(tuple(pair) for pair in data["chain"])})


@dataclass
class Observation:
    """What one pytest run did."""

    exit_code: int | None = None
    # nodeid -> passed, failed, error, skipped, xfailed or xpassed
    outcomes: dict[str, str] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    deselected: list[str] = field(default_factory=list)  # by -k, -m or a plugin: collected, never run
    # when each stage of the run ended (time.time(), comparable across processes), for `nox -s bench`
    marks: dict[str, float] = field(default_factory=dict)

    @property
    def all_passed(self) -> bool:
        """Every test that was collected ran and passed: none failed, skipped, xfailed or deselected."""
        return (
            self.exit_code == 0
            and bool(self.outcomes)
            and not self.failures
            and not self.deselected
            and all(outcome == "passed" for outcome in self.outcomes.values())
        )

    def not_run(self, functions: Iterable[str]) -> list[str]:
        """Which of the scenario's test functions no test of this run came from (skips and filters)."""
        ran = {nodeid.split("::")[-1].split("[")[0] for nodeid in self.outcomes}
        return [name for name in functions if name not in ran]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Observation:
        failures = [Failure.from_json(f) for f in data["failures"]]
        return cls(data["exit_code"], data["outcomes"], failures, data.get("deselected", []),
                   data.get("marks", {}))


def type_name(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _message(exc: BaseException) -> str:
    return str(exc)[:_MAX_MESSAGE]


def _walk(exc: BaseException, seen: set[int]) -> Iterator[BaseException]:
    """The exception, the leaves of any exception group, its cause and its context.

    The context counts because the traceback a user reads shows it ("During handling of the above
    exception, another exception occurred"): a cleanup that fails hides the error that started it.
    """
    if id(exc) in seen:
        return
    seen.add(id(exc))
    yield exc
    for inner in getattr(exc, "exceptions", ()) or ():
        if isinstance(inner, BaseException):
            yield from _walk(inner, seen)
    if exc.__cause__ is not None:
        yield from _walk(exc.__cause__, seen)
    elif exc.__context__ is not None and not exc.__suppress_context__:
        yield from _walk(exc.__context__, seen)


def describe(nodeid: str, when: str, exc: BaseException) -> Failure:
    chain = tuple((type_name(e), _message(e)) for e in _walk(exc, set()))
    return Failure(nodeid, when, type_name(exc), _message(exc), chain)


class CapturePlugin:
    """Collects an `Observation`; `write` saves it as JSON for the parent process."""

    def __init__(self) -> None:
        self.observation = Observation()

    def mark(self, stage: str) -> None:
        self.observation.marks.setdefault(stage, time.time())

    # Each mark is taken as late (or early) as a hook allows, so that a stage is all of what it names.
    @pytest.hookimpl(trylast=True)
    def pytest_configure(self) -> None:
        self.mark("configured")  # options parsed, plugins loaded, the initial conftests imported

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        self.mark("session_started")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self) -> None:
        self.mark("collected")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            self.mark("tests_done")

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self) -> None:
        self.mark("unconfigured")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed and call.excinfo is not None:
            self.observation.failures.append(describe(item.nodeid, call.when, call.excinfo.value))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcomes = self.observation.outcomes
        # An xfail marker turns a failure into a skip, and a pass into an "xpass": neither is a pass.
        expected_to_fail = hasattr(report, "wasxfail")
        if report.when == "call":
            if expected_to_fail:
                outcomes[report.nodeid] = "xpassed" if report.passed else "xfailed"
            else:
                outcomes[report.nodeid] = report.outcome
        elif report.failed:
            outcomes[report.nodeid] = "error"
        elif report.skipped:
            outcomes.setdefault(report.nodeid, "xfailed" if expected_to_fail else "skipped")

    def escaped(self, exc: BaseException) -> None:
        """pytest.main raised instead of returning (a BaseException it does not catch): record it."""
        self.observation.failures.append(describe("<session>", "internal", exc))

    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(self) -> Generator[None, None, None]:
        """A conftest that fails to import stops pytest before any test: record that exception."""
        try:
            return (yield)
        except Exception as error:
            self.observation.failures.append(describe("<conftest>", "collect", error))
            raise

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.observation.deselected.extend(item.nodeid for item in items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        # pytest keeps no exception object for collection errors; its crash summary is "Type: message".
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        exc_type, _, message = text.partition(": ")
        self.observation.outcomes[report.nodeid or "<collection>"] = "error"
        self.observation.failures.append(
            Failure(report.nodeid, "collect", exc_type, message, ((exc_type, message),))
        )

    def pytest_internalerror(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # A plugin's own hook raising (a warning turned into an error at configure time, say) stops pytest
        # before any test: the exception object is still the real one, so record it like a test's.
        self.observation.failures.append(describe("<session>", "internal", excinfo.value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.mark("session_finished")  # where pytest's own "in 0.08s" ends
        # In a pytest-xdist worker: hand the failures to the controller, which only gets reports.
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[_WORKER_KEY] = [asdict(failure) for failure in self.observation.failures]
            workeroutput[_WORKER_KEY + "_deselected"] = self.observation.deselected

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """pytest-xdist's controller: a worker has finished; take the failures it recorded."""
        output = getattr(node, "workeroutput", {})
        for data in output.get(_WORKER_KEY, []):
            self.observation.failures.append(Failure.from_json(data))
        # every worker collects every test, so each reports the same deselection: keep one of each
        for nodeid in output.get(_WORKER_KEY + "_deselected", []):
            if nodeid not in self.observation.deselected:
                self.observation.deselected.append(nodeid)

    def write(self, path: Path, exit_code: int) -> None:
        self.observation.exit_code = exit_code
        self.mark("written")
        path.write_text(json.dumps(self.observation.to_json()))


def pytest_configure(config: pytest.Config) -> None:
    """Loaded as a module plugin (`-p lab.core.capture`): in a pytest-xdist worker, record failures there."""
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(CapturePlugin(), "lab-capture-worker")
