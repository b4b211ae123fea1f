"""Compare what a run did with what its scenario expects, and name the result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from lab.core.capture import Failure, Observation
from lab.core.expectations import Expectation
from lab.core.plan import Run
from lab.core.scenarios import Problem


class Status(str, Enum):
    AS_EXPECTED = "as-expected"
    BROKEN_PASSED = "broken-passed"  # the broken variant passed: fixed upstream, or a lost reproduction
    FIXED_FAILED = "fixed-failed"  # the fixed variant failed: a regression
    FAILED_DIFFERENTLY = "failed-differently"
    TIMEOUT = "timeout"
    ERROR = "error"  # could not run: provisioning, a crash, no tests collected, no expectation
    NOT_APPLICABLE = "n/a"  # the variant needs versions other than those installed (`requires`); not run

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
    error_type: str | None = None
    error_message: str | None = None
    nodeid: str | None = None
    pattern: str | None = None  # the expected message pattern the error matched
    seconds: float = 0.0
    detail: str = ""
    tests: dict[str, str] | None = None
    output: str = field(default="", repr=False)  # pytest's own terminal output, for people to read
    stack: str = ""  # the stack set the run belongs to (`lab run --stack`, or the matrix)
    versions: dict[str, str | None] = field(default_factory=dict)  # what the run had installed
    stages: dict[str, float] = field(default_factory=dict)  # seconds each stage of the run took (bench)
    hung: bool = False  # killed at its time limit, stuck where its scenario says it hangs: no error to show
    idiom: str = ""  # the `[[idiom]]` folder whose files ran; empty for the scenario's own
    # `lab run --guard`: the guard's findings, each {rule, scenario, message, test}
    guard: list[dict[str, str]] = field(default_factory=list)

    @property
    def expected_match(self) -> bool:
        return self.status is Status.AS_EXPECTED

    @property
    def ok(self) -> bool:
        """Nothing to look at: as expected, or not applicable to these versions."""
        return self.status in (Status.AS_EXPECTED, Status.NOT_APPLICABLE)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.scenario, self.variant, self.backend)

    def to_json(self) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__ if key != "output"}
        data["status"] = self.status.value
        data["expected_match"] = self.expected_match
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**{**known, "status": Status(data["status"])})

    @classmethod
    def not_applicable(cls, run: Run, why: str) -> Record:
        return cls(run.scenario.name, run.variant, run.backend, Status.NOT_APPLICABLE, "-", detail=why,
                   idiom=run.idiom)

    @classmethod
    def for_problem(cls, problem: Problem) -> Record:
        """A scenario folder that could not be loaded: an error row, so the run reports it."""
        return cls(problem.name, "-", "-", Status.ERROR, "-", detail=problem.message)


def classify(
    run: Run,
    expected: tuple[Expectation, ...],
    observation: Observation | None,
    seconds: float,
    *,
    timed_out: bool = False,
    crashed: str | None = None,
    detail: str = "",
    used_database: bool | None = None,
    output: str = "",
) -> Record:
    """Name the outcome of one run, given the outcomes its scenario accepts (any of `expected`)."""

    def record(
        status: Status, failure: Failure | None = None, why: str = "", pattern: str | None = None,
        hung: bool = False,
    ) -> Record:
        return Record(
            scenario=run.scenario.name,
            variant=run.variant,
            backend=run.backend,
            status=status,
            expected=" or ".join(e.describe() for e in expected) or "-",
            error_type=failure.exc_type if failure else crashed,
            error_message=failure.message if failure else (detail if crashed else None),
            nodeid=failure.nodeid if failure else None,
            pattern=pattern,
            seconds=round(seconds, 3),
            detail=why or detail or _wrapper(failure),
            tests=observation.outcomes if observation else None,
            hung=hung,
            idiom=run.idiom,
        )

    if timed_out:
        hung = _where_it_hung(expected, output)
        if hung is not None:
            return record(Status.AS_EXPECTED, why=f"hung, as expected, in /{hung}/", pattern=hung, hung=True)
        return record(Status.TIMEOUT, why=f"no result within {seconds:.0f} s")
    if not expected:
        return record(Status.ERROR, why="no expectation covers the installed versions")
    if crashed is not None:
        if any(e.crashes == crashed for e in expected):
            return record(Status.AS_EXPECTED)
        status = Status.FIXED_FAILED if run.variant == "fixed" else Status.ERROR
        return record(status)
    if observation is None:
        return record(Status.ERROR)
    first = observation.failures[0] if observation.failures else None
    # pytest's "no tests collected" (5), when a filter or a hook left none: judged below, as no pass
    if observation.exit_code not in (0, 1, 5) or (not observation.outcomes and observation.exit_code == 1):
        # pytest stopped early: as expected only if what stopped it is the expected exception
        stopped = _first_match(expected, observation)
        if stopped is not None:
            return record(Status.AS_EXPECTED, stopped[0], pattern=stopped[1])
        return record(Status.ERROR, first, f"pytest exited {observation.exit_code}; no test ran")

    if observation.exit_code in (0, 5) and not observation.failures:  # pytest's word: nothing failed
        short = _short_of_a_pass(run, observation, used_database)
        if short:  # skipped, xfailed, deselected, never collected, or another database: not a pass
            accepts_pass = run.variant == "fixed" and any(e.passes for e in expected)
            return record(Status.FIXED_FAILED if accepts_pass else Status.FAILED_DIFFERENTLY, why=short)
        if any(e.passes for e in expected):
            return record(Status.AS_EXPECTED)
        return record(Status.BROKEN_PASSED if run.variant == "broken" else Status.FAILED_DIFFERENTLY)
    matched = _first_match(expected, observation)
    if matched is not None:
        return record(Status.AS_EXPECTED, matched[0], pattern=matched[1])
    if run.variant == "fixed" and any(e.passes for e in expected):
        return record(Status.FIXED_FAILED, first)
    return record(Status.FAILED_DIFFERENTLY, first)


def _short_of_a_pass(run: Run, observation: Observation, used_database: bool | None) -> str:
    """Why a run where nothing failed still does not show the scenario passing; empty when it does."""
    reasons = [] if observation.outcomes else ["no test ran"]
    others = {nodeid: outcome for nodeid, outcome in observation.outcomes.items() if outcome != "passed"}
    if others:
        reasons.append("not passed: " + ", ".join(f"{node} {outcome}" for node, outcome in others.items()))
    if observation.deselected:
        reasons.append("deselected: " + ", ".join(observation.deselected))
    missing = observation.not_run(run.scenario.functions(run.scenario.idiom()))
    if missing:
        reasons.append("never ran: " + ", ".join(missing))
    if used_database is False:
        reasons.append("the run never used the database it was given (DATABASE_URL)")
    return "; ".join(reasons)


def _where_it_hung(expected: tuple[Expectation, ...], output: str) -> str | None:
    """The pattern of an expected hang found in the stack dump the timeout took; None if none is."""
    dump = output[output.find("most recent call first"):] if "most recent call first" in output else ""
    for expectation in expected:
        if expectation.hangs and re.search(expectation.match, dump):
            return expectation.match
    return None


def _wrapper(failure: Failure | None) -> str:
    return f"raised inside {failure.raised_as}" if failure and failure.raised_as else ""


def _first_match(expected: tuple[Expectation, ...], observation: Observation) -> tuple[Failure, str] | None:
    """The first failure an expected exception matches, and the pattern it matched."""
    for expectation in expected:
        if expectation.tests:
            shown = _every_test_holds(expectation, observation)
            if shown is not None:
                return shown
            continue
        matching = None if expectation.passes else matching_failure(expectation, observation)
        if matching is not None:
            return matching, expectation.match
    return None


def _every_test_holds(expectation: Expectation, observation: Observation) -> tuple[Failure, str] | None:
    """The per-test form: each named test ran and did what its entry says; shown as the first failure."""
    shown: tuple[Failure, str] | None = None
    for name, wanted in expectation.tests.items():
        ran = {node: outcome for node, outcome in observation.outcomes.items() if _names(node, name)}
        if not ran:
            return None
        if wanted.passes:
            if any(outcome != "passed" for outcome in ran.values()):
                return None
            continue
        own = Observation(observation.exit_code, ran, [f for f in observation.failures if f.nodeid in ran])
        matching = matching_failure(wanted, own)
        if matching is None:
            return None
        shown = shown or (matching, wanted.match)
    return shown


def _names(nodeid: str, name: str) -> bool:
    """`test_x` names every test of that function; `test_x[bob]` names one of its parameters."""
    test = nodeid.split("::")[-1]
    return name == test or name == test.split("[")[0]


def matching_failure(expectation: Expectation, observation: Observation) -> Failure | None:
    """The first failure whose exception (or one it wraps) matches, told as that exception."""
    for failure in observation.failures:
        for depth, (exc_type, message) in enumerate(failure.chain):
            if same_type(exc_type, expectation.raises or "") and re.search(expectation.match, message):
                if depth == 0:  # the exception pytest reported itself
                    return failure
                return replace(failure, exc_type=exc_type, message=message, raised_as=failure.exc_type)
    return None


def same_type(observed: str, expected: str) -> bool:
    """`RuntimeError` matches `builtins.RuntimeError`; `exc.MissingGreenlet` matches the full path."""
    return observed == expected or observed.endswith("." + expected)
