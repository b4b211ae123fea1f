"""`python -m lab.recipes`: run every strategy's rounds, print the table and the claims' verdicts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lab.core.databases import PostgresServer, Servers
from lab.core.report import RECIPES_SECTION, write_section
from lab.core.scenarios import BACKENDS
from lab.recipes import claims as claims_file
from lab.recipes.claims import load_claims, verdict
from lab.recipes.judging import Run, summarize
from lab.recipes.render import _rounds, machine, plot, render_markdown, render_text
from lab.recipes.strategies import discover
from lab.recipes.timing import count_tests, measure, server_version

DESCRIPTION = "Test-isolation recipes compared on one test suite, on SQLite and PostgreSQL, in ms per test."

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab.recipes", description=DESCRIPTION)
    parser.add_argument("--rounds", type=int, default=3, help="sessions per strategy and backend (default 3)")
    parser.add_argument("-b", "--backend", action="append", choices=BACKENDS, help="repeatable; default: all")
    parser.add_argument("--strategy", action="append", help="repeatable; default: every folder")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per session (default 600)")
    parser.add_argument("--markdown", type=Path, help="write the table between recipes markers in this file")
    parser.add_argument("--plot", type=Path, help="a bar chart PNG (needs matplotlib)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    strategies = discover()
    if args.strategy:
        unknown = set(args.strategy) - {s.name for s in strategies}
        if unknown:
            raise SystemExit(f"no such strategy: {', '.join(sorted(unknown))}")
        strategies = [s for s in strategies if s.name in args.strategy]
    backends = [b for b in BACKENDS if b in (args.backend or BACKENDS)]
    try:
        claims = load_claims(claims_file.CLAIMS, known=[s.name for s in discover()])
    except (OSError, ValueError) as error:  # the table is still worth having without the verdicts
        print(f"claims not checked: {error}", file=sys.stderr)
        claims = None
    expected = count_tests()  # also warms the file cache for the first timed run
    print(f"{len(strategies)} strategies, {expected} tests each, {_rounds(args.rounds)}", flush=True)
    runs: list[Run] = []
    postgres = None
    with Servers() as servers:
        # Rounds outermost: on a shared machine, a slow minute then weighs on every strategy alike
        for round_ in range(1, args.rounds + 1):
            for backend in backends:
                for strategy in strategies:
                    if backend not in strategy.backends or _failed(runs, strategy.name, backend):
                        continue
                    run = measure(strategy, servers[backend], expected, args.timeout)
                    runs.append(run)
                    _progress(round_, args.rounds, run)
        if "postgres" in backends and runs:
            pg = servers["postgres"]
            postgres = server_version(pg) if isinstance(pg, PostgresServer) else None
    rows = summarize(runs, strategies, backends)
    print()
    print(render_text(rows))
    about = machine(postgres)
    verdicts = [verdict(claim, rows) for claim in claims or ()]
    print("".join(f"\n- {line}" for line in verdicts))
    print(f"\n{about}")
    if args.markdown:
        block = render_markdown(rows, strategies, args.rounds, about, verdicts)
        write_section(args.markdown, block, RECIPES_SECTION)
        print(f"table written to {args.markdown}")
    if args.plot:
        print(plot(rows, args.plot))
    return 1 if claims is None or any(row.note.startswith("FAILED") for row in rows) else 0


def _failed(runs: Sequence[Run], strategy: str, backend: str) -> bool:
    """A strategy that failed a round is not run again there: its verdict is made."""
    return any(r.reason for r in runs if (r.strategy, r.backend) == (strategy, backend))


def _progress(round_: int, rounds: int, run: Run) -> None:
    figure = f"{run.ms_per_test:8.1f} ms/test" if run.ms_per_test is not None else f"FAILED: {run.reason}"
    if run.fixtures is not None:
        figure += f"  ({run.fixtures:.1f} in setup+teardown)"
    print(f"round {round_}/{rounds}  {run.backend:<8} {run.strategy:<12} {figure}", flush=True)
