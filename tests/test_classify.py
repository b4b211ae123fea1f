"""The verdict, decided in-process: every status, every expectation field, in both directions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lab.core.capture import Failure, Observation
from lab.core.classify import Record, Status, classify
from lab.core.expectations import PASSES, Expectation, ExpectationError, parse
from lab.core.plan import Run
from lab.core.scenarios import Scenario

OK = {"t.py::test_a": "passed"}


def run(variant: str = "broken") -> Run:
    scenario = Scenario("s", Path("."), "t", "s", ("sqlite",), {"broken": {}, "fixed": {}})
    return Run(scenario, variant, "sqlite")


def failed(*chain: tuple[str, str], when: str = "call", exit_code: int = 1,
           outcomes: dict[str, str] | None = None) -> Observation:
    """A run whose one test failed with `chain`: the exception pytest reported, then what it wraps."""
    exc_type, message = chain[0]
    failure = Failure("t.py::test_a", when, exc_type, message, tuple(chain))
    return Observation(exit_code, outcomes if outcomes is not None else {"t.py::test_a": "failed"}, [failure])


def passed() -> Observation:
    return Observation(0, dict(OK), [])


RUNTIME = Expectation(raises="RuntimeError", match="different loop")
LOOP = ("RuntimeError", "Future attached to a different loop")


@pytest.mark.parametrize(("expected", "observation", "status"), [
    # the type must be the same class name, qualified or not; never a part of a name
    ((RUNTIME,), failed(LOOP), Status.AS_EXPECTED),
    ((RUNTIME,), failed(("builtins.RuntimeError", LOOP[1])), Status.AS_EXPECTED),
    ((Expectation(raises="exc.MissingGreenlet"),), failed(("sqlalchemy.exc.MissingGreenlet", "x")),
     Status.AS_EXPECTED),
    ((Expectation(raises="Error", match="different loop"),), failed(LOOP), Status.FAILED_DIFFERENTLY),
    ((Expectation(raises="MissingGreenlet"),), failed(("sqlalchemy.exc.NotMissingGreenlet", "x")),
     Status.FAILED_DIFFERENTLY),
    ((Expectation(raises="ValueError", match="different loop"),), failed(LOOP), Status.FAILED_DIFFERENTLY),
    # the pattern must be found in the message
    ((Expectation(raises="RuntimeError", match="another op"),), failed(LOOP), Status.FAILED_DIFFERENTLY),
    ((Expectation(raises="RuntimeError", match="^Future"),), failed(LOOP), Status.AS_EXPECTED),
    # a wrapped exception (cause, context, group member) counts, as the traceback shows it
    ((RUNTIME,), failed(("ExceptionGroup", "errors (1)"), LOOP), Status.AS_EXPECTED),
    # any one acceptable outcome is enough
    ((Expectation(raises="KeyError"), RUNTIME), failed(LOOP), Status.AS_EXPECTED),
    # a broken variant that passes
    ((RUNTIME,), passed(), Status.BROKEN_PASSED),
    ((PASSES,), passed(), Status.AS_EXPECTED),
])
def test_broken_variant(expected, observation, status):
    assert classify(run(), expected, observation, 1.0).status is status


@pytest.mark.parametrize(("expected", "observation", "status"), [
    ((PASSES,), passed(), Status.AS_EXPECTED),
    ((PASSES,), failed(LOOP), Status.FIXED_FAILED),
    ((PASSES,), Observation(0, {}, []), Status.FIXED_FAILED),  # no test ran: nothing was shown to pass
    ((PASSES,), Observation(5, {}, []), Status.FIXED_FAILED),  # pytest: "no tests collected"
    ((RUNTIME,), passed(), Status.FAILED_DIFFERENTLY),  # expected to fail here, yet passed
])
def test_fixed_variant(expected, observation, status):
    assert classify(run("fixed"), expected, observation, 1.0).status is status


@pytest.mark.parametrize("exit_code", [2, 3, 4])
def test_pytest_stopping_early_is_an_error_even_after_some_tests_reported(exit_code):
    # interrupted (2), internal error (3), usage error (4): what ran is not the whole scenario
    observation = Observation(exit_code, dict(OK), [])
    assert classify(run("fixed"), (PASSES,), observation, 1.0).status is Status.ERROR


def test_pytest_stopped_by_the_expected_exception_is_as_expected():
    observation = failed(LOOP, when="internal", exit_code=3, outcomes={})
    record = classify(run(), (RUNTIME,), observation, 1.0)
    assert (record.status, record.error_type, record.pattern) == (Status.AS_EXPECTED, "RuntimeError",
                                                                  "different loop")


def test_pytest_stopped_by_another_exception_is_an_error():
    observation = failed(("KeyError", "k"), when="internal", exit_code=3, outcomes={})
    assert classify(run(), (RUNTIME,), observation, 1.0).status is Status.ERROR


@pytest.mark.parametrize(("expected", "crashed", "variant", "status"), [
    ((Expectation(crashes="SIGSEGV"),), "SIGSEGV", "broken", Status.AS_EXPECTED),
    ((Expectation(crashes="SIGSEGV"),), "SIGABRT", "broken", Status.ERROR),
    ((RUNTIME,), "SIGSEGV", "broken", Status.ERROR),
    ((PASSES,), "SIGSEGV", "fixed", Status.FIXED_FAILED),
])
def test_crashes(expected, crashed, variant, status):
    record = classify(run(variant), expected, None, 1.0, crashed=crashed, detail="the run died")
    assert record.status is status
    assert record.error_type == crashed


def test_timeout_wins_over_everything_else():
    record = classify(run(), (Expectation(crashes="SIGKILL"),), None, 9.0, timed_out=True, crashed="SIGKILL")
    assert record.status is Status.TIMEOUT and "9 s" in record.detail


DUMP = """4 passed in 0.10s
Thread 0x00007f (most recent call first):
  File "/venv/aiosqlite/core.py", line 105 in run
  File "/usr/lib/python3.12/threading.py", line 1073 in _bootstrap_inner
"""
HANG = Expectation(hangs=True, match=r"aiosqlite/core\.py.* in run")


@pytest.mark.parametrize(("output", "status"), [
    (DUMP, Status.AS_EXPECTED),
    (DUMP.replace("aiosqlite", "asyncpg"), Status.TIMEOUT),  # hung, but somewhere else
    ("aiosqlite/core.py, line 105 in run", Status.TIMEOUT),  # the words, but no stack dump
])
def test_an_expected_hang_is_found_in_the_stack_dump(output, status):
    record = classify(run(), (HANG,), None, 10.0, timed_out=True, output=output)
    assert record.status is status
    assert record.hung is (status is Status.AS_EXPECTED)  # reports then say it hung, not that it passed
    assert Record.from_json(record.to_json()).hung is record.hung


def test_a_hang_is_not_a_pass_or_a_failure():
    assert not HANG.passes
    assert classify(run(), (HANG,), passed(), 1.0).status is Status.BROKEN_PASSED
    assert classify(run(), (HANG,), failed(LOOP), 1.0).status is Status.FAILED_DIFFERENTLY


def test_no_expectation_for_these_versions_is_an_error():
    assert classify(run(), (), failed(LOOP), 1.0).status is Status.ERROR


def test_a_run_that_left_no_observation_is_an_error():
    assert classify(run("fixed"), (PASSES,), None, 1.0).status is Status.ERROR


def test_the_record_tells_the_matched_exception_and_what_it_was_raised_inside():
    record = classify(run(), (RUNTIME,), failed(("ExceptionGroup", "errors (1)"), LOOP), 1.0)
    assert (record.error_type, record.error_message) == LOOP
    assert record.detail == "raised inside ExceptionGroup"
    assert record.expected == "RuntimeError: /different loop/"
    assert record.expected_match is True


def test_versions_choose_the_outcome_for_what_is_installed():
    expected = parse([
        {"versions": {"pytest": "<1"}, "raises": "KeyError"},
        {"versions": {"pytest": ">=1"}, "raises": "RuntimeError"},
        {"versions": {"no-such-distribution-anywhere": ">=0"}, "raises": "ValueError"},
    ], "broken.default")
    assert [e.raises for e in expected if e.applies()] == ["RuntimeError"]
    assert Expectation(versions={"python": ">=3"}).applies()
    assert not Expectation(versions={"python": "<3"}).applies()


def test_the_chain_follows_what_an_error_was_raised_while_handling_and_its_cause():
    from lab.core.capture import describe

    def chain(raising: Callable[[], None]) -> list[str]:
        try:
            raising()
        except Exception as error:  # noqa: BLE001 - any exception: the chain is the subject
            return [kind for kind, _ in describe("t", "call", error).chain]
        raise AssertionError("did not raise")

    def while_handling() -> None:
        try:
            raise KeyError("first")
        except KeyError:
            raise ValueError("second")  # noqa: B904 - "During handling of the above exception" is the point

    def from_a_cause() -> None:
        raise ValueError("second") from OSError("cause")

    assert chain(while_handling) == ["ValueError", "KeyError"]
    assert chain(from_a_cause) == ["ValueError", "OSError"]


def test_plan_selects_by_backend_variant_and_any_part_of_a_name():
    from lab.core.plan import plan

    both = Scenario("01-alpha", Path("."), "t", "s", ("sqlite", "postgres"), {"broken": {}, "fixed": {}})
    other = Scenario("02-beta", Path("."), "t", "s", ("sqlite", "postgres"), {"broken": {}, "fixed": {}})
    chosen = plan([both, other], ["alp"], ["postgres"], ["fixed"])
    assert [r.key for r in chosen] == ["01-alpha/fixed/postgres"]
    assert [r.key for r in plan([both], [], ["sqlite", "postgres"], ["broken", "fixed"])] == [
        "01-alpha/broken/sqlite", "01-alpha/fixed/sqlite",
        "01-alpha/broken/postgres", "01-alpha/fixed/postgres",
    ]


@pytest.mark.parametrize("argv", [["run", "-j", "0"], ["run", "--timeout", "-1"], ["run", "--timeout", "x"]])
def test_a_worker_count_or_timeout_below_one_is_refused(argv, capsys):
    from lab.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "expected a number" in capsys.readouterr().err


def test_a_pass_needs_every_test_function_of_the_pristine_tests_to_have_run():
    scenario = Scenario("s", Path("."), "t", "s", ("sqlite",), {"broken": {}, "fixed": {}},
                        test_functions=("test_a", "test_b"))
    fixed = Run(scenario, "fixed", "sqlite")
    record = classify(fixed, (PASSES,), passed(), 1.0)
    assert (record.status, record.detail) == (Status.FIXED_FAILED, "never ran: test_b")
    both = Observation(0, {"t.py::test_a": "passed", "t.py::test_b[x]": "passed"}, [])
    assert classify(fixed, (PASSES,), both, 1.0, used_database=True).status is Status.AS_EXPECTED
    assert classify(fixed, (PASSES,), both, 1.0, used_database=False).status is Status.FIXED_FAILED


def test_the_test_functions_are_read_from_the_source_of_the_tests(tmp_path):
    from lab.core.scenarios import test_functions

    (tmp_path / "sub").mkdir()
    (tmp_path / "test_one.py").write_text(
        "def test_a(): pass\nasync def test_b(): pass\ndef helper(): pass\n"
        "class TestC:\n    def test_d(self): pass\nclass Other:\n    def test_e(self): pass\n")
    (tmp_path / "sub" / "test_two.py").write_text("def test_f(): pass\n")
    (tmp_path / "conftest.py").write_text("def test_not_a_test_module(): pass\n")
    (tmp_path / "test_broken.py").write_text("def (:\n")
    assert test_functions(tmp_path) == ("test_f", "test_a", "test_b", "test_d")  # sub/ sorts first


PER_TEST = parse({"tests": {
    "test_a": "passes",
    "test_b": {"raises": "RuntimeError", "match": "different loop"},
    "test_c": {"raises": "InterfaceError", "match": "another operation"},
}}, "broken.postgres")


def three(a: str, b: tuple[str, str] | None, c: tuple[str, str] | None) -> Observation:
    outcomes = {"t.py::test_a": a, "t.py::test_b": "failed" if b else "passed",
                "t.py::test_c": "failed" if c else "passed"}
    failures = [Failure(f"t.py::{name}", "call", kind, message, ((kind, message),))
                for name, pair in (("test_b", b), ("test_c", c)) if pair for kind, message in [pair]]
    return Observation(1, outcomes, failures)


ANOTHER = ("asyncpg.exceptions.InterfaceError", "cannot perform operation: another operation is in progress")


@pytest.mark.parametrize(("observation", "status"), [
    (three("passed", LOOP, ANOTHER), Status.AS_EXPECTED),  # every named test did what it should
    (three("failed", LOOP, ANOTHER), Status.FAILED_DIFFERENTLY),  # test_a was to pass
    (three("passed", LOOP, None), Status.FAILED_DIFFERENTLY),  # test_c passed: one alternative is not all
    (three("passed", ANOTHER, LOOP), Status.FAILED_DIFFERENTLY),  # the right errors, in the wrong tests
])
def test_the_per_test_form_holds_only_when_every_named_test_does_what_it_says(observation, status):
    record = classify(run(), PER_TEST, observation, 1.0)
    assert record.status is status
    if status is Status.AS_EXPECTED:
        assert (record.nodeid, record.error_type) == ("t.py::test_b", "RuntimeError")


def test_the_per_test_form_is_described_and_checked_when_read():
    (entry,) = PER_TEST
    assert entry.describe() == (
        "test_a passes; test_b RuntimeError: /different loop/; test_c InterfaceError: /another operation/")
    assert not entry.passes
    for bad, said in [
        ({"tests": {}}, "expected a table of test name = outcome"),
        ({"tests": {"helper": "passes"}}, "'helper' is not a test function's name"),
        ({"tests": {"test_a": {"raises": "E", "versions": {}}}}, "test_a: expected \"passes\""),
    ]:
        with pytest.raises(ExpectationError, match=re.escape(said)):
            parse(bad, "broken.default")


def test_the_per_test_form_can_name_one_parameter_of_a_test():
    (entry,) = parse({"tests": {"test_p[b]": {"raises": "RuntimeError"}, "test_p[a]": "passes"}}, "x")
    outcomes = {"t.py::test_p[a]": "passed", "t.py::test_p[b]": "failed"}
    failure = Failure("t.py::test_p[b]", "call", "RuntimeError", "Event loop is closed",
                      (("RuntimeError", "Event loop is closed"),))
    assert classify(run(), (entry,), Observation(1, outcomes, [failure]), 1.0).status is Status.AS_EXPECTED
    swapped = {"t.py::test_p[a]": "failed", "t.py::test_p[b]": "passed"}
    moved = Failure("t.py::test_p[a]", "call", "RuntimeError", "x", (("RuntimeError", "x"),))
    record = classify(run(), (entry,), Observation(1, swapped, [moved]), 1.0)
    assert record.status is Status.FAILED_DIFFERENTLY


def test_whole_records_for_each_kind_of_verdict():
    from lab.core.classify import Record

    loop = failed(LOOP)
    assert classify(run(), (RUNTIME,), loop, 1.23456) == Record(
        "s", "broken", "sqlite", Status.AS_EXPECTED, "RuntimeError: /different loop/", error_type="RuntimeError",
        error_message=LOOP[1], nodeid="t.py::test_a", pattern="different loop", seconds=1.235,
        tests={"t.py::test_a": "failed"})
    assert classify(run("fixed"), (PASSES,), loop, 2.0) == Record(
        "s", "fixed", "sqlite", Status.FIXED_FAILED, "passes", error_type="RuntimeError", error_message=LOOP[1],
        nodeid="t.py::test_a", seconds=2.0, tests={"t.py::test_a": "failed"})
    assert classify(run(), (Expectation(raises="KeyError"), RUNTIME), passed(), 0.5) == Record(
        "s", "broken", "sqlite", Status.BROKEN_PASSED, "KeyError: // or RuntimeError: /different loop/",
        seconds=0.5, tests=dict(OK))
    assert classify(run(), (), loop, 1.0) == Record(
        "s", "broken", "sqlite", Status.ERROR, "-", seconds=1.0, detail="no expectation covers the installed versions",
        tests={"t.py::test_a": "failed"})
    assert classify(run(), (Expectation(crashes="SIGSEGV"),), None, 3.0, crashed="SIGSEGV",
                    detail="the run died (exit status -11)") == Record(
        "s", "broken", "sqlite", Status.AS_EXPECTED, "crashes (SIGSEGV)", error_type="SIGSEGV",
        error_message="the run died (exit status -11)", seconds=3.0, detail="the run died (exit status -11)")
    assert classify(run(), (RUNTIME,), None, 60.0, timed_out=True) == Record(
        "s", "broken", "sqlite", Status.TIMEOUT, "RuntimeError: /different loop/", seconds=60.0,
        detail="no result within 60 s")
    stopped = Observation(4, {}, [Failure("<conftest>", "collect", "KeyError", "k", (("KeyError", "k"),))])
    assert classify(run(), (RUNTIME,), stopped, 1.0) == Record(
        "s", "broken", "sqlite", Status.ERROR, "RuntimeError: /different loop/", error_type="KeyError",
        error_message="k", nodeid="<conftest>", seconds=1.0, detail="pytest exited 4; no test ran", tests={})
    assert classify(run(), (RUNTIME,), None, 1.0, detail="the run died (exit status 70)").detail == (
        "the run died (exit status 70)")


def test_records_made_without_a_run():
    from lab.core.classify import Record
    from lab.core.scenarios import Problem

    assert Record.for_problem(Problem("09-x", Path("."), "scenario.toml: title: expected ...")) == Record(
        "09-x", "-", "-", Status.ERROR, "-", detail="scenario.toml: title: expected ...")
    assert Record.not_applicable(run("fixed"), "needs 0.24") == Record(
        "s", "fixed", "sqlite", Status.NOT_APPLICABLE, "-", detail="needs 0.24")
    assert Record.not_applicable(run(), "x").ok and not Record.for_problem(Problem("p", Path("."), "m")).ok
    assert Record.not_applicable(run(), "x").key == ("s", "broken", "sqlite")


def test_why_a_run_where_nothing_failed_is_still_not_a_pass_every_reason_in_order():
    scenario = Scenario("s", Path("."), "t", "s", ("sqlite",), {"broken": {}, "fixed": {}},
                        test_functions=("test_a", "test_b", "test_c", "test_f", "test_g"))
    observation = Observation(0, {"t.py::test_a": "passed", "t.py::test_b": "skipped", "t.py::test_c": "xfailed"},
                              [], ["t.py::test_d", "t.py::test_e"])
    fixed = classify(Run(scenario, "fixed", "sqlite"), (PASSES,), observation, 1.0, used_database=False)
    assert (fixed.status, fixed.detail) == (Status.FIXED_FAILED, (
        "not passed: t.py::test_b skipped, t.py::test_c xfailed; deselected: t.py::test_d, t.py::test_e; "
        "never ran: test_f, test_g; the run never used the database it was given (DATABASE_URL)"))
    # a broken variant is never fixed-failed, whether it was to pass here or to fail
    for expected in ((PASSES,), (RUNTIME,)):
        broken = classify(Run(scenario, "broken", "sqlite"), expected, observation, 1.0)
        assert broken.status is Status.FAILED_DIFFERENTLY
    nothing = classify(run("fixed"), (PASSES,), Observation(5, {}, []), 1.0)
    assert nothing.detail == "no test ran"
    deselected = classify(run("fixed"), (PASSES,), Observation(5, {}, [], ["t.py::test_a"]), 1.0)
    assert deselected.detail == "no test ran; deselected: t.py::test_a"


def test_a_failed_outcome_without_an_exception_is_a_plain_regression():
    observation = Observation(1, {"t.py::test_a": "failed"}, [])
    record = classify(run("fixed"), (PASSES,), observation, 1.0)
    assert (record.status, record.detail) == (Status.FIXED_FAILED, "")


def test_pytest_failing_before_any_test_reported_is_an_error():
    observation = Observation(1, {}, [Failure("<conftest>", "collect", "KeyError", "k", (("KeyError", "k"),))])
    record = classify(run("fixed"), (PASSES,), observation, 1.0)
    assert (record.status, record.detail) == (Status.ERROR, "pytest exited 1; no test ran")


def test_a_broken_variant_that_was_to_pass_but_failed_otherwise_is_failed_differently():
    record = classify(run(), (PASSES,), failed(LOOP), 1.0)
    assert (record.status, record.error_type, record.nodeid) == (Status.FAILED_DIFFERENTLY, "RuntimeError",
                                                                   "t.py::test_a")


def test_a_per_test_entry_that_does_not_hold_leaves_the_next_entry_its_chance():
    per_test = parse({"tests": {"test_a": "passes"}}, "x")[0]
    assert classify(run(), (per_test, RUNTIME), failed(LOOP), 1.0).status is Status.AS_EXPECTED
    # and one that names only passing tests matches no failure at all
    two = Observation(1, {"t.py::test_a": "failed", "t.py::test_b": "passed"},
                      [Failure("t.py::test_a", "call", *LOOP, (LOOP,))])
    only_passes = parse({"tests": {"test_b": "passes"}}, "x")
    assert classify(run(), only_passes, two, 1.0).status is Status.FAILED_DIFFERENTLY


def test_the_per_test_form_finds_tests_in_classes_and_every_parameter_of_a_function():
    (entry,) = parse({"tests": {"test_p": {"raises": "RuntimeError"}}}, "x")
    in_class = Observation(1, {"t.py::TestX::test_p": "failed"},
                           [Failure("t.py::TestX::test_p", "call", *LOOP, (LOOP,))])
    assert classify(run(), (entry,), in_class, 1.0).status is Status.AS_EXPECTED
    params = Observation(1, {"t.py::test_p[a]": "failed", "t.py::test_p[b]": "failed"},
                         [Failure(f"t.py::test_p[{p}]", "call", *LOOP, (LOOP,)) for p in "ab"])
    assert classify(run(), (entry,), params, 1.0).status is Status.AS_EXPECTED
