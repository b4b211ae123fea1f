"""Workshops: `lab exercise` hands out the broken project, `lab check` judges a learner's fix and cannot be
fooled by the tricks that make a run look green, `lab hint` gives one hint more each time."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from lab.core.plan import by_difficulty, select
from lab.core.scenarios import discover, load
from lab.workshop.command import workshop
from lab.workshop.exercise import Exercise, hints

# The tests write to the database they are given (a pass must use it), then check the conftest's answer.
TEST = """
import os, sqlite3
def test_answer(answer):
    with sqlite3.connect(os.environ["DATABASE_URL"].split("///", 1)[1]) as db:
        db.execute("create table t (x int)")
    assert answer == 42
"""
BROKEN = "import pytest\n\n@pytest.fixture\ndef answer():\n    return 41\n"
FIXED = "import pytest\n\n@pytest.fixture\ndef answer():\n    return 42\n"
INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"


@pytest.fixture
def scenarios(tmp_path) -> Path:
    path = tmp_path / "scenarios" / "01-answer"
    for folder in ("tests", "broken", "fixed"):
        (path / folder).mkdir(parents=True)
    (path / "scenario.toml").write_text(textwrap.dedent("""\
        title = "The wrong answer"
        symptom = "`assert 41 == 42`"
        difficulty = "intro"
        backends = ["sqlite"]
        [broken]
        default = { raises = "AssertionError", match = "assert 41 == 42" }
        [exercise]
        keep = ["filterwarnings = error"]
        hints = ["Look at the `answer` fixture."]
    """))
    (path / "README.md").write_text("**Cause.** The fixture says 41.\n\n**Fix.** Say 42.\n")
    (path / "pytest.ini").write_text(INI)
    (path / "tests" / "test_it.py").write_text(TEST)
    (path / "broken" / "conftest.py").write_text(BROKEN)
    (path / "fixed" / "conftest.py").write_text(FIXED)
    return path.parent


def lab(scenarios: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command, *rest = args
    return subprocess.run([sys.executable, "-m", "lab", command, "--scenarios-dir", str(scenarios), *rest],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def exercise(scenarios, tmp_path) -> Path:
    folder = tmp_path / "ex"
    made = lab(scenarios, "exercise", "01", str(folder))
    assert made.returncode == 0, made.stderr
    return folder


@pytest.mark.subprocess
def test_the_exercise_is_the_broken_project_and_a_task_sheet_without_the_fix(exercise):
    assert (exercise / "conftest.py").read_text() == BROKEN
    assert (exercise / "pytest.ini").read_text() == INI
    assert (exercise / "tests" / "test_it.py").read_text() == TEST
    task = (exercise / "TASK.md").read_text()
    assert "`assert 41 == 42`" in task and "AssertionError: /assert 41 == 42/" in task
    assert "keep `filterwarnings = error`" in task and "42" not in task.replace("41 == 42", "")
    assert Exercise.read(exercise).scenario == "01-answer"


@pytest.mark.subprocess
def test_an_exercise_is_never_written_over_a_learners_work(scenarios, exercise):
    again = lab(scenarios, "exercise", "01", str(exercise))
    assert again.returncode == 2 and "exists and is not empty" in again.stderr


def check(scenarios: Path, exercise: Path) -> subprocess.CompletedProcess[str]:
    return lab(scenarios, "check", str(exercise), "-b", "sqlite")


@pytest.mark.subprocess
def test_the_broken_project_is_not_fixed_and_the_fixed_one_is(scenarios, exercise):
    broken = check(scenarios, exercise)
    assert broken.returncode == 1
    assert "sqlite: still fails as the broken conftest does: AssertionError: assert 41 == 42" in broken.stdout
    assert "NOT YET" in broken.stdout
    (exercise / "conftest.py").write_text(FIXED)
    fixed = check(scenarios, exercise)
    assert fixed.returncode == 0, fixed.stdout
    assert "sqlite: passes: all 1 tests ran and passed" in fixed.stdout and "PASS" in fixed.stdout


@pytest.mark.subprocess
@pytest.mark.parametrize(("conftest", "ini", "said"), [
    (BROKEN + "\ndef pytest_collection_modifyitems(items):\n    for item in items:\n"
              "        item.add_marker(pytest.mark.skip)\n", INI, "not passed: tests/test_it.py::test_answer skipped"),
    (BROKEN + "\ndef pytest_collection_modifyitems(items):\n    for item in items:\n"
              "        item.add_marker(pytest.mark.xfail)\n", INI, "not passed: tests/test_it.py::test_answer xfailed"),
    (BROKEN, INI + "addopts = -k 'not answer'\n", "deselected: tests/test_it.py::test_answer"),
    ("import os\nos.environ['DATABASE_URL'] = 'sqlite:///' + os.path.abspath('elsewhere.db')\n" + FIXED, INI,
     "never used the database it was given"),
    (FIXED, "[pytest]\nasyncio_default_fixture_loop_scope = function\n", "not allowed: pytest.ini no longer has `filterwarnings = error`"),
], ids=["skip", "xfail", "deselect", "another-database", "guard-rail-removed"])
def test_each_cheat_is_caught_and_named(scenarios, exercise, conftest, ini, said):
    (exercise / "conftest.py").write_text(conftest)
    (exercise / "pytest.ini").write_text(ini)
    result = check(scenarios, exercise)
    assert result.returncode == 1, result.stdout
    assert said in result.stdout, result.stdout


@pytest.mark.subprocess
def test_the_check_runs_the_scenarios_own_tests_not_the_learners(scenarios, exercise):
    (exercise / "tests" / "test_it.py").write_text("def test_answer():\n    pass\n")
    assert check(scenarios, exercise).returncode == 1


@pytest.mark.subprocess
def test_hints_come_one_more_each_time_the_fix_last(scenarios, exercise):
    said = [lab(scenarios, "hint", str(exercise)).stdout for _ in range(3)]
    assert said[0].startswith("hint 1 of 2:\nLook at the `answer` fixture.")
    assert said[1].startswith("hint 2 of 2:\nThe fix, as a diff of the files:")
    assert "-    return 41\n+    return 42" in said[1]
    assert said[2] == said[1]


def test_without_hints_of_its_own_the_first_is_the_readmes_cause(scenarios):
    (scenarios / "01-answer" / "scenario.toml").write_text(
        (scenarios / "01-answer" / "scenario.toml").read_text().replace(
            'hints = ["Look at the `answer` fixture."]', ""))
    first, last = hints(load(scenarios / "01-answer"))
    assert first == "Why it fails: The fixture says 41."
    assert last.startswith("The fix, as a diff of the files:\n\n--- broken/conftest.py")


def test_the_real_catalogue_filters_by_tag_and_difficulty_and_plans_a_workshop():
    catalogue = discover(REPO / "scenarios").scenarios
    loops = select(catalogue, tags=["event-loop"])
    assert loops and all("event-loop" in s.tags for s in loops)
    assert "recommended" not in [s.name for s in select(catalogue)]
    intro = select(catalogue, difficulty="intro")
    assert intro and {s.difficulty for s in intro} == {"intro"}
    ordered = [s.difficulty for s in by_difficulty(catalogue)]
    assert ordered == sorted(ordered, key=["intro", "intermediate", "advanced"].index)
    planned = workshop(select(catalogue))
    assert sum(minutes for _, minutes in planned) <= 90
    assert planned[0][0].difficulty == "intro" and planned[-1][0].difficulty != "intro"


@pytest.mark.subprocess
def test_the_real_exercise_01_fails_then_passes_with_the_fixed_conftest_or_a_nullpool(tmp_path):
    """The issue's own example, on both backends: the lab's fix passes, and so does another honest one."""
    folder = tmp_path / "ex01"
    scenarios = REPO / "scenarios"
    assert lab(scenarios, "exercise", "01", str(folder)).returncode == 0
    first = lab(scenarios, "check", str(folder))
    assert first.returncode == 1 and "postgres: still fails as the broken conftest does" in first.stdout
    nullpool = (folder / "conftest.py").read_text().replace(
        "engine = create_async_engine(DATABASE_URL)", "engine = create_async_engine(DATABASE_URL, poolclass=NullPool)"
    ).replace("from sqlalchemy.ext.asyncio import", "from sqlalchemy.pool import NullPool\nfrom sqlalchemy.ext.asyncio import")
    (folder / "conftest.py").write_text(nullpool)
    assert lab(scenarios, "check", str(folder)).returncode == 0
    (folder / "conftest.py").write_text((scenarios / "01-import-time-engine" / "fixed" / "conftest.py").read_text())
    second = lab(scenarios, "check", str(folder))
    assert second.returncode == 0, second.stdout
    assert "postgres: passes" in second.stdout and "sqlite: passes" in second.stdout


@pytest.mark.parametrize(("ini", "kept"), [
    ("[pytest]\nfilterwarnings = error\n", True),
    ("[pytest]\nfilterwarnings =\n    error\n    ignore::DeprecationWarning\n", True),  # several lines, one kept
    ("[pytest]\nfilterwarnings = ignore::ResourceWarning\n", False),
    ("[pytest]\n# filterwarnings = error\n", False),
    ("", False),
])
def test_a_guard_rail_holds_in_either_form_of_the_setting(tmp_path, ini, kept):
    from lab.core.scenarios import Scenario
    from lab.workshop.exercise import guard_rails

    (tmp_path / "pytest.ini").write_text(ini)
    scenario = Scenario("01-x", tmp_path, "t", "s", ("sqlite",), {}, keep=("filterwarnings = error",))
    assert (guard_rails(scenario, Exercise(tmp_path, "01-x")) == []) is kept


@pytest.mark.parametrize(("record", "said"), [
    (dict(status="n/a", detail="needs pytest-asyncio >=0.26"), "sqlite: not checked: needs pytest-asyncio >=0.26"),
    (dict(status="timeout", detail="no result within 8 s"), "sqlite: did not finish: no result within 8 s (run with -s to see where it hung)"),
    (dict(status="error", error_type="ImportError", error_message="no module x", nodeid="<conftest>"),
     "sqlite: could not run in <conftest>: ImportError: no module x"),
    (dict(status="fixed-failed", error_type="KeyError", error_message="k", nodeid="tests/test_it.py::test_answer"),
     "sqlite: fails in tests/test_it.py::test_answer: KeyError: k"),
    (dict(status="fixed-failed", error_type="AssertionError", error_message="assert 41 == 42"),
     "sqlite: still fails as the broken conftest does: AssertionError: assert 41 == 42"),
], ids=["n/a", "timeout", "error", "another-failure", "the-broken-failure"])
def test_each_verdict_is_told_in_plain_words(scenarios, record, said):
    from lab.core.classify import Record, Status
    from lab.workshop.exercise import explain

    fields = {**record, "status": Status(record["status"])}
    assert explain(load(scenarios / "01-answer"), Record("01-answer", "fixed", "sqlite", expected="-", **fields)) == said


@pytest.mark.subprocess
def test_every_command_the_task_sheet_prints_works_as_printed(scenarios, exercise):
    task = (exercise / "TASK.md").read_text()
    commands = re.findall(r"`([^`]*(?: -m pytest| check | hint )[^`]*)`", task)
    assert len(commands) == 3, commands
    pytest_command, check_command, hint_command = (next(c for c in commands if word in c)
                                                   for word in (" -m pytest", " check ", " hint "))
    assert "-m pytest" in pytest_command and sys.executable in pytest_command
    own = subprocess.run(pytest_command, shell=True, cwd=exercise, capture_output=True, text=True, timeout=120)
    # the bug itself, not a module the system's pytest lacks
    assert own.returncode == 1 and "1 failed" in own.stdout, own.stdout + own.stderr
    elsewhere = f" --scenarios-dir {scenarios}"  # this test's catalogue, not the checkout's
    checked = subprocess.run(check_command + " -b sqlite" + elsewhere, shell=True, capture_output=True, text=True,
                             timeout=120, cwd=exercise.parent)
    assert checked.returncode == 1 and "NOT YET" in checked.stdout, checked.stdout + checked.stderr
    hinted = subprocess.run(hint_command + elsewhere, shell=True, capture_output=True, text=True, timeout=60,
                            cwd=exercise.parent)
    assert hinted.returncode == 0 and hinted.stdout.startswith("hint 1 of 2"), hinted.stderr
