"""Compare what a run did with what its scenario expects, and name the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lab.capture import Failure, Observation
from lab.expectations import Expectation
from lab.plan import Run


class Status(str, Enum):
    AS_EXPECTED = "as-expected"
    BROKEN_PASSED = "broken-passed"  # the broken variant passed: fixed upstream, or a lost reproduction
    FIXED_FAILED = "fixed-failed"  # the fixed variant failed: a regression
    FAILED_DIFFERENTLY = "failed-differently"
    TIMEOUT = "timeout"
    ERROR = "error"  # could not run: provisioning, a crash, no tests collected, no expectation

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Record:
    """One scenario × variant × backend result: the unit of every report."""

    scenario: str
    variant: str
    backend: str
    status: Status
    expected: str  # "passes", or "Type: /pattern/"
    expected_match: bool
    error_type: str | None = None
    error_message: str | None = None
    nodeid: str | None = None
    pattern: str | None = None  # the expected message pattern the error matched
    seconds: float = 0.0
    detail: str = ""
    tests: dict[str, str] | None = None
    output: str = field(default="", repr=False)  # pytest's own terminal output, for people to read

    def to_json(self, versions: dict[str, Any]) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__ if key != "output"}
        data["status"] = self.status.value
        data["versions"] = versions
        return data


def classify(
    run: Run,
    expected: tuple[Expectation, ...],
    observation: Observation | None,
    seconds: float,
    *,
    timed_out: bool = False,
    crashed: str | None = None,
    detail: str = "",
) -> Record:
    """Name the outcome of one run, given the outcomes its scenario accepts (any of `expected`)."""

    def record(
        status: Status, match: bool, failure: Failure | None = None, why: str = "", pattern: str | None = None
    ) -> Record:
        return Record(
            scenario=run.scenario.name,
            variant=run.variant,
            backend=run.backend,
            status=status,
            expected=" or ".join(e.describe() for e in expected) or "-",
            expected_match=match,
            error_type=failure.exc_type if failure else crashed,
            error_message=failure.message if failure else (detail if crashed else None),
            nodeid=failure.nodeid if failure else None,
            pattern=pattern,
            seconds=round(seconds, 3),
            detail=why or detail or _wrapper(failure),
            tests=observation.outcomes if observation else None,
        )

    if timed_out:
        return record(Status.TIMEOUT, False, why=f"no result within {seconds:.0f} s")
    if not expected:
        return record(Status.ERROR, False, why="no expectation covers the installed versions")
    if crashed is not None:
        if any(e.crashes == crashed for e in expected):
            return record(Status.AS_EXPECTED, True)
        status = Status.FIXED_FAILED if run.variant == "fixed" else Status.ERROR
        return record(status, False)
    if observation is None:
        return record(Status.ERROR, False)
    first = observation.failures[0] if observation.failures else None
    if not observation.outcomes or observation.exit_code not in (0, 1):
        # pytest stopped early: as expected only if what stopped it is the expected exception
        stopped = _first_match(expected, observation)
        if stopped is not None:
            return record(Status.AS_EXPECTED, True, stopped[0], pattern=stopped[1])
        return record(Status.ERROR, False, first, f"pytest exited {observation.exit_code}; no test ran")

    if observation.all_passed:
        if any(e.passes for e in expected):
            return record(Status.AS_EXPECTED, True)
        return record(Status.BROKEN_PASSED if run.variant == "broken" else Status.FAILED_DIFFERENTLY, False)
    matched = _first_match(expected, observation)
    if matched is not None:
        return record(Status.AS_EXPECTED, True, matched[0], pattern=matched[1])
    if run.variant == "fixed" and any(e.passes for e in expected):
        return record(Status.FIXED_FAILED, False, first)
    return record(Status.FAILED_DIFFERENTLY, False, first)


def _wrapper(failure: Failure | None) -> str:
    return f"raised inside {failure.raised_as}" if failure and failure.raised_as else ""


def _first_match(expected: tuple[Expectation, ...], observation: Observation) -> tuple[Failure, str] | None:
    """The first failure an expected exception matches, and the pattern it matched."""
    for expectation in expected:
        matching = None if expectation.passes else expectation.matching_failure(observation)
        if matching is not None:
            return matching, expectation.match
    return None
