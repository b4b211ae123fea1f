"""The `lab` command: `lab [run] [NAME ...]` runs scenarios; `lab list [--markdown]` lists them."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lab import __version__
from lab.classify import Record, Status
from lab.plan import plan
from lab.report import Terminal, index_markdown, write_json, write_markdown
from lab.scenarios import BACKENDS, VARIANTS, Catalogue, ScenarioError, discover
from lab.session import problem_record, run_all

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
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", parents=[common], help="run scenarios; check each variant does as expected")
    run.add_argument("names", nargs="*", help="scenario names, or parts of names (default: all)")
    run.add_argument("-b", "--backend", action="append", choices=BACKENDS, help="repeatable; default: all")
    run.add_argument("--variant", action="append", choices=VARIANTS, help="repeatable; default: both")
    run.add_argument("--json", type=Path, metavar="PATH", help="write one record per run to PATH")
    run.add_argument("--markdown", type=Path, metavar="PATH", help="write a RESULTS.md-style report")
    run.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 1, help="parallel runs")
    run.add_argument("--timeout", type=float, default=None, help="seconds per variant (default 60)")
    run.add_argument("--isolation", choices=("fork", "subprocess"), default="fork",
                     help="fork a preloaded parent (fast, POSIX) or start a fresh interpreter per run")
    run.add_argument("-s", "--show-output", action="store_true",
                     help="print each run's pytest output (the real traceback) after its line")
    run.add_argument("--keep", type=Path, metavar="DIR",
                     help="keep each run's folder in DIR, to run pytest there by hand")

    listing = sub.add_parser("list", parents=[common], help="list the scenarios, their backends and tags")
    listing.add_argument("--markdown", action="store_true", help="print the README's scenario index table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("run", "list", "-h", "--help", "--version"):
        args.insert(0, "run")  # `lab --json x` and `nox -s scenarios -- ARGS` mean `lab run ARGS`
    options = _parser().parse_args(args)
    terminal = Terminal()
    root = options.scenarios_dir or default_scenarios_dir()
    try:
        catalogue = discover(root)
    except ScenarioError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    try:
        if options.command == "list":
            if options.markdown:
                terminal.line(index_markdown(catalogue.scenarios).rstrip("\n"))
                return 1 if catalogue.problems else 0
            return _list(catalogue, terminal)
        return _run(options, catalogue, terminal)
    except BrokenPipeError:  # `lab list | head`
        sys.stderr.close()
        return 0


def _list(catalogue: Catalogue, terminal: Terminal) -> int:
    for scenario in catalogue.scenarios:
        tags = ", ".join(filter(None, [scenario.difficulty, *scenario.tags]))
        terminal.line(f"{scenario.name:<40} {'/'.join(scenario.backends):<16} {tags}")
        terminal.line(f"    {scenario.symptom}")
    for problem in catalogue.problems:
        terminal.line(f"{problem.name:<40} cannot load: {problem.message}")
    return 1 if catalogue.problems else 0


def _run(options: argparse.Namespace, catalogue: Catalogue, terminal: Terminal) -> int:
    unknown = [n for n in options.names if not any(n in s.name for s in catalogue.scenarios)]
    unknown = [n for n in unknown if not any(n in p.name for p in catalogue.problems)]
    if unknown:
        print(f"lab: no scenario matches {unknown[0]!r} (see `lab list`)", file=sys.stderr)
        return 2
    runs = plan(catalogue.scenarios, options.names, options.backend or BACKENDS, options.variant or VARIANTS)
    names = [r.scenario.name for r in runs] + [p.name for p in catalogue.problems]
    terminal.width = max([len(name) for name in names] + [8])
    began = time.perf_counter()
    records: list[Record] = []

    def on_record(record: Record) -> None:
        records.append(record)
        terminal.live(record)
        if options.show_output and record.output:
            terminal.line(record.output)
        elif record.status in SHOW_TAIL and record.output:
            terminal.tail(record)

    for problem in catalogue.problems:
        if not options.names or any(n in problem.name for n in options.names):
            on_record(problem_record(problem))
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    run_all(runs, on_record, workers=options.workers, timeout=options.timeout,
            isolation=options.isolation, keep=options.keep)
    wall = time.perf_counter() - began
    terminal.summary(records, wall)
    if options.json:
        write_json(options.json, records)
    if options.markdown:
        write_markdown(options.markdown, records)
    return 0 if records and all(r.status is Status.AS_EXPECTED for r in records) else 1
