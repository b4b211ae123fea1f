"""What a recipe round's pytest session says, and whether it counts: the judge of every figure in the table.

A session counts only when every test of the suite ran and passed, no more and no fewer; the rounds of a
strategy are summed up as one row per backend, failed as soon as one round failed.
"""

from __future__ import annotations

import re
import statistics
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lab.recipes.strategies import Strategy

# pytest's short summary, one line per test that failed or errored: the first is the reason shown
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) .*$", re.M)
REASON_WIDTH = 160


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
    # The fastest and the slowest round's ms per test: the spread a difference must clear to count
    best: float | None = None
    worst: float | None = None
    relative: float | None = None  # the median over the fastest median on the same backend
    note: str = ""  # `FAILED: why`, or `n/a (...)` when the strategy does not support the backend
    fixtures: float | None = None  # median over the rounds of setup + teardown ms per test


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
    """Milliseconds per test in setup and teardown, from `lab.recipes.phases`' sums; None without them."""
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
            fixtures = statistics.median(split) if split else None
            timed.append(Row(strategy.name, backend, mine[0].tests, statistics.median(figures),
                             min(figures), max(figures), fixtures=fixtures))
        timed.sort(key=lambda row: row.median or 0.0)
        fastest = timed[0].median if timed else None
        rows += [_relative_to(row, fastest) for row in timed] + sorted(others, key=lambda r: r.note)
    return rows


def _relative_to(row: Row, fastest: float | None) -> Row:
    if row.median is None or not fastest:
        return row
    return replace(row, relative=row.median / fastest)
