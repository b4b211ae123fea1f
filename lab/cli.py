"""The `lab` command: `lab [run] [NAME ...]` runs scenarios; the other subcommands do the rest."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from lab import __version__, workshop
from lab.classify import Record, Status
from lab.drift import diff, drift_lines, stacks_in, totals, write_drift_markdown, write_junit
from lab.exercise import ExerciseError
from lab.matrix import TIMING_FILE, SetResult, SetStatus, run_matrix, write_timing
from lab.plan import matches, plan, select
from lab.readme import ReadmeError, stale
from lab.repeat import combine, lines
from lab.report import Terminal, index_markdown, order, read_json, versions, write_json, write_markdown
from lab.runner import Interrupted, run_all
from lab.scenarios import (
    BACKENDS,
    DIFFICULTIES,
    VARIANTS,
    Catalogue,
    Problem,
    Scenario,
    ScenarioError,
    discover,
)
from lab.site import LAST_RUN
from lab.stacks import STACKS_FILE, Stack, StackError, adhoc
from lab.stacks import load as load_stacks

# Each run's last duration, so that the slowest start first (see runner.run_all)
DURATIONS = Path(".lab/durations.json")
# Runs whose own output ends with what a reader needs (a traceback, a stack dump), printed without `-s`.
SHOW_TAIL = (Status.TIMEOUT, Status.ERROR, Status.FIXED_FAILED, Status.FAILED_DIFFERENTLY)


def default_scenarios_dir() -> Path:
    """`./scenarios` when run from a checkout, else the folder beside the installed package."""
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "scenarios"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lab", description="Run the async-testing failure lab.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--scenarios-dir", type=Path, default=None, help="default: ./scenarios")
    selection = argparse.ArgumentParser(add_help=False)
    selection.add_argument("names", nargs="*", help="scenario names, or parts of names (default: all)")
    selection.add_argument("-b", "--backend", action="append", choices=BACKENDS,
                           help="repeatable; default: all")
    selection.add_argument("--variant", action="append", choices=VARIANTS, help="repeatable; default: both")
    selection.add_argument("-j", "--workers", type=_positive(int), default=os.cpu_count() or 1,
                           help="parallel runs")
    selection.add_argument("--timeout", type=_positive(float), default=None,
                           help="seconds per variant, over a scenario's own (default: the scenario's, or 60)")
    selection.add_argument("--isolation", choices=("fork", "subprocess"), default="fork",
                           help="fork a preloaded parent (fast, POSIX) or start a fresh interpreter per run")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", parents=[common, selection],
                         help="run scenarios; check each variant does as expected")
    run.add_argument("--json", type=Path, metavar="PATH", help="write one record per run to PATH")
    run.add_argument("--markdown", type=Path, metavar="PATH", help="write a RESULTS.md-style report")
    run.add_argument("-s", "--show-output", action="store_true",
                     help="print each run's pytest output (the real traceback) after its line")
    run.add_argument("--keep", type=Path, metavar="DIR",
                     help="keep each run's folder in DIR, to run pytest there by hand")
    run.add_argument("--repeat", type=_positive(int), default=1, metavar="N",
                     help="run each selected variant N times; print each one's distribution of outcomes")
    run.add_argument("--stack", default="", metavar="NAME",
                     help="the stack set these runs belong to, written into every record")

    matrix = sub.add_parser("matrix", parents=[common, selection],
                            help="run the catalogue on every stack set of stacks.toml, each in its own venv")
    matrix.add_argument("--stack", action="append", metavar="NAME", help="only this set (repeatable)")
    matrix.add_argument("--with", dest="pins", action="append", metavar="PIN",
                        help='an ad-hoc set instead: these pins (repeatable), e.g. --with "httpx<0.28"')
    matrix.add_argument("--python", metavar="X.Y", help="with --with: the ad-hoc set's interpreter")
    matrix.add_argument("--pre", action="store_true", help="with --with: allow pre-releases")
    matrix.add_argument("--stacks-file", type=Path, default=None, help="default: ./stacks.toml")
    matrix.add_argument("--json", type=Path, metavar="PATH", help="write every record of every set to PATH")
    matrix.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML to PATH")
    matrix.add_argument("--markdown", type=Path, metavar="PATH",
                        help="write the drift table into PATH's matrix section (RESULTS.md)")
    matrix.add_argument("--out", type=Path, default=Path(".lab/matrix"),
                        help="where each set's records and log go (default: .lab/matrix)")
    matrix.add_argument("--venvs", type=Path, default=Path(".nox/stacks"),
                        help="where each set's venv lives, reused between runs (default: .nox/stacks)")

    differ = sub.add_parser("diff", help="what changed between two runs' records (`--json` files)")
    differ.add_argument("old", type=Path, help="records of the run before (lab run/matrix --json)")
    differ.add_argument("new", type=Path, nargs="?", help="records of the run after (default: OLD again)")
    differ.add_argument("--old-stack", metavar="NAME", help="in a matrix file: the set to compare from")
    differ.add_argument("--new-stack", metavar="NAME", help="in a matrix file: the set to compare to")

    readme = sub.add_parser("readme", parents=[common],
                            help="rewrite the READMEs' generated parts: each fix diff, and the index")
    readme.add_argument("--check", action="store_true", help="only say which are out of date (exit 1)")

    listing = sub.add_parser("list", parents=[common], help="list the scenarios, their backends and tags")
    listing.add_argument("--markdown", action="store_true", help="print the README's scenario index table")
    listing.add_argument("--tag", action="append", default=[], metavar="TAG",
                         help="only scenarios with this tag (repeatable)")
    listing.add_argument("--difficulty", choices=DIFFICULTIES, help="only scenarios of this difficulty")
    listing.add_argument("--workshop", action="store_true",
                         help="print a 90-minute sequence of exercises, intro to advanced, with commands")

    given = sub.add_parser("exercise", parents=[common],
                           help="write a learner's project: the tests, the broken conftest, a task sheet")
    given.add_argument("name", help="the scenario, by number or name")
    given.add_argument("folder", type=Path, nargs="?", help="where (default: ./exercise-NN)")
    checking = sub.add_parser("check", parents=[common],
                              help="judge a learner's fix against the scenario's own tests, on both backends")
    checking.add_argument("folder", type=Path, nargs="?", default=Path("."), help="default: .")
    checking.add_argument("-b", "--backend", action="append", choices=BACKENDS, help="default: all")
    checking.add_argument("-s", "--show-output", action="store_true", help="print each run's pytest output")
    checking.add_argument("--timeout", type=_positive(float), default=None, help="seconds per run")
    hinting = sub.add_parser("hint", parents=[common], help="one more hint for an exercise, the fix last")
    hinting.add_argument("folder", type=Path, nargs="?", default=Path("."), help="default: .")
    return parser


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
        return value

    return parse


COMMANDS = ("run", "list", "matrix", "diff", "readme", "exercise", "check", "hint", "-h", "--help",
            "--version")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        args.insert(0, "run")  # `lab --json x` and `nox -s scenarios -- ARGS` mean `lab run ARGS`
    options = _parser().parse_args(args)
    terminal = Terminal()
    if options.command == "diff":
        return _diff(options, terminal)
    if options.command == "matrix":
        return _matrix(options, terminal)
    root = options.scenarios_dir or default_scenarios_dir()
    try:
        catalogue = discover(root)
    except ScenarioError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    if options.command == "readme":
        return _readme(catalogue, root.parent / "README.md", check=options.check)
    if options.command in ("exercise", "check", "hint"):
        try:
            if options.command == "exercise":
                return workshop.exercise(catalogue, options.name, options.folder, terminal)
            if options.command == "hint":
                return workshop.hint(catalogue, options.folder, terminal)
            return workshop.check(catalogue, options.folder, terminal, backends=options.backend or BACKENDS,
                                  show_output=options.show_output, timeout=options.timeout)
        except ExerciseError as error:
            print(f"lab: {error}", file=sys.stderr)
            return 2
    if options.command == "list":
        if options.markdown:
            terminal.line(index_markdown(catalogue.scenarios).rstrip("\n"))
            return 1 if catalogue.problems else 0
        chosen = select(catalogue.scenarios, tags=options.tag, difficulty=options.difficulty)
        if options.workshop:
            return workshop.print_workshop(chosen, terminal)
        return _list(chosen, catalogue.problems, terminal)
    return _run(options, catalogue, terminal)


def _quietly_write(path: Path, records: Sequence[Record]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, records)
    except OSError:
        pass  # a read-only checkout: the site then says no run was recorded


def _readme(catalogue: Catalogue, top: Path, *, check: bool) -> int:
    try:
        changed = stale(catalogue.scenarios, top, write=not check)
    except ReadmeError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"{'out of date' if check else 'rewrote'}: {path}")
    return 1 if check and changed else 0


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
        print(f"lab: no scenario matches {unknown[0]!r} (see `lab list`)", file=sys.stderr)
        return 2
    runs = plan(catalogue.scenarios, options.names, options.backend or BACKENDS, options.variant or VARIANTS,
                repeat=options.repeat)
    problems = [Record.for_problem(p) for p in catalogue.problems if matches(options.names, p.name)]
    if not runs and not problems:
        print("lab: no run matches that selection (names, -b, --variant): nothing checked", file=sys.stderr)
        return 1
    terminal.width = max([len(r.scenario.name) for r in runs] + [len(r.scenario) for r in problems] + [8])
    began = time.perf_counter()

    def show(record: Record) -> None:
        terminal.live(record)
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
                      isolation=options.isolation, keep=options.keep, history=DURATIONS)
    except Interrupted as stop:  # Ctrl-C: what finished is still reported, and written
        ran, interrupted = stop.records, True
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
    if not options.stack and not interrupted:  # the catalogue site shows what the last run observed
        _quietly_write(LAST_RUN, records)
    if options.markdown and not interrupted:  # RESULTS.md describes whole runs only
        write_markdown(options.markdown, records)
    if interrupted:
        terminal.line(f"interrupted: {len(ran)} of {len(runs)} runs finished")
        return 130
    return 0 if all(r.ok for r in judged) else 1


def _matrix(options: argparse.Namespace, terminal: Terminal) -> int:
    project = Path(__file__).resolve().parent.parent  # the checkout, installed into each set's venv
    try:
        if not (project / "pyproject.toml").is_file():
            raise StackError(f"{project}: not a checkout of the lab; `lab matrix` installs it into each venv")
        if options.pins:
            stacks = [adhoc(options.pins, options.python, options.pre)]
        else:
            declared = load_stacks(options.stacks_file or project / STACKS_FILE)
            stacks = _chosen(declared, options.stack)
    except StackError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    lab_args = [*options.names, "-j", str(options.workers), "--isolation", options.isolation]
    for backend in options.backend or ():
        lab_args += ["-b", backend]
    for variant in options.variant or ():
        lab_args += ["--variant", variant]
    if options.timeout:
        lab_args += ["--timeout", str(options.timeout)]

    def on_set(result: SetResult) -> None:
        terminal.line(totals([result])[0] if result.status is SetStatus.RAN
                      else f"{result.stack.name}: {result.status}: {result.detail}")
        for record in result.records:
            if not record.ok:
                terminal.live(record)
        if not result.ok and result.log is not None:
            terminal.line(f"    full output: {result.log}")

    began = time.perf_counter()
    scenarios = (options.scenarios_dir or default_scenarios_dir()).resolve()
    results = run_matrix(
        stacks, lab_args, project=project, scenarios=scenarios, venvs=options.venvs.resolve(),
        out=options.out.resolve(), postgres="postgres" in (options.backend or BACKENDS), on_set=on_set,
    )
    terminal.line()
    for line in drift_lines(results):
        terminal.line(line)
    wall = time.perf_counter() - began
    terminal.line(f"matrix: {len(results)} stack sets; {wall:.0f}s wall")
    write_timing(options.out / TIMING_FILE, results, wall)
    records = [r for result in results for r in result.records]
    if options.json:
        write_json(options.json, records)
    if options.junit:
        write_junit(options.junit, results)
    if options.markdown:
        write_drift_markdown(options.markdown, results)
    return 0 if all(result.ok for result in results) else 1


def _chosen(declared: list[Stack], names: list[str] | None) -> list[Stack]:
    if not names:
        return declared
    known = {stack.name: stack for stack in declared}
    for name in names:
        if name not in known:
            raise StackError(f"no stack set named {name!r}; stacks.toml has: {', '.join(known)}")
    return [known[name] for name in names]


def _diff(options: argparse.Namespace, terminal: Terminal) -> int:
    try:
        old_records = read_json(options.old)
        new_records = read_json(options.new) if options.new else old_records
        old = _one_stack(old_records, options.old_stack, options.old)
        new = _one_stack(new_records, options.new_stack, options.new or options.old)
    except ValueError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    changes = diff(old, new)
    before, after = stacks_in(old)[0] or str(options.old), stacks_in(new)[0] or str(options.new)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
        terminal.line(change.line())
    said = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no change"
    terminal.line(f"from {before} to {after}: {said} (failures: {counts.get('appears', 0)} appear, "
                  f"{counts.get('disappears', 0)} disappear)")
    return 1 if changes else 0


def _one_stack(records: list[Record], name: str | None, path: Path) -> list[Record]:
    """The records of one stack set: the one named, or the only one the file holds."""
    found = stacks_in(records)
    if name is None:
        if len(found) > 1:
            raise ValueError(
                f"{path}: holds several stack sets ({', '.join(found)}); "
                "name one with --old-stack or --new-stack"
            )
        return records
    if name not in found:
        raise ValueError(f"{path}: no records of stack set {name!r}; it holds: {', '.join(found) or 'none'}")
    return [r for r in records if r.stack == name]
