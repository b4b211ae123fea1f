"""`nox -s bench`: seconds per variant and the whole run's wall time, beside one bare import of the stack.

Figures only, never assertions: timing depends on the machine. Extra arguments go to `lab run`;
`-- --matrix [ARGS]` times the version matrix instead (ARGS go to `lab matrix`).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab.execute import PRELOAD
from lab.matrix import TIMING_FILE


def bare_import_seconds(repeat: int = 3) -> float:
    """Median wall time of a fresh interpreter importing the stack a variant's run needs."""
    code = "; ".join(f"import {module}" for module in PRELOAD)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def matrix_figures(argv: list[str]) -> None:
    """The version matrix's wall time: run now with `--matrix` (warm when the venvs exist), else the last."""
    timing = Path(".lab/matrix") / TIMING_FILE
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


def main(argv: list[str]) -> int:
    if "--matrix" in argv:
        matrix_figures(argv)
        return 0
    stack = bare_import_seconds()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "records.json"
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "lab", "run", "--json", str(out), *argv],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - began
        records = json.loads(out.read_text())
    print(f"{'scenario':<40} {'variant':<7} {'backend':<9} {'seconds':>8}")
    for record in sorted(records, key=lambda r: (r["scenario"], r["backend"], r["variant"])):
        name, variant, backend = record["scenario"], record["variant"], record["backend"]
        print(f"{name:<40} {variant:<7} {backend:<9} {record['seconds']:>8.2f}")
    seconds = [r["seconds"] for r in records]
    print()
    print(f"bare import of the stack, fresh interpreter: {stack:6.2f} s")
    median = statistics.median(seconds)
    print(f"runs: {len(records)}; per run median {median:.2f} s, max {max(seconds):.2f} s")
    print(f"sum of run times: {sum(seconds):6.1f} s (what one process per run would add: "
          f"~{stack * len(records):.0f} s of imports)")
    print(f"whole run, wall:  {wall:6.1f} s (includes starting the embedded PostgreSQL when used)")
    matrix_figures([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
