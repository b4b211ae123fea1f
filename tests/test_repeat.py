"""`lab run --repeat N`: each variant run N times, told as a distribution, as expected only if all were."""

from __future__ import annotations

from collections import Counter

from conftest import Scenarios

from lab.core.classify import Record, Status
from lab.core.plan import plan
from lab.core.repeat import combine, describe, distribution, lines, outcome
from lab.core.scenarios import discover


def record(status: Status, error_type: str | None = None, backend: str = "postgres", **more) -> Record:
    return Record("03-x", "broken", backend, status, "-", error_type=error_type, **more)


CRASH = record(Status.AS_EXPECTED, "SIGSEGV")
LOOP = record(Status.AS_EXPECTED, "builtins.RuntimeError", tests={"t": "failed"})
PASSED = record(Status.BROKEN_PASSED, tests={"t": "passed"})


def test_an_outcome_is_the_exception_type_the_signal_a_pass_or_the_status():
    hung = record(Status.AS_EXPECTED, hung=True)
    assert [outcome(r) for r in (CRASH, LOOP, PASSED, record(Status.TIMEOUT), hung)] == [
        "SIGSEGV", "RuntimeError", "passed", "timeout", "hung"]


def test_the_distribution_counts_each_variant_on_each_backend_apart():
    sqlite = record(Status.AS_EXPECTED, "RuntimeError", backend="sqlite")
    found = distribution([CRASH, LOOP, sqlite, LOOP])
    assert found == [(("03-x", "broken", "postgres"), Counter(SIGSEGV=1, RuntimeError=2)),
                     (("03-x", "broken", "sqlite"), Counter(RuntimeError=1))]
    assert describe(found[0][1]) == "RuntimeError 2/3, SIGSEGV 1/3"
    assert lines([CRASH, PASSED, LOOP]) == [
        "03-x broken postgres: SIGSEGV 1/3, passed 1/3, RuntimeError 1/3; 1 of 3 not as expected"]


def test_repetitions_are_as_expected_only_when_every_one_is():
    assert combine([CRASH, LOOP]) == [CRASH]
    (combined,) = combine([CRASH, PASSED, LOOP, PASSED])
    assert combined.status is Status.BROKEN_PASSED
    assert combined.detail == "2 of 4 repetitions not as expected"


def test_each_repetition_is_a_run_of_its_own(tmp_path):
    scenarios = Scenarios(tmp_path / "scenarios", tmp_path)
    manifest = 'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "ZeroDivisionError" }\n'
    scenarios.add("01-x", manifest)
    runs = plan(discover(scenarios.root).scenarios, backends=["sqlite"], variants=["broken"], repeat=3)
    assert [r.key for r in runs] == ["01-x/broken/sqlite", "01-x/broken/sqlite/1", "01-x/broken/sqlite/2"]


def test_lab_run_repeat_prints_the_distribution_and_judges_every_repetition(tmp_path):
    scenarios = Scenarios(tmp_path / "scenarios", tmp_path)
    # fails on every other run: the distribution shows both outcomes, and the variant is not as expected
    flaky = """
        import os, pathlib, sqlite3
        def test_flaky():
            database = os.environ["DATABASE_URL"].split("///", 1)[1]
            with sqlite3.connect(database) as db:
                db.execute("create table t (x int)")
            marker = pathlib.Path(database).parent.parent / "ran"  # beside every run's own folder
            first = not marker.exists()
            marker.touch()
            assert 1 / (0 if first else 1)
    """
    manifest = 'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "ZeroDivisionError" }\n'
    scenarios.add("01-x", manifest, broken=flaky)
    result = scenarios.run("-b", "sqlite", "--variant", "broken", "--repeat", "2", "-j", "1")
    assert "01-x broken sqlite: " in result.stdout
    assert len(result.records) == 2, result.stdout
    assert sorted(r["status"] for r in result.records) == ["as-expected", "broken-passed"], result.stdout
    assert result.returncode == 1
    assert "01-x broken sqlite: ZeroDivisionError 1/2, passed 1/2; 1 of 2 not as expected" in result.stdout
