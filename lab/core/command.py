"""`lab run` and `lab list`: the commands of the core, given the options `lab.cli` parsed."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lab.core.classify import Record, Status
from lab.core.interrupts import Held
from lab.core.plan import matches, plan, select
from lab.core.repeat import combine, lines
from lab.core.report import Terminal, index_markdown, order, plural, versions, write_json, write_markdown
from lab.core.runner import Interrupted, run_all
from lab.core.scenarios import (
    BACKENDS,
    VARIANTS,
    Catalogue,
    Problem,
    Scenario,
    ScenarioError,
    default_scenarios_dir,
    discover,
)
from lab.core.state import state_dir

# Each run's last duration, so that the slowest start first (see runner.run_all)
DURATIONS = "durations.json"

# Runs whose own output ends with what a reader needs (a traceback, a stack dump), printed without `-s`.
SHOW_TAIL = (Status.TIMEOUT, Status.ERROR, Status.FIXED_FAILED, Status.FAILED_DIFFERENTLY)


class UsageError(Exception):
    """What the user asked for cannot be done as asked: `lab: MESSAGE` on stderr, exit status 2."""


def catalogue(options: argparse.Namespace) -> Catalogue:
    """The scenarios `--scenarios-dir` names, or those of the checkout."""
    try:
        return discover(scenarios_dir(options))
    except ScenarioError as error:
        raise UsageError(str(error)) from None


def scenarios_dir(options: argparse.Namespace) -> Path:
    return Path(options.scenarios_dir or default_scenarios_dir())


def run_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab run`: every selected variant on every selected backend, each judged; the summary; the files."""
    return _run(options, catalogue(options), terminal)


def list_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab list`: the catalogue with its tags, or (`--markdown`) the README's index."""
    found = catalogue(options)
    if options.markdown:
        terminal.line(index_markdown(found.scenarios).rstrip("\n"))
        return 1 if found.problems else 0
    chosen = select(found.scenarios, tags=options.tag, difficulty=options.difficulty)
    return _list(chosen, found.problems, terminal)


def _list(scenarios: Sequence[Scenario], problems: Sequence[Problem], terminal: Terminal) -> int:
    for scenario in scenarios:
        terminal.line(f"{scenario.name:<40} {scenario.difficulty or '-':<13} {'/'.join(scenario.backends)}")
        terminal.line(f"    tags: {', '.join(scenario.tags) or '-'}")
        terminal.line(f"    {scenario.symptom}")
    for problem in problems:
        terminal.line(f"{problem.name:<40} cannot load: {problem.message}")
    if not scenarios and not problems:
        terminal.line("no scenario matches that selection")
    return 1 if problems or not scenarios else 0


def _run(options: argparse.Namespace, catalogue: Catalogue, terminal: Terminal) -> int:
    everything = [s.name for s in catalogue.scenarios] + [p.name for p in catalogue.problems]
    unknown = [n for n in options.names if not any(matches([n], name) for name in everything)]
    if unknown:
        raise UsageError(f"no scenario matches {unknown[0]!r} (see `lab list`)")
    runs = plan(catalogue.scenarios, options.names, options.backend or BACKENDS, options.variant or VARIANTS,
                repeat=options.repeat)
    problems = [Record.for_problem(p) for p in catalogue.problems if matches(options.names, p.name)]
    if not runs and not problems:
        print("lab: no run matches that selection (names, -b, --variant): nothing checked", file=sys.stderr)
        return 1
    terminal.width = max([len(r.scenario.name) for r in runs] + [len(r.scenario) for r in problems] + [8])
    terminal.total = len(runs) + len(problems)
    terminal.verbosity = getattr(options, "verbose", 0) - getattr(options, "quiet", 0)
    began = time.perf_counter()

    def show(record: Record) -> None:
        if not terminal.live(record):
            return
        if options.show_output and record.output:
            terminal.line(record.output)
        elif record.status in SHOW_TAIL and record.output:
            terminal.tail(record)

    for problem in problems:
        show(problem)
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    interrupted = False
    try:
        ran = run_all(runs, show, workers=options.workers, timeout=options.timeout,
                      isolation=options.isolation, keep=options.keep, history=state_dir() / DURATIONS,
                      guard=getattr(options, "guard", False))
    except Interrupted as stop:  # Ctrl-C: what finished is still reported, and written
        ran, interrupted = stop.records, True
    with Held() as held:  # the reports are written whole: Ctrl-C waits for them
        found = versions()
        records = sorted((replace(r, stack=options.stack, versions=found) for r in problems + ran), key=order)
        judged = records
        if options.repeat > 1:
            terminal.line()
            for line in lines(records):
                terminal.line(line)
            judged = combine(records)
        terminal.summary(judged, time.perf_counter() - began)
        if options.repeat > 1:
            terminal.line(f"each run {options.repeat} times: {len(records)} runs in all")
        if options.json:
            write_json(options.json, records)
        if options.markdown and not interrupted:  # RESULTS.md describes whole runs only
            write_markdown(options.markdown, records)
    if interrupted or held.pressed:
        terminal.line(f"interrupted: {len(ran)} of {plural(len(runs), 'run')} finished")
        return 130
    return 0 if all(r.ok for r in judged) else 1
