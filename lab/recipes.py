"""`python -m lab.recipes`: test-isolation recipes compared on one test suite, on SQLite and PostgreSQL, in
milliseconds per test.

Each folder of `recipes/strategies/` is a conftest (with its `pytest.ini`) for the same suite,
`recipes/suite/`, whose every test begins by checking that the users table is empty and then writes to it:
a strategy is timed only when the whole suite passed under it, so every figure is that of a recipe that
really isolated every test. Each run is its own pytest session in a fresh interpreter, on a fresh database.
Figures only, never assertions: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lab.bench import percentile
from lab.databases import Database, PostgresServer, ProvisionError, Servers, SqliteServer
from lab.expectations import installed_version
from lab.recipe_phases import ENV as PHASES_ENV
from lab.report import RECIPES_SECTION, write_section
from lab.scenarios import BACKENDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "recipes"
MANIFEST = "strategy.toml"
CLAIMS = RECIPES / "claims.toml"
# The versions that decide what a recipe costs, printed with every table
PACKAGES = ("sqlalchemy", "asyncpg", "aiosqlite", "pytest", "pytest-asyncio", "fastapi", "starlette", "httpx")
PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "lab.recipe_phases")
OPEN, CLOSE = "<!-- recipes -->", "<!-- /recipes -->"  # what `lab.report.RECIPES_SECTION` finds
# pytest's short summary, one line per test that failed or errored: the first is the reason shown
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) .*$", re.M)
REASON_WIDTH = 160


@dataclass(frozen=True)
class Strategy:
    """One folder of `recipes/strategies/`: its conftest, and what `strategy.toml` says about it.

    `path` is the folder whose conftest.py and pytest.ini the suite runs with: the strategy's own, or the one
    its `source` names (`recommended`, so that the benchmark times the very conftest the lab recommends).
    """

    name: str
    path: Path
    summary: str
    backends: tuple[str, ...] = BACKENDS
    # Databases its conftest makes beside the run's own ("{name}_tpl"), dropped after the run in case it died
    databases: tuple[str, ...] = ()

    def extra_databases(self, name: str) -> list[str]:
        return [pattern.format(name=name) for pattern in self.databases]


@dataclass(frozen=True)
class Session:
    """What pytest's JUnit XML says of one session."""

    tests: int
    failures: int
    errors: int
    skipped: int
    seconds: float


@dataclass(frozen=True)
class Run:
    """One pytest session of the suite under one strategy on one backend: its ms per test, or why none."""

    strategy: str
    backend: str
    tests: int
    ms_per_test: float | None
    reason: str | None = None  # set when the run does not count: a test failed, or the run itself did
    fixtures: float | None = None  # ms per test in setup and teardown: what the strategy's fixtures cost


@dataclass(frozen=True)
class Row:
    """One line of the table: a strategy on a backend, over every round."""

    strategy: str
    backend: str
    tests: int | None = None
    median: float | None = None
    p90: float | None = None
    relative: float | None = None  # the median over the fastest median on the same backend
    note: str = ""  # `FAILED: why`, or `n/a (...)` when the strategy does not support the backend
    fixtures: float | None = None  # median over the rounds of setup + teardown ms per test
    best: float | None = None  # the fastest round's ms per test: with p90, the spread a verdict must clear


@dataclass(frozen=True)
class Claim:
    """What a guide says about recipes: `faster` beats `than`, or `fails` cannot isolate on `backend`."""

    says: str
    faster: str = ""
    than: str = ""
    fails: str = ""
    backend: str = ""


def load_claims(path: Path = CLAIMS, known: Sequence[str] = ()) -> list[Claim]:
    """The claims file, each entry checked: a misspelt strategy would otherwise never get a verdict."""
    entries = tomllib.loads(path.read_text()).get("claim", [])
    claims = []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}: claim {number}"
        try:
            claim = Claim(**entry)
        except TypeError as error:
            raise ValueError(f"{where}: {error}") from None
        named = [claim.faster, claim.than] if claim.faster or claim.than else [claim.fails]
        if not claim.says or not all(named) or bool(claim.fails) == bool(claim.faster):
            raise ValueError(f"{where}: needs `says` and either `faster` + `than` or `fails` + `backend`")
        if claim.fails and claim.backend not in BACKENDS:
            raise ValueError(f"{where}: backend {claim.backend!r} is not one of {BACKENDS}")
        unknown = [name for name in named if known and name not in known]
        if unknown:
            raise ValueError(f"{where}: no strategy named {', '.join(unknown)}")
        claims.append(claim)
    return claims


def verdict(claim: Claim, rows: Sequence[Row]) -> str:
    """One line saying whether the table bears `claim` out, with the figures that decide it.

    `faster` holds only when its slowest round (p90) beat every round of `than`, and fails only when its
    fastest round lost to every round of `than`; rounds that overlap decide nothing.
    """
    timed = {(r.strategy, r.backend): r for r in rows}
    if claim.fails:
        row = next((r for r in rows if (r.strategy, r.backend) == (claim.fails, claim.backend)), None)
        if row is None or row.note.startswith("n/a"):
            return f"{claim.says}: not measured"
        if row.median is None:
            return f"{claim.says}: holds, `{claim.fails}` failed on {claim.backend}"
        return f"{claim.says}: does not hold, `{claim.fails}` isolated every test on {claim.backend}"
    found = []
    for backend in BACKENDS:
        a, b = _spread(timed.get((claim.faster, backend))), _spread(timed.get((claim.than, backend)))
        if a is None or b is None:
            continue
        (a_best, a_median, a_p90), (b_best, b_median, b_p90) = a, b
        if a_p90 < b_best:
            word = "holds"
        elif a_best > b_p90:
            word = "does not hold"
        else:
            word = "no clear difference, the rounds overlap,"
        found.append(f"{word} on {backend} (`{claim.faster}` {a_median:.1f} ms/test, "
                     f"`{claim.than}` {b_median:.1f}: {a_median / b_median:.2f}x)")
    return f"{claim.says}: " + ("; ".join(found) if found else "not measured")


def _spread(row: Row | None) -> tuple[float, float, float] | None:
    """A timed row's fastest round, median and p90; None for a row that was not timed."""
    if row is None or row.best is None or row.median is None or row.p90 is None:
        return None
    return row.best, row.median, row.p90


def discover(root: Path = RECIPES / "strategies") -> list[Strategy]:
    """Every strategy folder (one holding a conftest.py or a strategy.toml), by name."""
    found = []
    folders = (p for p in root.iterdir() if (p / "conftest.py").is_file() or (p / MANIFEST).is_file())
    for folder in sorted(folders):
        manifest = folder / MANIFEST
        data = tomllib.loads(manifest.read_text()) if manifest.is_file() else {}
        backends = tuple(data.get("backends", BACKENDS))
        unknown = set(backends) - set(BACKENDS)
        if unknown:  # a misspelt backend would otherwise only ever show as n/a
            raise ValueError(f"{manifest}: unknown backends {sorted(unknown)}, expected some of {BACKENDS}")
        files = ROOT / data["source"] if "source" in data else folder
        if not (files / "conftest.py").is_file():
            raise ValueError(f"{manifest}: no conftest.py in {files}")
        found.append(Strategy(
            name=folder.name,
            path=files,
            summary=str(data.get("summary", "")),
            backends=backends,
            databases=tuple(data.get("databases", ())),
        ))
    return found


def parse_junit(text: str) -> Session:
    """Sum every `<testsuite>` of a JUnit report; its `time` is pytest's own session time."""
    root = ElementTree.fromstring(text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")

    def total(key: str) -> int:
        return sum(int(suite.get(key, 0)) for suite in suites)

    seconds = sum(float(suite.get("time", 0.0)) for suite in suites)
    return Session(total("tests"), total("failures"), total("errors"), total("skipped"), seconds)


def collected(output: str) -> int:
    """How many tests `pytest --collect-only -q` listed: one node id per line."""
    return sum(1 for line in output.splitlines() if "::" in line and not line.startswith(" "))


def first_failure(output: str) -> str:
    """The line that best says why a session failed: pytest's first FAILED/ERROR line, else its last line."""
    found = SUMMARY_LINE.search(output)
    lines = [line for line in output.splitlines() if line.strip()]
    line = found.group(0) if found else (lines[-1] if lines else "no output")
    return line if len(line) <= REASON_WIDTH else line[: REASON_WIDTH - 3] + "..."


def judge(session: Session | None, returncode: int, expected: int, output: str) -> str | None:
    """Why a session does not count, or None when every test of the suite ran and passed."""
    if session is None:
        return f"pytest wrote no report (exit {returncode}): {first_failure(output)}"
    if session.failures or session.errors:
        return f"{session.failures} failed, {session.errors} errors; {first_failure(output)}"
    if session.skipped:
        return f"{session.skipped} of {session.tests} tests skipped"
    if session.tests != expected:
        # A conftest that deselects or fails to collect tests would otherwise look fast
        return f"ran {session.tests} of the suite's {expected} tests"
    if returncode != 0:
        return f"pytest exited with {returncode}: {first_failure(output)}"
    return None


def per_test(session: Session) -> float:
    """Milliseconds per test: the whole session (collection, fixtures, tests) shared out evenly."""
    return 1000.0 * session.seconds / session.tests if session.tests else 0.0


def fixtures_per_test(phases: dict[str, float], tests: int) -> float | None:
    """Milliseconds per test in setup and teardown, from `lab.recipe_phases`' sums; None without them."""
    if not tests or "setup" not in phases:
        return None
    return 1000.0 * (phases.get("setup", 0.0) + phases.get("teardown", 0.0)) / tests


def summarize(runs: Sequence[Run], strategies: Sequence[Strategy], backends: Sequence[str]) -> list[Row]:
    """One row per strategy × backend: the fastest first on each backend, then failures, then n/a.

    A strategy fails on a backend when any of its rounds did; the first failing round says why.
    """
    rows = []
    for backend in backends:
        timed: list[Row] = []
        others: list[Row] = []
        for strategy in strategies:
            if backend not in strategy.backends:
                only = ", ".join(strategy.backends)
                others.append(Row(strategy.name, backend, note=f"n/a ({only} only)"))
                continue
            mine = [r for r in runs if (r.strategy, r.backend) == (strategy.name, backend)]
            failed = next((r for r in mine if r.reason), None)
            figures = [r.ms_per_test for r in mine if r.ms_per_test is not None]
            if failed or not figures:
                why = failed.reason if failed else "not run"
                others.append(Row(strategy.name, backend, note=f"FAILED: {why}"))
                continue
            split = [r.fixtures for r in mine if r.fixtures is not None]
            timed.append(Row(strategy.name, backend, mine[0].tests, statistics.median(figures),
                             percentile(figures, 0.9), fixtures=statistics.median(split) if split else None,
                             best=min(figures)))
        timed.sort(key=lambda row: row.median or 0.0)
        fastest = timed[0].median if timed else None
        rows += [_relative_to(row, fastest) for row in timed] + sorted(others, key=lambda r: r.note)
    return rows


def _relative_to(row: Row, fastest: float | None) -> Row:
    if row.median is None or not fastest:
        return row
    return Row(row.strategy, row.backend, row.tests, row.median, row.p90, row.median / fastest,
               fixtures=row.fixtures, best=row.best)


HEADER = ("strategy", "backend", "tests", "median ms/test", "p90 ms/test", "setup+teardown ms/test",
          "vs fastest")


def cells(row: Row) -> list[str]:
    """A row as the table shows it; a failed or n/a row says why in its last column."""
    if row.median is None:
        return [row.strategy, row.backend, "", "", "", "", row.note]
    relative = f"{row.relative:.2f}x" if row.relative is not None else ""
    fixtures = f"{row.fixtures:.1f}" if row.fixtures is not None else ""
    return [row.strategy, row.backend, str(row.tests), f"{row.median:.1f}", f"{row.p90:.1f}", fixtures,
            relative]


def render_text(rows: Sequence[Row]) -> str:
    """The table for a terminal: columns padded, figures right-aligned, a failure's reason left whole."""
    table = [list(HEADER), *(cells(row) for row in rows)]
    last = len(HEADER) - 1
    widths = [max(len(line[i]) for line in table if line[i] and (i < last or line[2]))
              for i in range(len(HEADER))]
    lines = []
    for line in table:
        if line is not table[0] and not line[2]:  # FAILED / n/a: the reason runs on past the columns
            lines.append(f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  {line[last]}")
            continue
        lefts = [f"{line[i]:<{widths[i]}}" for i in (0, 1)]
        rights = [f"{line[i]:>{widths[i]}}" for i in range(2, len(HEADER))]
        lines.append("  ".join(lefts + rights).rstrip())
    return "\n".join(lines)


def render_markdown(rows: Sequence[Row], strategies: Sequence[Strategy], rounds: int, machine: str,
                    verdicts: Sequence[str] = ()) -> str:
    """The block `--markdown` writes: the table, what each strategy does, the claims checked against the
    table, how it was measured, on what."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [OPEN, "## Test-isolation recipes, measured", "",
             f"Generated by `nox -s recipes -- --markdown RESULTS.md` on {stamp}; `recipes/README.md` says "
             "what it runs.", "", "| " + " | ".join(HEADER) + " |", "|---|---|---:|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |" for row in rows]
    lines += ["", "| strategy | what it does |", "|---|---|"]
    lines += [f"| `{s.name}` | {s.summary} |" for s in strategies]
    if verdicts:
        lines += ["", "What guides claim, against this table:", ""] + [f"- {line}" for line in verdicts]
    lines += [
        "",
        f"{_rounds(rounds)} of every strategy on every backend, interleaved; each round one pytest session "
        "in a fresh interpreter on a fresh database. ms/test is pytest's own session time (JUnit `time`: "
        "collection, fixtures and tests) over the number of tests; p90 is over the rounds. setup+teardown "
        "is the time pytest reports for the tests' setup and teardown phases, per test: what the strategy's "
        "fixtures cost, apart from the test bodies every strategy runs alike. A strategy is timed only when "
        "every test of the suite ran and passed, each starting from an empty table.",
        "",
        f"Machine: {machine}.",
        CLOSE,
        "",
    ]
    return "\n".join(lines)


def machine(postgres: str | None = None) -> str:
    """Cores, OS, Python, the versions that matter, and the PostgreSQL server when one was used."""
    found = [f"{name} {installed_version(name) or 'not installed'}" for name in PACKAGES]
    parts = [f"{os.cpu_count() or 1} cores", platform.system(), f"Python {platform.python_version()}",
             ", ".join(found)]
    if postgres:
        parts.append(f"PostgreSQL {postgres}")
    return "; ".join(parts)


def plot(rows: Sequence[Row], path: Path) -> str:
    """A bar chart of median ms/test, a panel per backend; matplotlib is optional, so say when absent."""
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")  # no display needed, and none wanted
        pyplot = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        return "no plot: matplotlib is not installed (`pip install matplotlib`)"
    backends = [b for b in BACKENDS if any(r.backend == b and r.median is not None for r in rows)]
    if not backends:
        return "no plot: no strategy passed"
    figure, axes = pyplot.subplots(1, len(backends), figsize=(6 * len(backends), 4), squeeze=False)
    for axis, backend in zip(axes[0], backends, strict=True):
        timed = [r for r in rows if r.backend == backend and r.median is not None]
        names = [r.strategy for r in timed]
        axis.barh(names, [r.median for r in timed], color="tab:blue", label="the whole test")
        # Drawn over it: the part the recipe's own fixtures cost, the rest being the tests' bodies
        axis.barh(names, [r.fixtures or 0.0 for r in timed], color="tab:orange", label="setup+teardown")
        axis.invert_yaxis()  # the fastest on top, as in the table
        axis.set_title(backend)
        axis.set_xlabel("median ms per test")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    figure.tight_layout(rect=(0, 0.07, 1, 1))  # room below the panels for the legend
    figure.savefig(path)
    pyplot.close(figure)
    return f"plot written to {path}"


def prepare(strategy: Strategy, workdir: Path) -> None:
    """The suite in `tests/`, the strategy's conftest and pytest.ini beside it: a project as a user has it."""
    shutil.copytree(RECIPES / "suite", workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for source in strategy.path.iterdir():
        if source.name in ("conftest.py", "pytest.ini"):
            shutil.copy(source, workdir / source.name)


def child_env(database_url: str | None = None) -> dict[str, str]:
    """The run's environment: its database, and the checkout first on the path (shared_app, uninstalled)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def count_tests() -> int:
    """How many tests the suite has, collected without any strategy: what every run must run."""
    with tempfile.TemporaryDirectory(prefix="lab-recipes-") as scratch:
        workdir = Path(scratch)
        shutil.copytree(RECIPES / "suite", workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        (workdir / "pytest.ini").write_text("[pytest]\n")
        done = subprocess.run([sys.executable, *PYTEST, "--collect-only"], cwd=workdir, env=child_env(),
                              capture_output=True, text=True, check=False)
    count = collected(done.stdout)
    if done.returncode != 0 or not count:
        raise SystemExit(f"the suite does not collect:\n{done.stdout}{done.stderr}")
    return count


def run_once(strategy: Strategy, database: Database, expected: int, timeout: float) -> Run:
    """One pytest session of the suite under `strategy` on `database`, in a fresh folder and interpreter."""
    with tempfile.TemporaryDirectory(prefix="lab-recipes-") as scratch:
        workdir = Path(scratch)
        prepare(strategy, workdir)
        report, phases_file = workdir / "junit.xml", workdir / "phases.json"
        command = [sys.executable, *PYTEST, f"--junitxml={report}"]
        env = {**child_env(database.url), PHASES_ENV: str(phases_file)}
        try:
            done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Run(strategy.name, database.backend, 0, None, f"timed out after {timeout:.0f} s")
        session = parse_junit(report.read_text()) if report.is_file() else None
        phases = json.loads(phases_file.read_text()) if phases_file.is_file() else {}
    reason = judge(session, done.returncode, expected, done.stdout + done.stderr)
    if reason or session is None:
        return Run(strategy.name, database.backend, session.tests if session else 0, None, reason)
    return Run(strategy.name, database.backend, session.tests, per_test(session), None,
               fixtures_per_test(phases, session.tests))


def measure(strategy: Strategy, server: SqliteServer | PostgresServer, expected: int, timeout: float) -> Run:
    """One round: a fresh database made for the run, and dropped after it with any its conftest made."""
    try:
        database = server.create(f"recipes_{strategy.name}")
    except ProvisionError as error:
        return Run(strategy.name, server.backend, 0, None, f"no database: {error}")
    try:
        return run_once(strategy, database, expected, timeout)
    finally:
        server.drop(database)
        for name in strategy.extra_databases(database.name):
            server.drop(Database(server.backend, "", name))


def server_version(server: PostgresServer) -> str | None:
    """The PostgreSQL server's version, for the machine line; None when it cannot be asked."""
    dsn = server.admin_url().set(drivername="postgresql").render_as_string(hide_password=False)

    async def ask() -> str:
        import asyncpg

        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        return asyncio.run(ask()).split()[0]
    except Exception:  # a figure for the footnote, never a reason to lose the table
        return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab.recipes", description=__doc__.split("\n\n")[0])
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
        claims = load_claims(CLAIMS, known=[s.name for s in discover()])
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


def _rounds(count: int) -> str:
    return f"{count} round" + ("" if count == 1 else "s")


def _failed(runs: Sequence[Run], strategy: str, backend: str) -> bool:
    """A strategy that failed a round is not run again there: its verdict is made."""
    return any(r.reason for r in runs if (r.strategy, r.backend) == (strategy, backend))


def _progress(round_: int, rounds: int, run: Run) -> None:
    figure = f"{run.ms_per_test:8.1f} ms/test" if run.ms_per_test is not None else f"FAILED: {run.reason}"
    if run.fixtures is not None:
        figure += f"  ({run.fixtures:.1f} in setup+teardown)"
    print(f"round {round_}/{rounds}  {run.backend:<8} {run.strategy:<12} {figure}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
