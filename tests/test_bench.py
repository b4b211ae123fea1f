"""`nox -s bench` prints figures, never asserts them; its arithmetic is what these tests check."""

from __future__ import annotations

from lab.bench import ORDER, floor, overhead, percentile
from lab.core.execute import Finished
from lab.core.runner import stages


def test_each_stage_runs_from_one_mark_to_the_next_and_the_session_is_pytests_own():
    marks = {"child": 10.1, "configured": 10.2, "session_started": 10.21, "collected": 10.3, "tests_done": 11.0,
             "session_finished": 11.01, "unconfigured": 11.05, "written": 11.06}
    found = stages(Finished(0, False, 1.2, began=10.0, ended=11.2), marks, {"provision": 0.01})
    assert found == {"provision": 0.01, "start": 0.1, "configure": 0.1, "collect": 0.1, "tests": 0.7,
                     "teardown": 0.05, "write": 0.01, "reap": 0.14, "session": 0.8}
    assert [stage for stage in ORDER if stage in found] == [
        "provision", "start", "configure", "collect", "tests", "teardown", "write", "reap"]


def test_a_run_that_died_early_has_only_the_stages_it_reached():
    found = stages(Finished(None, True, 9.0, began=1.0, ended=10.0), {"child": 1.5}, {})
    assert found == {"start": 0.5}


def test_overhead_is_the_run_beyond_pytests_session_and_p90_is_the_ninth_decile():
    assert round(overhead({"seconds": 0.5, "stages": {"session": 0.38}}), 3) == 0.12
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 10.0
    assert percentile([], 0.9) == 0.0


def test_the_floor_shares_the_runs_own_time_over_the_workers_or_is_the_longest_run():
    runs = [{"seconds": 0.5, "stages": {"session": 0.4}}, {"seconds": 0.7, "stages": {"session": 0.6}},
            {"seconds": 8.0, "stages": {"start": 0.01}}]  # the last hung until its time limit: all of it counts
    assert round(floor(runs, 2), 3) == 8.0  # no scheduler can split one run
    assert round(floor(runs[:2], 2), 3) == 0.6
    assert round(floor(runs[:2] * 4, 2), 3) == 2.0
    assert floor([], 2) == 0.0


def test_a_real_run_records_every_stage(scenarios):
    scenarios.add("01-x", 'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "ZeroDivisionError" }\n')
    (record,) = scenarios.run("-b", "sqlite", "--variant", "fixed").records
    assert set(record["stages"]) == {*ORDER, "session"}
    assert all(seconds >= 0 for seconds in record["stages"].values())
    assert record["stages"]["session"] <= record["seconds"]
