"""The `lab` command: parse the command line, then hand it to the command's own function.

`lab [run] [NAME ...]` runs scenarios; each other subcommand belongs to one package (see `lab/__init__.py`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lab import __version__
from lab.core.command import UsageError, catalogue, list_command, run_command
from lab.core.explain import add_parser as add_explain_parser
from lab.core.explain import explain_command
from lab.core.report import Terminal
from lab.core.scenarios import BACKENDS, DIFFICULTIES, VARIANTS
from lab.core.state import state_dir
from lab.docs.command import readme_command
from lab.doctor.command import add_arguments as add_doctor_arguments
from lab.doctor.command import doctor_command
from lab.matrix.command import diff_command, matrix_command, merge_command
from lab.usage import EXAMPLES, Parser, mistyped_command
from lab.workshop.command import check_command, exercise_command, hint_command, workshop_command

Command = Callable[[argparse.Namespace, Terminal], int]


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="lab", description="Run the async-testing failure lab.", epilog=EXAMPLES,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = Parser(add_help=False)
    common.add_argument("--scenarios-dir", type=Path, default=None, help="default: ./scenarios")
    selection = Parser(add_help=False)
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
    run.add_argument("--guard", action="store_true",
                     help="load lab guard into every run (`-p lab.guard`); each record gets its findings")
    run.add_argument("-v", "--verbose", action="count", default=0,
                     help="a line for every run, also on a terminal (where only failures get one)")
    run.add_argument("-q", "--quiet", action="count", default=0, help="a line for failures only")
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
    matrix.add_argument("--out", type=Path, default=state_dir() / "matrix",
                        help="where each set's records and log go (default: .lab/matrix)")
    matrix.add_argument("--venvs", type=Path, default=Path(".nox/stacks"),
                        help="where each set's venv lives, reused between runs (default: .nox/stacks)")

    matrix.add_argument("--shard", metavar="K/N",
                        help="run only the K-th of N shards: the sets split by their last wall time")
    matrix.add_argument("--report", type=Path, metavar="PATH",
                        help="write this run's sets and records to PATH, for `lab merge`")
    matrix.add_argument("--list-shards", type=_positive(int), metavar="N",
                        help='print the non-empty shards of an N-way split, as JSON ["1/N", ...]')

    merging = sub.add_parser("merge", help="the reports of `lab matrix --shard K/N --report` as one run")
    merging.add_argument("reports", type=Path, nargs="+", metavar="REPORT", help="one report per shard")
    merging.add_argument("--json", type=Path, metavar="PATH", help="write every record of every set to PATH")
    merging.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML to PATH")
    merging.add_argument("--markdown", type=Path, metavar="PATH",
                         help="write the drift table into PATH's matrix section (RESULTS.md)")
    merging.add_argument("--out", type=Path, default=state_dir() / "matrix",
                         help="where the sets' wall times go, for the next split (default: .lab/matrix)")

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
    doctor = sub.add_parser("doctor", help="look for the catalogue's failure modes in a project's test setup")
    add_doctor_arguments(doctor)
    add_explain_parser(sub, [common])
    return parser


def _names_a_scenario(word: str) -> bool:
    """Some scenario of the checkout's catalogue has `word` in its name: `lab WORD` then runs it."""
    try:
        found = catalogue(argparse.Namespace(scenarios_dir=None))
    except UsageError:
        return False
    return any(word in name for name in [s.name for s in found.scenarios] + [p.name for p in found.problems])


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


COMMANDS: dict[str, Command] = {
    "run": run_command,
    "list": list_command,
    "matrix": matrix_command,
    "diff": diff_command,
    "merge": merge_command,
    "readme": readme_command,
    "exercise": exercise_command,
    "check": check_command,
    "hint": hint_command,
    "doctor": doctor_command,
    "explain": explain_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # as pytest, ruff and nox do not: the whole catalogue takes minutes, so say what there is
        _parser().print_help()
        return 0
    if args[0] == "bench":
        from lab.bench import main as bench

        return bench(args[1:])
    if args[0] not in (*COMMANDS, "-h", "--help", "--version"):
        typo = mistyped_command(args[0], [*COMMANDS, "bench"])
        if typo and not _names_a_scenario(args[0]):
            print(f"lab: {typo} (see `lab --help`)", file=sys.stderr)
            return 2
        args.insert(0, "run")  # `lab 01 --json x` means `lab run 01 --json x`
    options = _parser().parse_args(args)
    command = COMMANDS[options.command]
    if options.command == "list" and options.workshop:
        command = workshop_command
    try:
        return command(options, Terminal())
    except UsageError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before any run started, or after the last: nothing is left to clean up
        print("lab: interrupted", file=sys.stderr)
        return 130
