"""Every status the runner can give, each produced for real by a tiny scenario."""

import json
import signal
import subprocess
import sys
import time

from conftest import FAILING_TEST, PASSING_TEST, REPO, SQLITE_ONLY


def test_as_expected_and_exit_zero(scenarios):
    scenarios.add("ok", SQLITE_ONLY)
    result = scenarios.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.status("ok", "broken") == "as-expected"
    assert result.status("ok", "fixed") == "as-expected"
    broken = next(r for r in result.records if r["variant"] == "broken")
    assert broken["error_type"] == "ZeroDivisionError"
    assert broken["error_message"] == "division by zero"
    assert broken["expected_match"] is True


def test_broken_variant_that_passes(scenarios):
    scenarios.add("fixed-upstream", SQLITE_ONLY, broken=PASSING_TEST)
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("fixed-upstream", "broken") == "broken-passed"
    assert result.status("fixed-upstream", "fixed") == "as-expected"


def test_fixed_variant_that_fails(scenarios):
    scenarios.add("regression", SQLITE_ONLY, fixed=FAILING_TEST)
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("regression", "fixed") == "fixed-failed"


def test_broken_variant_failing_with_another_error(scenarios):
    scenarios.add("other", SQLITE_ONLY, broken="def test_key():\n    {}['missing']\n")
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("other", "broken") == "failed-differently"
    broken = next(r for r in result.records if r["variant"] == "broken")
    assert broken["error_type"] == "KeyError"


HANGS = "import time\ndef test_sleeps():\n    time.sleep(600)\n"


def test_hang_becomes_timeout_and_the_rest_still_runs(scenarios):
    # only the hanging scenario has a short timeout of its own: a healthy run keeps the default
    scenarios.add("hangs", "timeout = 3\n" + SQLITE_ONLY, broken=HANGS)
    scenarios.add("ok", SQLITE_ONLY)
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("hangs", "broken") == "timeout"
    assert next(r for r in result.records if r["scenario"] == "hangs")["seconds"] < 30  # its own 3 s
    assert result.status("ok", "broken") == "as-expected"
    # the run's stack, dumped before it was killed, under its line: the hung test's frame, no runner noise
    assert 'variant_body.py", line 3 in test_sleeps' in result.stdout
    assert "/pluggy/" not in result.stdout and "/_pytest/" not in result.stdout
    assert "lab/runner.py" not in result.stdout and "lab/execute.py" not in result.stdout


def test_timeout_given_on_the_command_line_wins_over_the_scenarios_own(scenarios):
    scenarios.add("hangs", "timeout = 500\n" + SQLITE_ONLY, broken=HANGS)
    result = scenarios.run("--timeout", "2", "--variant", "broken", timeout=120)
    assert result.status("hangs", "broken") == "timeout"
    assert result.records[0]["seconds"] < 60


def test_conftest_that_cannot_import_is_an_error(scenarios):
    scenarios.add("cannot-run", SQLITE_ONLY, conftest="import no_such_module_anywhere\n")
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("cannot-run", "broken") == "error"
    assert result.status("cannot-run", "fixed") == "error"


def test_pytest_stopped_by_the_expected_exception_is_as_expected(scenarios):
    # what scenario 23 shows: a plugin hook raises before any test, and pytest reports an INTERNALERROR
    stops = "def pytest_sessionstart(session):\n    1 / 0\n"
    scenarios.add("stops", SQLITE_ONLY, conftest=stops)
    result = scenarios.run("--variant", "broken")
    assert result.status("stops", "broken") == "as-expected", result.stdout
    broken = result.records[0]
    assert (broken["error_type"], broken["nodeid"]) == ("ZeroDivisionError", "<session>")


def test_pytest_stopped_by_another_exception_is_an_error(scenarios):
    scenarios.add("stops", SQLITE_ONLY, conftest="def pytest_sessionstart(session):\n    {}['key']\n")
    result = scenarios.run("--variant", "broken")
    assert result.status("stops", "broken") == "error"
    assert result.records[0]["error_type"] == "KeyError"


def test_failures_in_xdist_workers_are_recorded(scenarios):
    path = scenarios.add("parallel", SQLITE_ONLY)
    (path / "pytest.ini").write_text("[pytest]\naddopts = -n 2\n")
    result = scenarios.run("--variant", "broken")
    assert result.status("parallel", "broken") == "as-expected", result.stdout
    assert result.records[0]["error_type"] == "ZeroDivisionError"


def test_crash_matches_a_crashes_expectation(scenarios):
    manifest = SQLITE_ONLY.replace(
        'default = { raises = "ZeroDivisionError", match = "division by zero" }',
        'default = { crashes = "SIGABRT" }',
    )
    scenarios.add("crashes", manifest, broken="import os\ndef test_abort():\n    os.abort()\n")
    result = scenarios.run()
    assert result.status("crashes", "broken") == "as-expected"
    assert next(r for r in result.records if r["variant"] == "broken")["error_type"] == "SIGABRT"


FRESH_INTERPRETER = PASSING_TEST + (
    "\ndef test_fresh():\n    import sys\n    assert 'lab.cli' not in sys.modules\n"
)


def test_subprocess_isolation_runs_each_variant_in_a_fresh_interpreter(scenarios):
    # a forked run inherits the parent's modules (lab.cli among them); a fresh interpreter has none
    scenarios.add("ok", SQLITE_ONLY, fixed=FRESH_INTERPRETER)
    result = scenarios.run("--isolation", "subprocess")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.status("ok", "broken") == "as-expected"
    assert result.status("ok", "fixed") == "as-expected"
    assert scenarios.run("--variant", "fixed").status("ok", "fixed") == "fixed-failed"  # forked


def test_version_range_picks_the_expectation(scenarios):
    manifest = """
    title = "t"
    symptom = "s"
    backends = ["sqlite"]
    [[broken.default]]
    versions = { pytest = "<1" }
    raises = "KeyError"
    [[broken.default]]
    versions = { pytest = ">=1" }
    raises = "ZeroDivisionError"
    """
    scenarios.add("ranged", manifest)
    result = scenarios.run()
    assert result.status("ranged", "broken") == "as-expected"


def test_selection_by_name_and_backend(scenarios):
    scenarios.add("alpha", SQLITE_ONLY)
    scenarios.add("beta", SQLITE_ONLY)
    result = scenarios.run("alp", "-b", "sqlite", "--variant", "fixed")
    assert [(r["scenario"], r["variant"]) for r in result.records] == [("alpha", "fixed")]


def test_a_test_module_that_cannot_import_is_recorded_as_a_collection_error(scenarios):
    scenarios.add("collect", SQLITE_ONLY, broken="1 / 0\n")
    result = scenarios.run("--variant", "broken")
    broken = result.records[0]
    assert (broken["status"], broken["error_type"], broken["error_message"]) == (
        "as-expected", "ZeroDivisionError", "division by zero")
    assert broken["tests"] == {"tests/test_it.py": "error"}


def test_unknown_name_is_a_usage_error(scenarios):
    scenarios.add("alpha", SQLITE_ONLY)
    result = scenarios.run("gamma")
    assert result.returncode == 2
    assert "no scenario matches 'gamma'" in result.stderr


def test_ctrl_c_reports_and_writes_what_finished(scenarios, tmp_path):
    scenarios.add("a-quick", SQLITE_ONLY)
    scenarios.add("b-hangs", SQLITE_ONLY, broken=HANGS)
    out = tmp_path / "partial.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "lab", "run", "--scenarios-dir", str(scenarios.root), "-j", "1",
         "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    lines: list[str] = []
    while sum("a-quick" in line for line in lines) < 2:  # both its variants done; b-hangs is running
        lines.append(process.stdout.readline())
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted: 2 of 4 runs finished" in stdout
    assert [r["scenario"] for r in json.loads(out.read_text())] == ["a-quick", "a-quick"]


def test_an_exception_escaping_pytest_is_named_and_its_traceback_shown(scenarios):
    # pytest.fail() is a BaseException: raised while importing a conftest, it escapes pytest.main itself
    manifest = SQLITE_ONLY.replace('raises = "ZeroDivisionError", match = "division by zero"',
                                   'raises = "Failed", match = "^Marks cannot be applied to fixtures"')
    conftest = "import pytest\npytest.fail('Marks cannot be applied to fixtures.', pytrace=False)\n"
    scenarios.add("escapes", manifest, conftest=conftest)
    result = scenarios.run("--variant", "broken", "-s")
    broken = result.records[0]
    assert (broken["status"], broken["error_type"]) == ("as-expected", "Failed"), broken
    assert "Traceback (most recent call last)" in result.stdout and "in run_in_child" in result.stdout


def test_a_conftest_that_fails_to_import_can_be_the_expected_failure_and_a_typo_cannot(scenarios):
    manifest = SQLITE_ONLY.replace('raises = "ZeroDivisionError", match = "division by zero"',
                                   'raises = "ImportError", match = "cannot import name .removed_name."')
    scenarios.add("upgrade-break", manifest, conftest="from os import removed_name\n")
    scenarios.add("typo", manifest, conftest="improt os\n")
    result = scenarios.run("--variant", "broken")
    assert result.status("upgrade-break", "broken") == "as-expected", result.records
    assert result.status("typo", "broken") == "error"
    typo = next(r for r in result.records if r["scenario"] == "typo")
    assert typo["error_type"] == "_pytest.config.ConftestImportFailure"
    assert typo["error_message"].startswith("SyntaxError: invalid syntax")
