"""The commands of a workshop: `lab exercise`, `lab check`, `lab hint`, and `lab list --workshop`."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from lab.core.classify import Record, Status
from lab.core.command import UsageError, catalogue
from lab.core.plan import by_difficulty, plan, select
from lab.core.report import Terminal
from lab.core.runner import Interrupted, run_all
from lab.core.scenarios import BACKENDS, Catalogue, Scenario
from lab.workshop.exercise import (
    Exercise,
    ExerciseError,
    create,
    default_folder,
    explain,
    guard_rails,
    lab_command,
    next_hint,
    staged,
)

# Minutes a learner needs for an exercise of each difficulty: read, run, fix, check.
MINUTES = {"intro": 10, "intermediate": 15, "advanced": 20}
WORKSHOP_MINUTES = 90
SHAPE = (("intro", 3), ("intermediate", 2), ("advanced", 1))


def find(catalogue: Catalogue, name: str) -> Scenario:
    """The one scenario `name` gives: a number is that scenario's (`1` is 01, never 10-19), else a prefix."""
    chosen = [s for s in catalogue.scenarios if not s.pattern and _names(name, s.name)]
    if len(chosen) != 1:
        names = ", ".join(s.name for s in chosen) or "none"
        raise ExerciseError(f"{name!r} names {len(chosen)} scenarios ({names}); give one (see `lab list`)")
    return chosen[0]


def _names(name: str, scenario: str) -> bool:
    number = scenario.split("-", 1)[0]
    if name.isdigit() and number.isdigit():
        return int(name) == int(number)
    return scenario == name or scenario.startswith(name)


def exercise(catalogue: Catalogue, name: str, dest: Path | None, terminal: Terminal) -> int:
    scenario = find(catalogue, name)
    folder = dest or default_folder(scenario)
    create(scenario, folder)
    terminal.line(f"wrote {folder}: the tests, the broken conftest.py and pytest.ini, and TASK.md")
    terminal.line(f"next: read {folder / 'TASK.md'}, then `{lab_command()} check {folder}`")
    return 0


def check(
    catalogue: Catalogue,
    folder: Path,
    terminal: Terminal,
    *,
    backends: Sequence[str] = BACKENDS,
    show_output: bool = False,
    workers: int = 2,
    timeout: float | None = None,
) -> int:
    """Judge the learner's fix on each backend: 0 only if it passes everywhere and keeps the guard rails."""
    learner = Exercise.read(folder)
    scenario = find(catalogue, learner.scenario)
    unrun = [b for b in backends if b not in scenario.backends]
    if unrun and len(unrun) == len(backends):  # nothing would run: a PASS then would judge nothing
        raise ExerciseError(f"{scenario.name} runs on {', '.join(scenario.backends)} only, "
                            f"not on {', '.join(unrun)}: nothing to check there")
    broken_rails = guard_rails(scenario, learner)
    records: list[Record] = []
    with tempfile.TemporaryDirectory(prefix="lab-check-") as scratch:
        judged = staged(scenario, learner, Path(scratch) / scenario.name)
        runs = plan([judged], backends=backends, variants=["fixed"])

        def show(record: Record) -> None:
            terminal.line(explain(scenario, record))
            if show_output and record.output:
                terminal.line(record.output)

        try:
            records = run_all(runs, show, workers=workers, timeout=timeout)
        except Interrupted as stop:
            records = stop.records
            terminal.line("interrupted")
            return 130
    for rail in broken_rails:
        terminal.line(f"not allowed: {rail}")
    passed = records and all(r.status in (Status.AS_EXPECTED, Status.NOT_APPLICABLE) for r in records)
    if passed and not broken_rails:
        terminal.line(f"PASS: {scenario.name} is fixed on {', '.join(r.backend for r in records)}")
        return 0
    terminal.line(f"NOT YET: {scenario.name} is not fixed (`{lab_command()} hint {folder}` for a hint)")
    return 1


def hint(catalogue: Catalogue, folder: Path, terminal: Terminal) -> int:
    learner = Exercise.read(folder)
    text, number, total = next_hint(find(catalogue, learner.scenario), learner)
    terminal.line(f"hint {number} of {total}:")
    terminal.line(text)
    return 0


def workshop(scenarios: Sequence[Scenario], minutes: int = WORKSHOP_MINUTES) -> list[tuple[Scenario, int]]:
    """Exercises for a session of `minutes`, intro first, then intermediate, then advanced.

    Three of the first, two of the second and one of the third fill 80 minutes and leave ten for the
    wrap-up; where a level has fewer, the time goes to the next level up.
    """
    chosen: list[tuple[Scenario, int]] = []
    left, owed = minutes, 0
    for level, count in SHAPE:
        offered = [s for s in by_difficulty(scenarios) if s.difficulty == level]
        for scenario in offered[: count + owed]:
            if MINUTES[level] <= left:
                chosen.append((scenario, MINUTES[level]))
                left -= MINUTES[level]
        owed = max(0, count + owed - len(offered))
    return chosen


def print_workshop(scenarios: Sequence[Scenario], terminal: Terminal) -> int:
    chosen = workshop(scenarios)
    if not chosen:
        terminal.line("no exercise matches that selection")
        return 1
    terminal.line(f"A {WORKSHOP_MINUTES}-minute workshop, {len(chosen)} exercises, intro to advanced:")
    at = 0
    for scenario, cost in chosen:
        number = scenario.name.split("-", 1)[0]
        terminal.line(f"{at:>3} min  {scenario.difficulty or '-':<12} {scenario.title}")
        lab = lab_command()
        terminal.line(f"         {lab} exercise {number} exercise-{number} && {lab} check exercise-{number}")
        at += cost
    terminal.line(f"{at:>3} min  wrap-up: the recommended conftest, recommended/README.md")
    return 0


def exercise_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab exercise NN DIR`."""
    return _told(lambda: exercise(catalogue(options), options.name, options.folder, terminal))


def check_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab check DIR`."""
    backends = options.backend or BACKENDS
    return _told(lambda: check(catalogue(options), options.folder, terminal, backends=backends,
                               show_output=options.show_output, timeout=options.timeout))


def hint_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab hint DIR`."""
    return _told(lambda: hint(catalogue(options), options.folder, terminal))


def workshop_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab list --workshop`: a 90-minute sequence of the selected exercises."""
    chosen = select(catalogue(options).scenarios, tags=options.tag, difficulty=options.difficulty)
    return print_workshop(chosen, terminal)


def _told(command: Callable[[], int]) -> int:
    """An exercise folder or name the command cannot use is the user's to fix: a usage error."""
    try:
        return command()
    except ExerciseError as error:
        raise UsageError(str(error)) from None
