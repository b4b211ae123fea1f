"""Workshops: a learner gets a scenario's broken project, fixes its conftest, and the lab judges the fix.

`lab exercise NN DIR` writes the project; `lab check DIR` runs the learner's conftest and pytest.ini against
the scenario's *own* tests on both backends, with the same rule as every fixed variant (every test ran and
passed, on the database it was given); `lab hint DIR` shows one hint more each time, the diff last.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from lab.core.classify import Record, Status, same_type
from lab.core.expectations import PASSES, choose
from lab.core.scenarios import Scenario
from lab.core.variants import fix_diff, variant_files

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STATE = ".lab-exercise.toml"
TASK = "TASK.md"
# What `lab exercise` writes beside the learner's files; never part of the fix `lab check` runs.
NOT_THE_FIX = {STATE, TASK, "tests", "__pycache__", ".pytest_cache"}


class ExerciseError(ValueError):
    """A folder that is not an exercise, or one that cannot be written; the message names the path."""


@dataclass(frozen=True)
class Exercise:
    """An exercise folder: which scenario it came from, and how many hints the learner has seen."""

    path: Path
    scenario: str
    hints_shown: int = 0

    @classmethod
    def read(cls, path: Path) -> Exercise:
        state = path / STATE
        if not state.is_file():
            raise ExerciseError(f"{state}: missing: not a folder `lab exercise` wrote")
        try:
            data = tomllib.loads(state.read_text())
            return cls(path, str(data["scenario"]), int(data.get("hints_shown", 0)))
        except (tomllib.TOMLDecodeError, KeyError, ValueError) as error:
            raise ExerciseError(f"{state}: unreadable ({error})") from None

    def write(self) -> None:
        (self.path / STATE).write_text(f'scenario = "{self.scenario}"\nhints_shown = {self.hints_shown}\n')


def create(scenario: Scenario, dest: Path) -> Exercise:
    """Write the learner's project: the tests, the broken conftest and pytest.ini, and a task sheet."""
    if dest.exists() and any(dest.iterdir()):
        raise ExerciseError(f"{dest}: exists and is not empty; choose another folder")
    dest.mkdir(parents=True, exist_ok=True)
    idiom = scenario.idiom()  # the learner's installed versions choose the idiom, as in a run
    shutil.copytree(scenario.tests_dir(idiom), dest / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in variant_files(scenario, "broken", idiom).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(text)
    (dest / TASK).write_text(task_sheet(scenario, dest))
    exercise = Exercise(dest, scenario.name)
    exercise.write()
    return exercise


def lab_command() -> str:
    """How to run the lab as the sheet's reader can: `lab` where it is on PATH, else this interpreter's."""
    on_path = shutil.which("lab")
    if on_path and Path(on_path).absolute().parent == Path(sys.executable).absolute().parent:
        return "lab"
    return f"{shlex.quote(sys.executable)} -m lab"


def task_sheet(scenario: Scenario, dest: Path) -> str:
    """What the learner reads: the symptom with the real error, how to run it, the goal; not the fix."""
    shows = []
    for backend, options in scenario.expectations["broken"].items():
        shown = " or ".join(
            "passes (the bug hides here)" if o.passes else o.describe() for o in choose(options)
        )
        shows.append(f"- {backend}: {shown or 'not recorded for the versions installed'}")
    keep = "".join(f"\n- keep `{line}` in `pytest.ini`: the exercise is about it" for line in scenario.keep)
    lab, python = lab_command(), shlex.quote(sys.executable)
    against = ", against the database it was given" if scenario.uses_database else ""
    ignores = ", and neither is a run that ignores `DATABASE_URL`" if scenario.uses_database else ""
    return f"""# Exercise: {scenario.title}

**Symptom.** {scenario.symptom}

What this project's `conftest.py` does, as recorded from real runs:

{chr(10).join(shows)}

**See it.** `{lab} check {dest}` runs the tests on SQLite and on PostgreSQL and says what is still wrong;
add `-s` to read pytest's own output, the real traceback. To run pytest yourself on SQLite, in `{dest}`
(with the interpreter the lab is installed in, which has the app's test dependencies):
`DATABASE_URL=sqlite+aiosqlite:///./exercise.db {python} -m pytest`.

**Goal.** Change `conftest.py` (and `pytest.ini`, if the fix belongs there) until `lab check` passes: every
test in `tests/` ran and passed, on both backends{against}.

- `lab check` uses the scenario's own tests: editing `tests/` changes nothing;
- a skipped, xfailed or deselected test is not a pass{ignores};{keep}

Stuck? `{lab} hint {dest}` gives one hint more each time you run it; the last one is the fix itself.
"""


def staged(scenario: Scenario, exercise: Exercise, into: Path) -> Scenario:
    """The scenario as `lab check` runs it: its pristine tests, the learner's files as its fixed variant."""
    idiom = scenario.idiom()
    into.mkdir(parents=True)
    shutil.copytree(scenario.tests_dir(idiom), into / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    fixed = into / "fixed"
    fixed.mkdir()
    for path in exercise.path.iterdir():
        if path.name in NOT_THE_FIX:
            continue
        if path.is_dir():
            shutil.copytree(path, fixed / path.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, fixed / path.name)
    # Without a pytest.ini of the learner's, the run has none: what the learner's own `pytest` would see.
    expectations = {**scenario.expectations, "fixed": {b: (PASSES,) for b in scenario.backends}}
    # The learner's files are the fixed variant now: what the idiom's files required, they require
    name = idiom.folder if idiom else ""
    requires = tuple(replace(r, idiom="") for r in scenario.requires if r.idiom == name)
    return replace(scenario, path=into, expectations=expectations, idioms=(), requires=requires,
                   test_functions=scenario.functions(idiom))


def guard_rails(scenario: Scenario, exercise: Exercise) -> list[str]:
    """The `keep` settings the learner's pytest.ini lost: a fix may not weaken what the scenario is about.

    `keep = ["filterwarnings = error"]` holds while `[pytest]` sets `filterwarnings` with `error` among its
    lines, whether on one line or several, whatever else the learner adds.
    """
    ini = configparser.ConfigParser(interpolation=None)
    path = exercise.path / "pytest.ini"
    try:
        ini.read_string(path.read_text() if path.is_file() else "")
    except configparser.Error:
        pass  # pytest refuses it too, and the run says so
    broken = []
    for setting in scenario.keep:
        key, _, value = (part.strip() for part in setting.partition("="))
        have = ini.get("pytest", key, fallback="")
        if value not in [line.split("#", 1)[0].strip() for line in have.splitlines()]:
            broken.append(
                f"pytest.ini no longer has `{setting}`, which this exercise keeps: the failure it turns "
                "into an error is the point of the exercise; removing it hides the failure, not fixes it"
            )
    return broken


def explain(scenario: Scenario, record: Record) -> str:
    """One backend's verdict on the learner's fix, in plain words."""
    where = record.backend
    if record.status is Status.AS_EXPECTED:
        count = len(record.tests or {})
        return f"{where}: passes: all {count} tests ran and passed, on the database it was given"
    if record.status is Status.NOT_APPLICABLE:
        return f"{where}: not checked: {record.detail}"
    if record.status is Status.TIMEOUT:
        return f"{where}: did not finish: {record.detail} (run with -s to see where it hung)"
    if record.error_type is None:
        return f"{where}: not a pass: {record.detail}"
    error = f"{record.error_type}: {_shorten(' '.join((record.error_message or '').split()))}"
    if _as_broken(scenario, record):
        return f"{where}: still fails as the broken conftest does: {error}"
    test = f" in {record.nodeid}" if record.nodeid else ""
    if record.status is Status.ERROR:
        return f"{where}: could not run{test}: {error}"
    return f"{where}: fails{test}: {error}"


def _shorten(message: str, width: int = 240) -> str:
    """Long messages keep their start and their end: a loop error names the loop in its last words."""
    return message if len(message) <= width else f"{message[:width // 3]} … {message[-2 * width // 3:]}"


def _as_broken(scenario: Scenario, record: Record) -> bool:
    """Whether the learner's run failed with the very error the broken variant is recorded to raise."""
    options = choose(scenario.expectations["broken"].get(record.backend, ()))
    return any(
        o.raises and same_type(record.error_type or "", o.raises)
        and re.search(o.match, record.error_message or "")
        for o in options
    )


def hints(scenario: Scenario) -> list[str]:
    """The scenario's own hints, else the README's cause; the fix as a diff last."""
    given = list(scenario.hints) or [_cause(scenario)]
    diff = fix_diff(scenario, scenario.idiom())
    return [h for h in given if h] + [f"The fix, as a diff of the files:\n\n{diff}"]


def _cause(scenario: Scenario) -> str:
    readme = scenario.path / "README.md"
    if not readme.is_file():
        return ""
    found = re.search(r"\*\*Cause\.\*\*(.*?)(?:\n\n\*\*|\n\n<!--|\Z)", readme.read_text(), re.S)
    return "Why it fails: " + " ".join(found.group(1).split()) if found else ""


def next_hint(scenario: Scenario, exercise: Exercise) -> tuple[str, int, int]:
    """The next hint, its number and how many there are; the last one again once all were shown."""
    every = hints(scenario)
    shown = min(exercise.hints_shown + 1, len(every))
    replace(exercise, hints_shown=shown).write()
    return every[shown - 1], shown, len(every)


def default_folder(scenario: Scenario) -> Path:
    return Path(f"exercise-{scenario.name.split('-', 1)[0]}")

