"""`nox -s bench`: seconds per variant and the whole run's wall time, beside one bare import of the stack.

Figures only, never assertions: timing depends on the machine. Extra arguments go to `lab run`.
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


def bare_import_seconds(repeat: int = 3) -> float:
    """Median wall time of a fresh interpreter importing the stack a variant's run needs."""
    code = "; ".join(f"import {module}" for module in PRELOAD)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main(argv: list[str]) -> int:
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
