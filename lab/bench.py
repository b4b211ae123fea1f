"""`nox -s bench`: where a run's time goes, what the lab adds to pytest's own time, and forking vs a fresh
interpreter per run, measured side by side in the same invocation.

Figures only, never assertions: timing depends on the machine. Extra arguments go to `lab run` (a
selection, `-j`, `-b`); `-- --matrix [ARGS]` times the version matrix instead (ARGS go to `lab matrix`);
`-- --guard` only what `-p lab.guard` costs the recipes suite per test.
`-- --doctor` prints only `lab doctor`'s files per second on a generated tree of 2,000 files.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab.core.databases import Servers
from lab.core.runner import STAGES
from lab.core.scenarios import default_scenarios_dir
from lab.core.state import state_dir
from lab.doctor import check
from lab.doctor.pins import Pins
from lab.matrix.run import TIMING_FILE
from lab.recipes.strategies import discover
from lab.recipes.timing import count_tests, measure

# The stages of a run, in the order they happen: the parent's, then the run's own (runner.STAGES).
ORDER = ("provision", *(name for name, _, _ in STAGES), "cleanup")
# Side by side: the same SQLite runs, forked from a preloaded parent and in a fresh interpreter each.
COMPARE = ("01", "05", "06", "07", "12", "24", "25", "29")


def timed_run(args: Sequence[str]) -> tuple[float, list[dict[str, Any]]]:
    """Wall time and records of one `lab run`, its own output hidden."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "records.json"
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lab", "run", "--json", str(out), *args],
                       stdout=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - began
        return wall, (json.loads(out.read_text()) if out.is_file() else [])


def percentile(values: Sequence[float], share: float) -> float:
    """The value `share` of the way up the sorted values (0.9: the p90), or 0.0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def overhead(record: dict[str, Any]) -> float:
    """What the lab adds to a run: its wall time beyond pytest's own session time."""
    return float(record["seconds"]) - float(record["stages"].get("session", record["seconds"]))


def floor(records: Sequence[dict[str, Any]], workers: int) -> float:
    """The least wall time any scheduler could take: the runs' own time shared over the workers, or the
    longest run if that is longer. A run's own time is pytest's session, or the whole run when it has none
    (killed at its time limit: a scenario that is meant to hang spends that time by design)."""
    own = [float(r["stages"].get("session", r["seconds"])) for r in records]
    return max(sum(own) / max(1, workers), max(own, default=0.0))


def breakdown(title: str, record: dict[str, Any]) -> None:
    stages = record["stages"]
    name = f"{record['scenario']} {record['variant']} {record['backend']}"
    session = stages.get("session", 0.0)
    print(f"{title}: {name}, {record['seconds']:.2f} s; pytest's own session {session:.2f} s")
    for stage in ORDER:
        if stage in stages:
            print(f"    {stage:<10} {stages[stage] * 1000:8.0f} ms")


def catalogue_figures(argv: Sequence[str]) -> None:
    wall, records = timed_run(argv)
    timed = [r for r in records if r.get("stages", {}).get("session") is not None]
    if not timed:
        print("no timed runs (nothing selected, or every run failed to start)")
        return
    by_time = sorted(timed, key=lambda r: r["seconds"])
    breakdown("typical run (the median)", by_time[len(by_time) // 2])
    breakdown("slowest run", by_time[-1])
    print()
    print(f"{'stage':<10} {'median ms':>10} {'p90 ms':>8}   over {len(timed)} runs")
    for stage in (*ORDER, "session"):
        values = [r["stages"][stage] for r in timed if stage in r["stages"]]
        if values:
            median, p90 = statistics.median(values), percentile(values, 0.9)
            print(f"{stage:<10} {median * 1000:10.0f} {p90 * 1000:8.0f}")
    extra = [overhead(r) for r in timed]
    print(f"{'overhead':<10} {statistics.median(extra) * 1000:10.0f} {percentile(extra, 0.9) * 1000:8.0f}"
          "   (run wall - pytest's session)")
    print()
    workers = _workers(argv)
    print(f"whole selection: {len(records)} runs, {wall:.1f} s wall, -j {workers} "
          "(includes the lab's start-up and, without TEST_DATABASE_URL, the embedded PostgreSQL's)")
    print(f"floor: {floor(records, int(workers)):.1f} s, the runs' own time over {workers} workers "
          "(pytest's sessions, and the time limit of a run that hangs): no scheduler can finish sooner")


def side_by_side(argv: Sequence[str], rounds: int = 3) -> None:
    """The same runs, forked and in a fresh interpreter each, alternating, `rounds` times each."""
    selection = [*COMPARE, "-b", "sqlite", "-j", _workers(argv)]
    walls: dict[str, list[float]] = {"fork": [], "subprocess": []}
    runs: dict[str, list[float]] = {"fork": [], "subprocess": []}  # median seconds of one run, each round
    for _ in range(rounds):
        for isolation in walls:
            wall, records = timed_run([*selection, "--isolation", isolation])
            walls[isolation].append(wall)
            runs[isolation].append(statistics.median(r["seconds"] for r in records) if records else 0.0)
    fork, fresh = (statistics.median(walls[k]) for k in ("fork", "subprocess"))
    one_fork, one_fresh = (statistics.median(runs[k]) for k in ("fork", "subprocess"))
    print(f"side by side, {len(COMPARE) * 2} SQLite runs, median of {rounds} rounds:")
    print(f"    whole `lab run`: forked {fork:.1f} s, fresh interpreter per run {fresh:.1f} s: "
          f"{fresh / fork:.1f}x (both include the lab's own start-up, forked also its preloading)")
    print(f"    one run (median): forked {one_fork:.2f} s, fresh interpreter {one_fresh:.2f} s: "
          f"{one_fresh / one_fork:.1f}x")


def guard_overhead(rounds: int = 5, recipe: str = "savepoint", backend: str = "sqlite") -> None:
    """The recipes suite with and without `-p lab.guard`, alternating, `rounds` times each: ms per test."""
    (strategy,) = [s for s in discover() if s.name == recipe]
    expected = count_tests()
    per_test: dict[str, list[float]] = {"without": [], "with": []}
    with Servers() as servers:
        for _ in range(rounds):
            for label, extra in (("without", ()), ("with", ("-p", "lab.guard"))):
                run = measure(strategy, servers[backend], expected, 600.0, extra)
                if run.ms_per_test is None:
                    print(f"guard overhead: the {label} run failed: {run.reason}")
                    return
                per_test[label].append(run.ms_per_test)
    without, with_ = (statistics.median(per_test[k]) for k in ("without", "with"))
    print(f"lab guard, the recipes suite ({expected} tests, `{recipe}`, {backend}), "
          f"median of {rounds} rounds side by side:")
    print(f"    without {without:.2f} ms per test, with `-p lab.guard` {with_:.2f} ms: "
          f"{with_ / without:.3f}x ({100 * (with_ / without - 1):+.1f} %; target at most +5 %)")


def matrix_figures(argv: list[str]) -> None:
    """The version matrix's wall time: run now with `--matrix` (warm when the venvs exist), else the last."""
    timing = state_dir() / "matrix" / TIMING_FILE
    if "--matrix" in argv:
        subprocess.run([sys.executable, "-m", "lab", "matrix", *[a for a in argv if a != "--matrix"]],
                       stdout=subprocess.DEVNULL, check=False)
    if not timing.is_file():
        print("version matrix: not run yet (`nox -s bench -- --matrix`, or `nox -s matrix`)")
        return
    data = json.loads(timing.read_text())
    ran = "now" if "--matrix" in argv else f"last run, {timing}"
    print(f"version matrix ({ran}): {len(data['sets'])} stack sets, {data['wall']:.0f} s wall")
    for name, figures in data["sets"].items():
        status, runs, seconds = figures["status"], figures["runs"], figures["seconds"]
        print(f"    {name:<24} {status:<15} {runs:>4} runs {seconds:>7.1f} s")


def doctor_tree(root: Path, files: int = 2000, per_package: int = 10) -> int:
    """A generated project of `files` test files and conftests: packages of one conftest and test modules,
    their text the catalogue's own broken conftests and tests, in turn. Returns how many it wrote."""
    scenarios = sorted(p for p in default_scenarios_dir().glob("[0-9]*") if (p / "broken").is_dir())
    conftests = [c.read_text() for p in scenarios if (c := p / "broken" / "conftest.py").is_file()]
    tests = [t.read_text() for p in scenarios for t in sorted((p / "tests").glob("test_*.py"))]
    (root / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    written = 0
    for package in range(files // per_package):
        folder = root / f"pkg{package:04d}"
        folder.mkdir(parents=True)
        (folder / "conftest.py").write_text(conftests[package % len(conftests)])
        for n in range(per_package - 1):
            (folder / f"test_m{n}.py").write_text(tests[(package * per_package + n) % len(tests)])
        written += per_package
    return written


def doctor_figures(files: int = 2000, rounds: int = 3) -> None:
    """`lab doctor`'s speed: files read per second over a generated tree, in this one process; the best of
    `rounds` (the round least disturbed by other work on the machine) and their median."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        doctor_tree(root, files)
        for _ in range(rounds):
            began, cpu = time.perf_counter(), time.process_time()
            report = check([root], pins=Pins())
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
    # CPU time too: on a machine shared with other work, wall time measures the neighbours as well
    print(f"doctor: {report.files} files ({files} test files and conftests, plus the modules they import), "
          f"{len(report.findings)} findings; files/s over {rounds} rounds, best and median:")
    count = report.files
    print(f"    by the wall clock: {count / min(walls):.0f}, {count / statistics.median(walls):.0f}; "
          f"per CPU second: {count / min(cpus):.0f}, {count / statistics.median(cpus):.0f} "
          f"(target: at least 500)")


def _workers(argv: Sequence[str]) -> str:
    for i, arg in enumerate(argv):
        if arg in ("-j", "--workers") and i + 1 < len(argv):
            return argv[i + 1]
    return str(os.cpu_count() or 1)


USAGE = """\
usage: lab bench [--matrix] [ARGS ...]   (or: nox -s bench -- [ARGS ...])

Print where a run's time goes, what the lab adds to pytest's own time, and forked runs against a fresh
interpreter per run, measured side by side. Figures only, never assertions.

  ARGS        passed to `lab run`: a selection of scenarios, -j N, -b BACKEND
  --matrix    time the version matrix instead (ARGS then go to `lab matrix`)
  -h, --help  show this message and exit
"""


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print(USAGE, end="")
        return 0
    if "--doctor" in argv:
        doctor_figures()
        return 0
    doctor_figures()
    print()
    if "--matrix" in argv:
        matrix_figures(argv)
        return 0
    if "--guard" in argv:
        guard_overhead()
        return 0
    catalogue_figures(argv)
    print()
    side_by_side(argv)
    print()
    guard_overhead()
    print()
    matrix_figures([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
