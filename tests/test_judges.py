"""The judges of a learner's fix, of a matrix set and of a recipe round, each held to the bug it must catch.

Each test names the hole it closes: a change to the judge that lets that hole through makes it fail. They
run in-process where they can (`nox -s mutants` switches mutants only inside the test process).
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO
from test_workshop import BROKEN, FIXED, INI, TEST

from lab.core.classify import Record, Status
from lab.core.report import Terminal
from lab.core.scenarios import discover, load
from lab.core.variants import variant_files
from lab.matrix import run as matrix_run
from lab.matrix.run import SetStatus, run_matrix
from lab.matrix.stacks import Stack, StackError, adhoc, find_python
from lab.recipes.judging import Session, judge
from lab.workshop.command import check, find
from lab.workshop.exercise import Exercise, ExerciseError, create, explain, guard_rails, staged

MANIFEST = """\
title = "The wrong answer"
symptom = "`assert 41 == 42`"
backends = ["sqlite"]
difficulty = "intro"
tags = ["answers"]
[broken]
default = { raises = "AssertionError", match = "assert 41 == 42" }
[exercise]
keep = ["filterwarnings = error"]
"""


def answer_catalogue(root: Path, *names: str) -> Path:
    """A scenarios folder holding the one-fixture scenario under each name (default `01-answer`)."""
    for name in names or ("01-answer",):
        path = root / name
        for folder in ("tests", "broken", "fixed"):
            (path / folder).mkdir(parents=True)
        (path / "scenario.toml").write_text(MANIFEST)
        (path / "pytest.ini").write_text(INI)
        (path / "tests" / "test_it.py").write_text(TEST)
        (path / "broken" / "conftest.py").write_text(BROKEN)
        (path / "fixed" / "conftest.py").write_text(FIXED)
    return root


@pytest.fixture
def learner(tmp_path: Path) -> tuple[Path, Path]:
    """The scenarios folder and a learner's exercise folder made from its one scenario."""
    root = answer_catalogue(tmp_path / "catalogue")
    folder = tmp_path / "ex"
    create(load(root / "01-answer"), folder)
    return root, folder


def checked(root: Path, folder: Path, **options: object) -> tuple[int, str]:
    out = io.StringIO()
    code = check(discover(root), folder, Terminal(out), workers=1, **options)  # type: ignore[arg-type]
    return code, out.getvalue()


# lab check

def test_check_runs_the_pristine_tests_not_a_learners_edit_that_drops_the_assertion(learner):
    root, folder = learner
    (folder / "tests" / "test_it.py").write_text(TEST.replace("    assert answer == 42\n", ""))
    code, said = checked(root, folder)
    assert code == 1, said
    assert "sqlite: still fails as the broken conftest does: AssertionError: assert 41 == 42" in said
    assert "short test summary" not in said  # pytest's own output only with -s
    (folder / "conftest.py").write_text(FIXED)
    code, said = checked(root, folder)
    assert code == 0 and "PASS: 01-answer is fixed on sqlite" in said, said


def test_the_staged_run_has_the_pristine_tests_and_the_learners_files_without_pycache(learner, tmp_path):
    root, folder = learner
    (folder / "tests" / "test_it.py").write_text("def test_answer():\n    pass\n")
    (root / "01-answer" / "tests" / "__pycache__").mkdir()
    (root / "01-answer" / "tests" / "__pycache__" / "test_it.cpython-311.pyc").write_bytes(b"\x00")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "conftest.cpython-311.pyc").write_bytes(b"\x00")
    (folder / "helpers").mkdir()
    (folder / "helpers" / "db.py").write_text("URL = 1\n")
    (folder / "helpers" / "__pycache__").mkdir()
    (folder / "helpers" / "__pycache__" / "db.pyc").write_bytes(b"\x00")
    judged = staged(load(root / "01-answer"), Exercise.read(folder), tmp_path / "staged")
    assert (judged.path / "tests" / "test_it.py").read_text() == TEST
    assert [p.name for p in (judged.path / "tests").iterdir()] == ["test_it.py"]
    files = sorted(p.relative_to(judged.path / "fixed").as_posix()
                   for p in (judged.path / "fixed").rglob("*") if p.is_file())
    assert files == ["conftest.py", "helpers/db.py", "pytest.ini"]
    assert judged.expectations["fixed"]["sqlite"][0].passes


def test_check_on_a_backend_the_exercise_does_not_run_is_an_error_not_a_pass(learner):
    root, folder = learner
    (folder / "conftest.py").write_text(FIXED)
    with pytest.raises(ExerciseError, match="01-answer runs on sqlite only, not on postgres"):
        checked(root, folder, backends=["postgres"])


def test_the_lab_check_command_says_so_with_exit_2(learner, capsys):
    from lab.cli import main

    root, folder = learner
    assert main(["check", str(folder), "-b", "postgres", "--scenarios-dir", str(root)]) == 2
    assert "runs on sqlite only" in capsys.readouterr().err


def _record(error_type: str, message: str) -> Record:
    return Record("01-answer", "fixed", "sqlite", Status.FIXED_FAILED, "-", error_type=error_type,
                  error_message=message, nodeid="tests/test_it.py::test_answer")


@pytest.mark.parametrize(("error_type", "message", "said"), [
    ("AssertionError", "assert 41 == 42", "sqlite: still fails as the broken conftest does"),
    ("builtins.AssertionError", "assert 41 == 42", "sqlite: still fails as the broken conftest does"),
    ("AssertionError", "assert 40 == 42", "sqlite: fails in tests/test_it.py::test_answer"),
    ("KeyError", "assert 41 == 42", "sqlite: fails in tests/test_it.py::test_answer"),
])
def test_only_the_broken_variants_own_error_is_told_as_still_broken(learner, error_type, message, said):
    root, _ = learner
    assert explain(load(root / "01-answer"), _record(error_type, message)).startswith(said)


@pytest.mark.parametrize(("ini", "kept"), [
    ("[pytest]\nfilterwarnings = ignore  # error hid the bug\n", False),
    ("[pytest]\nfilterwarnings = error  # the exercise keeps it\n", True),
    ("[pytest]\nfilterwarnings = errors\n", False),
    ("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n    error\n", True),
    ("[other]\nfilterwarnings = error\n", False),
    ("[pytest\nfilterwarnings = error\n", False),  # pytest refuses it as well
])
def test_a_guard_rail_holds_only_where_the_setting_itself_is_kept(tmp_path, ini, kept):
    (tmp_path / "pytest.ini").write_text(ini)
    scenario = load(answer_catalogue(tmp_path / "c") / "01-answer")
    broken = guard_rails(scenario, Exercise(tmp_path, "01-answer"))
    assert (broken == []) is kept
    if not kept:
        assert broken[0].startswith("pytest.ini no longer has `filterwarnings = error`")


# lab exercise

def test_a_number_names_that_scenario_never_the_tens_that_start_with_it():
    catalogue = discover(REPO / "scenarios")
    assert find(catalogue, "1").name.startswith("01-")
    assert find(catalogue, "01").name.startswith("01-")
    assert find(catalogue, "10").name.startswith("10-")
    assert find(catalogue, "01-import-time-engine").name == "01-import-time-engine"


def test_a_name_that_matches_several_scenarios_is_refused_naming_them(tmp_path):
    catalogue = discover(answer_catalogue(tmp_path, "01-answer", "01-answer-again", "02-other"))
    with pytest.raises(ExerciseError, match=r"'01' names 2 scenarios \(01-answer, 01-answer-again\)"):
        find(catalogue, "01")
    with pytest.raises(ExerciseError, match=r"'01-answer' names 2 scenarios"):
        find(catalogue, "01-answer")
    with pytest.raises(ExerciseError, match=r"'9' names 0 scenarios \(none\)"):
        find(catalogue, "9")
    assert find(catalogue, "01-answer-a").name == "01-answer-again"
    assert find(catalogue, "2").name == "02-other"


# variant files

def test_a_variants_pycache_is_not_one_of_its_files(tmp_path):
    scenario = load(answer_catalogue(tmp_path) / "01-answer")
    cache = scenario.path / "broken" / "__pycache__"
    cache.mkdir()
    (cache / "conftest.cpython-311.pyc").write_text("not source")
    (scenario.path / "broken" / "sub").mkdir()
    (scenario.path / "broken" / "sub" / "helper.py").write_text("X = 1\n")
    assert sorted(variant_files(scenario, "broken")) == ["conftest.py", "pytest.ini", "sub/helper.py"]


# [[requires]]

def test_requires_without_variants_covers_the_broken_variant_too(tmp_path):
    path = answer_catalogue(tmp_path) / "01-answer"
    (path / "scenario.toml").write_text(
        MANIFEST + '[[requires]]\nversions = { pytest = "<1" }\nwhy = "needs pytest 0"\n')
    scenario = load(path)
    assert scenario.not_applicable("broken") == "needs pytest 0"
    assert scenario.not_applicable("fixed") == "needs pytest 0"
    (path / "scenario.toml").write_text(
        MANIFEST + '[[requires]]\nversions = { pytest = "<1" }\nwhy = "w"\nvariants = ["fixed"]\n')
    assert load(path).not_applicable("broken") is None


# lab run --repeat

def test_repeat_keeps_an_unloadable_scenario_in_the_verdict(tmp_path, monkeypatch, capsys):
    from lab.cli import main

    root = answer_catalogue(tmp_path / "catalogue")
    (root / "02-unloadable").mkdir()
    (root / "02-unloadable" / "scenario.toml").write_text("title = \n")
    monkeypatch.chdir(tmp_path)  # the run's history and last-run files go here, not into the checkout
    code = main(["run", "--scenarios-dir", str(root), "--repeat", "2", "--variant", "fixed", "-j", "1",
                 "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "02-unloadable" in out
    records = json.loads((tmp_path / "r.json").read_text())
    assert sorted((r["scenario"], r["status"]) for r in records) == [
        ("01-answer", "as-expected"), ("01-answer", "as-expected"), ("02-unloadable", "error")]
    (root / "02-unloadable" / "scenario.toml").unlink()
    (root / "02-unloadable").rmdir()
    assert main(["run", "--scenarios-dir", str(root), "--repeat", "2", "--variant", "fixed", "-j", "1"]) == 0


# lab matrix

def _fake_interpreter(tmp_path: Path, name: str, body: str) -> Path:
    script = tmp_path / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _json_path_of(arguments: str) -> str:
    """Shell: the path after `--json` in "$@", where a fake `lab run` writes its records."""
    find = 'out=""; prev=""; for a in "$@"; do [ "$prev" = "--json" ] && out="$a"; prev="$a"; done\n'
    return find + arguments


def test_a_set_whose_lab_run_crashes_is_named_and_the_next_set_still_runs(tmp_path, monkeypatch):
    good = Record("01-answer", "fixed", "sqlite", Status.AS_EXPECTED, "passes").to_json()
    crash = _fake_interpreter(tmp_path, "crash", _json_path_of(
        'printf "[{\\"scenario\\": " > "$out"\n'
        'echo "Traceback (most recent call last):"; echo "MemoryError: out of it"; exit 1\n'))
    fine = _fake_interpreter(tmp_path, "fine", _json_path_of(
        f"echo '{json.dumps([good])}' > \"$out\"\nexit 0\n"))
    dead = tmp_path / "no-such-interpreter"
    interpreters = {"crashes": crash, "gone": dead, "fine": fine}
    monkeypatch.setattr(matrix_run, "prepare", lambda stack, project, venvs: interpreters[stack.name])
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    stacks = [Stack(name, "w", (f"pin-{name}",)) for name in interpreters]
    results = run_matrix(stacks, ["-b", "sqlite"], project=tmp_path, scenarios=tmp_path,
                         venvs=tmp_path / "venvs", out=tmp_path / "out")
    assert [r.status for r in results] == [SetStatus.LAB_FAILED, SetStatus.LAB_FAILED, SetStatus.RAN]
    assert "`lab run` exited 1 in stack 'crashes':" in results[0].detail
    assert "MemoryError: out of it" in results[0].detail and "not a file of lab records" in results[0].detail
    assert "`lab run` exited before it started" in results[1].detail
    assert [r.key for r in results[2].records] == [("01-answer", "fixed", "sqlite")] and results[2].ok
    assert not results[0].ok and not results[1].ok


def test_a_set_whose_lab_run_exits_2_is_a_lab_failure_even_with_records(tmp_path, monkeypatch):
    says = _json_path_of('echo "[]" > "$out"; echo "lab: bad"; exit 2\n')
    usage = _fake_interpreter(tmp_path, "usage", says)
    monkeypatch.setattr(matrix_run, "prepare", lambda stack, project, venvs: usage)
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    (result,) = run_matrix([Stack("s", "w")], [], project=tmp_path, scenarios=tmp_path,
                           venvs=tmp_path / "v", out=tmp_path / "out")
    assert result.status is SetStatus.LAB_FAILED
    assert "exited 2" in result.detail and "lab: bad" in result.detail


@pytest.mark.parametrize(("reports", "found"), [("3.99", True), ("3.11", False), ("3.9", False)])
def test_an_interpreter_counts_for_a_set_only_if_it_reports_the_sets_version(tmp_path, monkeypatch,
                                                                             reports, found):
    binary = tmp_path / "bin"
    binary.mkdir()
    python = _fake_interpreter(binary, "python3.99", f"echo {reports}\n")
    monkeypatch.setenv("PATH", str(binary))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert find_python("3.99") == (str(python) if found else None)


def test_a_pyenv_interpreter_off_path_is_found_and_asked_its_version(tmp_path, monkeypatch):
    folder = tmp_path / "pyenv" / "versions" / "3.98.1" / "bin"
    folder.mkdir(parents=True)
    python = _fake_interpreter(folder, "python3.98", "echo 3.98\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert find_python("3.98") == str(python)
    assert find_python(None) == sys.executable


# a recipe round

@pytest.mark.parametrize(("tests", "said"), [
    (200, None), (199, "ran 199 of the suite's 200 tests"), (201, "ran 201 of the suite's 200 tests"),
])
def test_a_recipe_session_counts_only_with_exactly_the_suites_tests(tests, said):
    assert judge(Session(tests, 0, 0, 0, 1.0), 0, 200, "") == said


# in another process: xdist workers, a timed-out run's process group

@pytest.mark.subprocess
def test_a_fixed_variant_whose_xdist_workers_deselect_a_failing_case_is_not_a_pass(scenarios):
    from conftest import SQLITE_ONLY

    fixed = """
import os, sqlite3, pytest
@pytest.mark.parametrize("case", [1, 2])
def test_case(case):
    with sqlite3.connect(os.environ["DATABASE_URL"].split("///", 1)[1]) as db:
        db.execute("create table if not exists t (x int)")
    assert case == 1
"""
    path = scenarios.add("deselects", SQLITE_ONLY, fixed=fixed)
    (path / "fixed" / "pytest.ini").write_text('[pytest]\naddopts = -n 2 -k "not 2"\n')
    result = scenarios.run("--variant", "fixed")
    (record,) = result.records
    assert record["status"] == "fixed-failed", record
    assert "deselected: tests/test_it.py::test_case[2]" in record["detail"]
    assert record["tests"] == {"tests/test_it.py::test_case[1]": "passed"}


@pytest.mark.subprocess
def test_a_timed_out_run_takes_what_it_started_with_it(scenarios, tmp_path):
    from conftest import SQLITE_ONLY

    pids = tmp_path / "pids"
    hangs = f"""
import os, subprocess, sys, time
def test_hangs():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open({str(pids)!r}, "w") as f:
        f.write(f"{{os.getpid()}} {{child.pid}}")
    time.sleep(120)
"""
    scenarios.add("hangs", SQLITE_ONLY, fixed=hangs)
    result = scenarios.run("--variant", "fixed", "--timeout", "4")
    assert result.records[0]["status"] == "timeout", result.records
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), f"process {pid} outlived its run's timeout"


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    if state in ("Z", "X"):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _fake_uv(tmp_path: Path, exit_with: int = 0) -> Path:
    """A `uv` that logs each call's arguments and UV_PYTHON_DOWNLOADS, makes the venv's interpreter."""
    log = tmp_path / "uv.log"
    body = (f'echo "$UV_PYTHON_DOWNLOADS $*" >> {log}\n'
            'if [ "$1" = venv ]; then for a in "$@"; do last="$a"; done; mkdir -p "$last/bin"; '
            'touch "$last/bin/python"; fi\n'
            + "".join(f'echo "uv line {n}" >&2\n' for n in range(20)) + f"exit {exit_with}\n")
    return _fake_interpreter(tmp_path, "uv", body)


def test_a_sets_venv_is_made_once_then_brought_to_its_pins_never_downloading_python(tmp_path, monkeypatch):
    from lab.matrix import stacks

    uv = _fake_uv(tmp_path)
    monkeypatch.setattr(stacks, "uv_command", lambda: [str(uv)])
    stack = Stack("old", "w", ("httpx<0.28", "anyio==4.0"), pre=True)
    interpreter = stacks.prepare(stack, tmp_path / "proj", tmp_path / "venvs")
    assert interpreter == tmp_path / "venvs" / "old" / "bin" / "python"
    first, second = (tmp_path / "uv.log").read_text().splitlines()
    assert first == f"never venv --quiet --python {sys.executable} {tmp_path / 'venvs' / 'old'}"
    assert second == (f"never pip install --quiet --python {interpreter} --upgrade --compile-bytecode "
                      f"--prerelease allow -e {tmp_path / 'proj'}[stack] httpx<0.28 anyio==4.0")
    stacks.prepare(replace(stack, pre=False), tmp_path / "proj", tmp_path / "venvs")
    (third,) = (tmp_path / "uv.log").read_text().splitlines()[2:]
    assert third.startswith("never pip install ") and "--prerelease" not in third


def test_a_set_uv_cannot_install_is_an_install_error_with_uvs_last_lines(tmp_path, monkeypatch):
    from lab.matrix import stacks

    uv = _fake_uv(tmp_path, exit_with=1)
    monkeypatch.setattr(stacks, "uv_command", lambda: [str(uv)])
    with pytest.raises(stacks.InstallError) as raised:
        stacks.prepare(Stack("bad", "w", ("x==0",)), tmp_path, tmp_path / "venvs")
    message = str(raised.value)
    assert message.startswith("stack 'bad' (x==0) could not be installed:\n    uv line 5\n")
    assert message.endswith("    uv line 19") and "uv line 4\n" not in message


def test_a_set_is_skipped_declared_so_or_lacking_its_python_and_fails_when_uv_does(tmp_path, monkeypatch):
    from lab.matrix import stacks

    monkeypatch.setattr(stacks, "uv_command", lambda: [str(_fake_uv(tmp_path, exit_with=1))])
    run = matrix_run.run_set
    where = {"project": tmp_path, "venvs": tmp_path / "v", "out": tmp_path, "env": {}}
    declared = run(Stack("s", "w", skip="lab cannot import there"), [], **where)
    assert (declared.status, declared.detail) == (SetStatus.SKIPPED, "lab cannot import there")
    absent = run(Stack("p", "w", python="3.97"), [], **where)
    assert (absent.status, absent.detail) == (SetStatus.SKIPPED, "no Python 3.97 on this machine")
    failed = run(Stack("f", "w"), [], **where)
    assert failed.status is SetStatus.INSTALL_FAILED and "could not be installed" in failed.detail
    assert declared.ok and absent.ok and not failed.ok


def test_a_set_result_reads_back_as_written_and_is_ok_only_with_records_all_ok():
    from lab.matrix.run import SetResult

    good = Record("01-a", "fixed", "sqlite", Status.AS_EXPECTED, "passes")
    bad = Record("01-a", "broken", "sqlite", Status.BROKEN_PASSED, "x")
    result = SetResult(Stack("s", "why", ("a==1",), "3.12", True, ""), SetStatus.RAN, "d", [good], 1.26)
    data = result.to_json()
    assert data["seconds"] == 1.3 and data["status"] == "ran" and data["detail"] == "d"
    again = SetResult.from_json(json.loads(json.dumps(data)))
    assert (again.stack, again.status, again.detail, again.records, again.seconds) == (
        result.stack, result.status, "d", [good], 1.3)
    assert SetResult.from_json({"stack": data["stack"], "status": "skipped"}).detail == ""
    assert result.ok and not SetResult(result.stack, SetStatus.RAN).ok
    assert not SetResult(result.stack, SetStatus.RAN, records=[good, bad]).ok
    assert not SetResult(result.stack, SetStatus.LAB_FAILED, records=[good]).ok


# the rest of a workshop, in-process

def test_lab_exercise_writes_the_project_and_a_task_sheet_and_never_over_a_learners_work(tmp_path, capsys,
                                                                                          monkeypatch):
    from lab.cli import main

    root = answer_catalogue(tmp_path / "catalogue")
    (root / "01-answer" / "tests" / "__pycache__").mkdir()
    (root / "01-answer" / "tests" / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", "1", "--scenarios-dir", str(root)]) == 0
    folder = Path("exercise-01")
    assert capsys.readouterr().out == (
        f"wrote {folder}: the tests, the broken conftest.py and pytest.ini, and TASK.md\n"
        f"next: read {folder / 'TASK.md'}, then `lab check {folder}`\n")
    assert sorted(p.name for p in folder.iterdir()) == [".lab-exercise.toml", "TASK.md", "conftest.py",
                                                        "pytest.ini", "tests"]
    assert sorted(p.name for p in (folder / "tests").iterdir()) == ["test_it.py"]
    assert (folder / "conftest.py").read_text() == BROKEN and (folder / "pytest.ini").read_text() == INI
    task = (folder / "TASK.md").read_text()
    assert task.startswith("# Exercise: The wrong answer\n\n**Symptom.** `assert 41 == 42`\n")
    assert "\n- sqlite: AssertionError: /assert 41 == 42/\n" in task
    assert f"**See it.** `lab check {folder}` runs the tests" in task and f"`lab hint {folder}`" in task
    assert "\n- keep `filterwarnings = error` in `pytest.ini`: the exercise is about it" in task
    assert Exercise.read(folder) == Exercise(folder, "01-answer", 0)
    assert main(["exercise", "01", str(folder), "--scenarios-dir", str(root)]) == 2
    assert "exercise-01: exists and is not empty; choose another folder" in capsys.readouterr().err


def test_a_task_sheet_says_where_the_bug_hides_and_where_nothing_is_recorded(tmp_path):
    path = answer_catalogue(tmp_path) / "01-answer"
    (path / "scenario.toml").write_text(MANIFEST.replace('backends = ["sqlite"]', "").replace(
        'default = { raises = "AssertionError", match = "assert 41 == 42" }',
        'sqlite = { passes = true }\n'
        'postgres = [{ raises = "KeyError", match = "k", versions = { pytest = "<1" } }]'))
    create(load(path), tmp_path / "ex")
    task = (tmp_path / "ex" / "TASK.md").read_text()
    assert ("- sqlite: passes (the bug hides here)\n"
            "- postgres: not recorded for the versions installed\n") in task
    (path / "scenario.toml").write_text(MANIFEST.replace(
        'default = { raises = "AssertionError", match = "assert 41 == 42" }',
        'default = [{ raises = "KeyError", match = "k" }, { raises = "ValueError", match = "v" }]').replace(
        'keep = ["filterwarnings = error"]', 'keep = ["filterwarnings = error", "asyncio_mode = strict"]'))
    create(load(path), tmp_path / "ex2")
    task = (tmp_path / "ex2" / "TASK.md").read_text()
    assert "\n- sqlite: KeyError: /k/ or ValueError: /v/\n" in task
    assert ("is about it\n- keep `asyncio_mode = strict` in `pytest.ini`: the exercise is about it\n\n"
            in task)


def test_an_exercise_folder_is_read_back_or_named_as_not_one(tmp_path):
    with pytest.raises(ExerciseError, match=r"\.lab-exercise\.toml: missing: not a folder `lab exercise`"):
        Exercise.read(tmp_path)
    Exercise(tmp_path, "07-x", 3).write()
    assert Exercise.read(tmp_path) == Exercise(tmp_path, "07-x", 3)
    (tmp_path / ".lab-exercise.toml").write_text('scenario = "07-x"\n')
    assert Exercise.read(tmp_path).hints_shown == 0
    for text in ("scenario = ", "hints_shown = 1\n", 'scenario = "x"\nhints_shown = "many"\n'):
        (tmp_path / ".lab-exercise.toml").write_text(text)
        with pytest.raises(ExerciseError, match=r"\.lab-exercise\.toml: unreadable \("):
            Exercise.read(tmp_path)


def test_lab_hint_gives_one_more_each_time_the_fix_last(learner, capsys):
    from lab.cli import main

    root, folder = learner
    (root / "01-answer" / "README.md").write_text("**Cause.** The fixture\nsays 41.\n\n**Fix.** Say 42.\n")
    said = []
    for _ in range(3):
        assert main(["hint", str(folder), "--scenarios-dir", str(root)]) == 0
        said.append(capsys.readouterr().out)
    assert said[0] == "hint 1 of 2:\nWhy it fails: The fixture says 41.\n"
    assert said[1].startswith("hint 2 of 2:\nThe fix, as a diff of the files:\n\n--- broken/conftest.py")
    assert "-    return 41\n+    return 42\n" in said[1] and said[2] == said[1]
    assert Exercise.read(folder).hints_shown == 2


@pytest.mark.parametrize(("readme", "first"), [
    ("**Cause.** Said 41.\n\n<!-- diff -->\n", "Why it fails: Said 41."),
    ("**Cause.** Said 41.\n\n**Fix.** 42.\n", "Why it fails: Said 41."),
    ("# Title\n\n**Cause.** Said\n  41.", "Why it fails: Said 41."),
    ("no cause here\n", None),
    (None, None),
])
def test_without_hints_of_its_own_the_first_hint_is_the_readmes_cause(tmp_path, readme, first):
    from lab.workshop.exercise import hints

    path = answer_catalogue(tmp_path) / "01-answer"
    if readme is not None:
        (path / "README.md").write_text(readme)
    given = hints(load(path))
    assert given[:-1] == ([first] if first else [])
    assert given[-1].startswith("The fix, as a diff of the files:\n\n")


@pytest.mark.parametrize(("record", "said"), [
    (dict(status="as-expected", tests={"a": "passed", "b": "passed"}),
     "sqlite: passes: all 2 tests ran and passed, on the database it was given"),
    (dict(status="n/a", detail="needs pytest-asyncio"), "sqlite: not checked: needs pytest-asyncio"),
    (dict(status="timeout", detail="no result within 8 s"),
     "sqlite: did not finish: no result within 8 s (run with -s to see where it hung)"),
    (dict(status="fixed-failed", detail="deselected: t"), "sqlite: not a pass: deselected: t"),
    (dict(status="error", error_type="ImportError", error_message="no module x", nodeid="<conftest>"),
     "sqlite: could not run in <conftest>: ImportError: no module x"),
    (dict(status="error", error_type="SystemExit"), "sqlite: could not run: SystemExit: "),
    (dict(status="error", error_type="ImportError", error_message="no\n   module  x"),
     "sqlite: could not run: ImportError: no module x"),
    (dict(status="fixed-failed", error_type="KeyError", error_message="k", nodeid="tests/t.py::test_a"),
     "sqlite: fails in tests/t.py::test_a: KeyError: k"),
    (dict(status="fixed-failed", error_type="AssertionError", error_message="assert 41 == 42"),
     "sqlite: still fails as the broken conftest does: AssertionError: assert 41 == 42"),
])
def test_each_verdict_on_a_fix_is_told_in_plain_words(learner, record, said):
    root, _ = learner
    fields = {**record, "status": Status(record["status"])}
    told = explain(load(root / "01-answer"), Record("01-answer", "fixed", "sqlite", expected="-", **fields))
    assert told == said


def test_a_long_message_keeps_its_start_and_its_end():
    from lab.workshop.exercise import _shorten

    message = "a" * 100 + "m" * 200 + "z" * 100
    short = _shorten(message)
    assert short == "a" * 80 + " … " + "m" * 60 + "z" * 100
    assert _shorten("x" * 240) == "x" * 240


def _levelled(tmp_path: Path, levels: dict[str, int]):
    from lab.core.scenarios import Scenario

    found, number = [], 1
    for level, count in levels.items():
        for _ in range(count):
            found.append(Scenario(f"{number:02d}-{level}-one", tmp_path, f"t{number}", "s", ("sqlite",), {},
                                  difficulty=level))
            number += 1
    return found


@pytest.mark.parametrize(("levels", "planned"), [
    ({"intro": 4, "intermediate": 3, "advanced": 2},
     [("intro", 10), ("intro", 10), ("intro", 10), ("intermediate", 15), ("intermediate", 15),
      ("advanced", 20)]),
    # fewer intro exercises than three: their time goes to the level above
    ({"intro": 1, "intermediate": 4, "advanced": 2},
     [("intro", 10), ("intermediate", 15), ("intermediate", 15), ("intermediate", 15), ("intermediate", 15),
      ("advanced", 20)]),
    ({"advanced": 6}, [("advanced", 20)] * 4),
])
def test_a_workshop_is_intro_first_and_fits_its_time(tmp_path, levels, planned):
    from lab.workshop.command import workshop

    chosen = workshop(_levelled(tmp_path, levels))
    assert [(s.difficulty, minutes) for s, minutes in chosen] == planned
    assert sum(minutes for _, minutes in chosen) <= 90


def test_the_workshop_is_printed_with_each_exercises_commands(tmp_path):
    from lab.workshop.command import print_workshop

    out = io.StringIO()
    assert print_workshop(_levelled(tmp_path, {"intro": 1, "advanced": 1}), Terminal(out)) == 0
    assert out.getvalue() == (
        "A 90-minute workshop, 2 exercises, intro to advanced:\n"
        "  0 min  intro        t1\n"
        "         lab exercise 01 exercise-01 && lab check exercise-01\n"
        " 10 min  advanced     t2\n"
        "         lab exercise 02 exercise-02 && lab check exercise-02\n"
        " 30 min  wrap-up: the recommended conftest, recommended/README.md\n")
    out = io.StringIO()
    assert print_workshop([], Terminal(out)) == 1
    assert out.getvalue() == "no exercise matches that selection\n"


def test_lab_list_workshop_plans_the_selected_exercises(learner, capsys):
    from lab.cli import main

    root, _ = learner
    assert main(["list", "--workshop", "--tag", "answers", "--scenarios-dir", str(root)]) == 0
    assert "lab exercise 01 exercise-01" in capsys.readouterr().out
    assert main(["list", "--workshop", "--tag", "none", "--scenarios-dir", str(root)]) == 1
    assert main(["list", "--workshop", "--difficulty", "advanced", "--scenarios-dir", str(root)]) == 1


def test_lab_check_prints_each_backends_verdict_and_the_guard_rail_it_lost(learner, capsys):
    from lab.cli import main

    root, folder = learner
    (folder / "conftest.py").write_text(FIXED)
    (folder / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert main(["check", str(folder), "--scenarios-dir", str(root), "-s"]) == 1
    out = capsys.readouterr().out
    assert "sqlite: passes: all 1 tests ran and passed" in out and "1 passed" in out  # -s: pytest's output
    assert "not allowed: pytest.ini no longer has `filterwarnings = error`" in out
    assert out.rstrip().endswith(f"NOT YET: 01-answer is not fixed (`lab hint {folder}` for a hint)")
    (folder / "pytest.ini").write_text(INI)
    assert main(["check", str(folder), "--scenarios-dir", str(root), "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert "1 passed" not in out and out.endswith("PASS: 01-answer is fixed on sqlite\n")
    assert main(["check", str(root), "--scenarios-dir", str(root)]) == 2  # not an exercise folder


def _with_idiom(root: Path) -> Path:
    """The answer scenario with an idiom the installed versions call for: its own tests and broken files."""
    path = root / "01-answer"
    idiom = path / "older"
    for folder in ("tests", "broken/helpers/deep"):
        (idiom / folder).mkdir(parents=True)
    (idiom / "tests" / "test_old.py").write_text(TEST.replace("test_answer", "test_old_answer"))
    (idiom / "broken" / "conftest.py").write_text(BROKEN + "# older\n")
    (idiom / "broken" / "helpers" / "deep" / "x.py").write_text("X = 1\n")
    (path / "scenario.toml").write_text(MANIFEST + textwrap.dedent("""
        [[idiom]]
        folder = "older"
        versions = { pytest = ">=1" }
        why = "as older releases write it"
        [[requires]]
        versions = { pytest = "<1" }
        why = "the idiom's fix needs pytest 0"
        idiom = "older"
        variants = ["fixed"]
        [[requires]]
        versions = { pytest = "<1" }
        why = "the scenario's own fix needs pytest 0"
        variants = ["fixed"]
    """))
    return path


def test_an_exercise_is_the_idiom_the_installed_versions_call_for(tmp_path):
    path = _with_idiom(answer_catalogue(tmp_path / "c"))
    dest = tmp_path / "deep" / "er" / "ex"
    create(load(path), dest)
    assert sorted(p.name for p in (dest / "tests").iterdir()) == ["test_old.py"]
    assert (dest / "conftest.py").read_text().endswith("# older\n")
    assert (dest / "helpers" / "deep" / "x.py").read_text() == "X = 1\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    create(load(path), empty)  # an empty folder is fine to write into
    assert (empty / "TASK.md").is_file()


def test_the_staged_run_is_the_idioms_with_the_idioms_requirements_only(tmp_path):
    path = _with_idiom(answer_catalogue(tmp_path / "c"))
    scenario = load(path)
    folder = tmp_path / "ex"
    create(scenario, folder)
    judged = staged(scenario, Exercise.read(folder), tmp_path / "a" / "staged")
    assert sorted(p.name for p in (judged.path / "tests").iterdir()) == ["test_old.py"]
    assert judged.idioms == () and judged.functions() == ("test_old_answer",)
    assert [(r.why, r.idiom) for r in judged.requires] == [("the idiom's fix needs pytest 0", "")]
    assert judged.not_applicable("fixed") == "the idiom's fix needs pytest 0"
    assert judged.expectations["broken"] == scenario.expectations["broken"]
    assert [e.passes for e in judged.expectations["fixed"]["sqlite"]] == [True]


@pytest.mark.parametrize(("keep", "ini", "kept"), [
    ("addopts = -o a=b", "[pytest]\naddopts = -o a=b\n", True),
    ("addopts = -o a=b", "[pytest]\naddopts = -o a=c\n", False),
    ("filterwarnings = error", "[pytest]\nfilterwarnings = error  # kept # twice\n", True),
    ("filterwarnings = error", None, False),
])
def test_a_guard_rail_is_its_whole_setting_and_a_missing_ini_keeps_none(tmp_path, keep, ini, kept):
    from lab.core.scenarios import Scenario

    if ini is not None:
        (tmp_path / "pytest.ini").write_text(ini)
    scenario = Scenario("01-x", tmp_path, "t", "s", ("sqlite",), {}, keep=(keep,))
    assert guard_rails(scenario, Exercise(tmp_path, "01-x")) == ([] if kept else [
        f"pytest.ini no longer has `{keep}`, which this exercise keeps: the failure it turns into an error "
        "is the point of the exercise; removing it hides the failure, not fixes it"])


def test_lab_exercise_writes_into_the_folder_it_is_given(learner, tmp_path, capsys):
    from lab.cli import main

    root, _ = learner
    assert main(["exercise", "01-answer", str(tmp_path / "mine"), "--scenarios-dir", str(root)]) == 0
    assert Exercise.read(tmp_path / "mine").scenario == "01-answer"
    assert f"wrote {tmp_path / 'mine'}:" in capsys.readouterr().out


def test_check_on_one_backend_of_two_runs_that_one_only(tmp_path, monkeypatch):
    root = answer_catalogue(tmp_path / "catalogue")
    manifest = root / "01-answer" / "scenario.toml"
    both = manifest.read_text().replace('backends = ["sqlite"]', 'backends = ["sqlite", "postgres"]')
    manifest.write_text(both)
    folder = tmp_path / "ex"
    create(load(root / "01-answer"), folder)
    (folder / "conftest.py").write_text(FIXED)
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")  # were it run: fast
    code, said = checked(root, folder, backends=["sqlite"])
    assert code == 0 and "postgres" not in said, said


def test_lab_check_gives_a_fix_that_hangs_the_time_it_was_told(learner, capsys):
    from lab.cli import main

    root, folder = learner
    manifest = root / "01-answer" / "scenario.toml"
    manifest.write_text("timeout = 3\n" + manifest.read_text())
    (folder / "conftest.py").write_text("import time\ntime.sleep(30)\n" + FIXED)
    assert main(["check", str(folder), "--scenarios-dir", str(root), "--timeout", "1"]) == 1
    assert "sqlite: did not finish: no result within 1 s" in capsys.readouterr().out


def test_check_interrupted_says_so_and_exits_130(learner, monkeypatch):
    from lab.core.runner import Interrupted
    from lab.workshop import command

    def interrupted(*args, **kwargs):
        raise Interrupted([])

    monkeypatch.setattr(command, "run_all", interrupted)
    root, folder = learner
    code, said = checked(root, folder)
    assert (code, said) == (130, "interrupted\n")


def test_the_staged_run_judges_the_learners_files_as_a_pass_whatever_the_fixed_variant_records(tmp_path):
    path = answer_catalogue(tmp_path / "c") / "01-answer"
    (path / "scenario.toml").write_text(MANIFEST + textwrap.dedent("""
        [fixed]
        default = { raises = "KeyError", match = "only on old releases" }
        [[requires]]
        versions = { pytest = "<1" }
        why = "needs pytest 0"
        variants = ["fixed"]
    """))
    scenario = load(path)
    folder = tmp_path / "ex"
    create(scenario, folder)
    judged = staged(scenario, Exercise.read(folder), tmp_path / "staged")
    assert [e.passes for e in judged.expectations["fixed"]["sqlite"]] == [True]
    assert [r.why for r in judged.requires] == ["needs pytest 0"]


def test_the_last_hint_is_the_diff_of_the_idiom_the_learner_was_given(tmp_path):
    from lab.workshop.exercise import hints

    path = _with_idiom(answer_catalogue(tmp_path / "c"))
    (path / "older" / "fixed").mkdir()
    (path / "older" / "fixed" / "conftest.py").write_text(FIXED + "# older\n")
    assert "-    return 41\n+    return 42\n # older\n" in hints(load(path))[-1]


def test_an_exercise_folder_is_named_after_the_scenarios_number():
    from lab.core.scenarios import Scenario
    from lab.workshop.exercise import default_folder

    scenario = Scenario("07-the-long-name", Path("."), "t", "s", ("sqlite",), {})
    assert default_folder(scenario) == Path("exercise-07")


# stack sets: read, named, described, written back

def test_a_stack_set_reads_back_as_written_and_describes_itself():
    stack = Stack("s", "why", ("a==1", "b<2"), "3.12", True, "no wheel for 3.12")
    assert stack.to_json() == {"name": "s", "why": "why", "pins": ["a==1", "b<2"], "python": "3.12",
                               "pre": True, "skip": "no wheel for 3.12"}
    assert Stack.from_json(json.loads(json.dumps(stack.to_json()))) == stack
    assert Stack.from_json({"name": "n", "why": "w"}) == Stack("n", "w")
    assert Stack.from_json({"name": "n", "why": "w", "skip": None, "python": ""}).skip == ""
    assert stack.describe() == "a==1, b<2, pre-releases allowed, Python 3.12"
    assert Stack("n", "w").describe() == "newest releases"
    here = "{}.{}".format(*sys.version_info[:2])
    assert Stack("n", "w", ("b", "a")).identity() == (here, ("a", "b"), False)


def test_an_adhoc_set_is_named_after_all_it_installs_and_cut_with_a_digest_when_long():
    assert adhoc([]).name == "adhoc" and adhoc([]).why == "named on the command line"
    assert adhoc(["Foo_Bar>=1"], pre=True).name == "with-FooBar1-pre"
    assert adhoc(["x==1"], python="3.12", pre=True) == Stack(
        "with-x1-py3.12-pre", "named on the command line", ("x==1",), "3.12", True)
    exactly = adhoc(["p" * 75])  # "with-" and 75 letters: 80, the longest name kept whole
    assert exactly.name == "with-" + "p" * 75
    long = adhoc(["p" * 76], python="3.12", pre=True)
    assert len(long.name) == 80 and long.name.startswith("with-" + "p" * 64 + "-")
    assert (long.why, long.pins, long.python, long.pre) == (
        "named on the command line", ("p" * 76,), "3.12", True)
    assert long.name != adhoc(["p" * 76], python="3.12").name
    with pytest.raises(StackError, match=r"^--with: 'not a pin!' is not a requirement"):
        adhoc(["not a pin!"])


@pytest.mark.parametrize(("text", "said"), [
    ('["a b"]\nwhy = "w"\n', "[a b]: a set's name is letters, digits, '.', '_' and '-'"),
    ("a = 1\n", "[a]: expected a table, got 1"),
    ('[a]\nwhy = "w"\npre = "yes"\n', "[a]: pre: expected true or false, got 'yes'"),
    ('[a]\nwhy = "w"\npins = [1]\n', "[a]: pins: expected a requirement string, got 1"),
    ('[a]\nwhy = "w"\nskip = " "\n', "[a]: skip: expected why the lab cannot run there, got ' '"),
])
def test_a_malformed_set_is_refused_with_the_file_the_set_and_the_field(tmp_path, text, said):
    from lab.matrix.stacks import load

    path = tmp_path / "stacks.toml"
    path.write_text(text)
    with pytest.raises(StackError) as raised:
        load(path)
    assert str(raised.value) == f"{path}: {said}"


def test_a_stacks_file_is_read_whole_and_a_missing_one_named(tmp_path):
    from lab.matrix.stacks import load

    path = tmp_path / "stacks.toml"
    path.write_text('[a]\nwhy = " w "\n[b]\nwhy = "v"\npins = ["x==1"]\npython = "3.12"\npre = true\n'
                    'skip = " none "\n')
    assert load(path) == [Stack("a", "w"), Stack("b", "v", ("x==1",), "3.12", True, "none")]
    with pytest.raises(StackError, match=r"absent.toml: cannot read: No such file or directory$"):
        load(tmp_path / "absent.toml")


def test_pyenv_is_looked_for_in_the_home_folder_without_pyenv_root(tmp_path, monkeypatch):
    folder = tmp_path / ".pyenv" / "versions" / "3.96.0" / "bin"
    folder.mkdir(parents=True)
    python = _fake_interpreter(folder, "python3.96", "echo 3.96\n")
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_python("3.96") == str(python)
    _fake_interpreter(folder, "python3.96", "exit 3\n")
    assert find_python("3.96") is None  # it does not run: no interpreter


class _FakeServer:
    """Stands for the embedded PostgreSQL a matrix run starts when no URL is given."""

    closed = 0

    def admin_url(self):
        class Url:
            def render_as_string(self, hide_password: bool = True) -> str:
                return "postgresql://lab:***@here/x" if hide_password else "postgresql://lab:pw@here/x"

        return Url()

    def close(self) -> None:
        _FakeServer.closed += 1


def test_each_set_runs_lab_run_in_the_project_with_one_server_for_all_and_copies_are_named(tmp_path,
                                                                                           monkeypatch):
    said = _fake_interpreter(tmp_path, "said", _json_path_of(
        'echo "args: $*" >> "$LAB_SAID"; echo "cwd: $(pwd)" >> "$LAB_SAID"\n'
        'echo "url: $TEST_DATABASE_URL" >> "$LAB_SAID"; echo "to stderr" >&2\n'
        'echo "[]" > "$out"; exit 1\n'))
    monkeypatch.setattr(matrix_run, "prepare", lambda stack, project, venvs: said)
    monkeypatch.setattr(matrix_run, "PostgresServer", _FakeServer)
    monkeypatch.setattr(_FakeServer, "closed", 0)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("LAB_SAID", str(tmp_path / "said.log"))
    project, out = tmp_path / "project", tmp_path / "deep" / "out"
    project.mkdir()
    seen = []
    stacks = [Stack("one", "w", ("a==1",)), Stack("again", "w", ("a==1",)), Stack("two", "w", ("b==1",))]
    results = run_matrix(stacks, ["-b", "sqlite"], project=project, scenarios=tmp_path / "sc", venvs=tmp_path,
                         out=out, on_set=seen.append)
    assert seen == results and [r.stack.name for r in results] == ["one", "again", "two"]
    assert [(r.status, r.detail) for r in results][1] == (
        SetStatus.SKIPPED, "the same interpreter and pins as 'one'")
    assert results[0].status is SetStatus.RAN and results[0].log == out / "one.log"
    assert (out / "one.log").read_text() == "to stderr\n"
    lines = (tmp_path / "said.log").read_text().splitlines()
    assert lines[:3] == [f"args: -m lab run --stack one --json {out / 'one.json'} -b sqlite --scenarios-dir "
                         f"{tmp_path / 'sc'}", f"cwd: {project}", "url: postgresql://lab:pw@here/x"]
    assert lines[3].startswith("args: -m lab run --stack two ") and len(lines) == 6
    assert _FakeServer.closed == 1
    # a shard: its set is a copy of one another shard runs, so it is not run twice
    (shard,) = run_matrix([stacks[1]], [], project=project, scenarios=tmp_path, venvs=tmp_path, out=out,
                          declared=stacks)
    assert shard.status is SetStatus.SKIPPED and len((tmp_path / "said.log").read_text().splitlines()) == 6
    # with a URL, the sets share that server and none is started
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://given@127.0.0.1/x")
    run_matrix([stacks[2]], [], project=project, scenarios=tmp_path, venvs=tmp_path, out=out)
    assert (tmp_path / "said.log").read_text().splitlines()[-1] == "url: postgresql://given@127.0.0.1/x"
    assert _FakeServer.closed == 2


def test_a_set_that_cannot_install_says_how_long_it_tried(tmp_path, monkeypatch):
    from lab.matrix.stacks import InstallError

    def fails(stack, project, venvs):
        assert project == tmp_path / "project"
        raise InstallError("uv said no")

    monkeypatch.setattr(matrix_run, "prepare", fails)
    result = matrix_run.run_set(Stack("s", "w"), [], project=tmp_path / "project", venvs=tmp_path,
                                out=tmp_path, env={})
    assert (result.stack, result.status, result.detail) == (
        Stack("s", "w"), SetStatus.INSTALL_FAILED, "uv said no")
    assert 0 <= result.seconds < 5


# recipe claims

def _row(name: str, backend: str, best: float, median: float, worst: float):
    from lab.recipes.judging import Row

    return Row(name, backend, 233, median, best, worst)


def test_a_claim_holds_only_when_the_rounds_are_apart_a_touching_pair_decides_nothing():
    from lab.recipes.claims import Claim, verdict

    claim = Claim("a beats b", faster="a", than="b")
    touching = [_row("a", "sqlite", 1.0, 1.5, 2.0), _row("b", "sqlite", 2.0, 3.0, 4.0)]
    assert "no clear difference, the rounds overlap, on sqlite" in verdict(claim, touching)
    behind = [_row("a", "sqlite", 4.0, 5.0, 6.0), _row("b", "sqlite", 2.0, 3.0, 4.0)]
    assert "no clear difference" in verdict(claim, behind)
    both = touching + [_row("a", "postgres", 1.0, 1.0, 1.0), _row("b", "postgres", 2.0, 2.0, 2.0)]
    said = verdict(claim, both)
    assert said.startswith("a beats b: no clear difference") and "0.50x); holds on postgres (" in said
    assert verdict(Claim("x", fails="a", backend="postgres"), touching) == "x: not measured"


def test_a_claims_file_without_claims_has_none_and_every_unknown_strategy_is_named(tmp_path):
    from lab.recipes.claims import load_claims

    path = tmp_path / "claims.toml"
    path.write_text("# nothing claimed yet\n")
    assert load_claims(path, ["a"]) == []
    path.write_text('[[claim]]\nsays = "x"\nfaster = "nope"\nthan = "nada"\n')
    with pytest.raises(ValueError, match=r"claims.toml: claim 1: no strategy named nope, nada$"):
        load_claims(path, ["a"])


def test_the_timing_file_keeps_other_shards_sets_and_survives_an_unreadable_one(tmp_path):
    from lab.matrix.run import SetResult, write_timing

    path = tmp_path / "deep" / "timing.json"
    good = Record("01-a", "fixed", "sqlite", Status.AS_EXPECTED, "passes")
    ran = SetResult(Stack("a", "w"), SetStatus.RAN, records=[good, good], seconds=12.34)
    write_timing(path, [ran], 20.06)
    assert path.read_text() == json.dumps(
        {"wall": 20.1, "sets": {"a": {"status": "ran", "seconds": 12.3, "runs": 2}}}, indent=2) + "\n"
    write_timing(path, [SetResult(Stack("b", "w"), SetStatus.SKIPPED, "no Python", seconds=0.04)], 1.0)
    assert json.loads(path.read_text()) == {"wall": 1.0, "sets": {
        "a": {"status": "ran", "seconds": 12.3, "runs": 2},
        "b": {"status": "skipped", "seconds": 0.0, "runs": 0}}}
    for unreadable in ("not json", "[1, 2]"):
        path.write_text(unreadable)
        write_timing(path, [SetResult(Stack("c", "w"), SetStatus.LAB_FAILED, seconds=1.0)], 2.0)
        failed = {"c": {"status": "lab-failed", "seconds": 1.0, "runs": 0}}
        assert json.loads(path.read_text())["sets"] == failed
