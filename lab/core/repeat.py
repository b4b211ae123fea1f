"""`lab run --repeat N`: the same variant run N times, told as a distribution of outcomes.

Some failures are not deterministic (two threads on one connection may crash the interpreter or raise);
a README states how often each outcome happens, and this is what measures it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from lab.core.classify import Record, Status


def outcome(record: Record) -> str:
    """What one run did, in one word: the exception type or signal, `passed`, `hung`, or its status."""
    if record.hung:
        return "hung"
    if record.error_type:
        return record.error_type.rsplit(".", 1)[-1]
    if record.status in (Status.AS_EXPECTED, Status.BROKEN_PASSED) and record.tests is not None:
        return "passed"
    return record.status.value


def distribution(records: Sequence[Record]) -> list[tuple[tuple[str, str, str], Counter[str]]]:
    """Per scenario × variant × backend, how many runs did what, in the order the records come."""
    found: dict[tuple[str, str, str], Counter[str]] = {}
    for record in records:
        found.setdefault(record.key, Counter())[outcome(record)] += 1
    return list(found.items())


def lines(records: Sequence[Record]) -> list[str]:
    """One line per scenario × variant × backend: its distribution, and how many were not as expected."""
    wrong = Counter(r.key for r in records if r.status is not Status.AS_EXPECTED)
    return [
        f"{' '.join(key)}: {describe(counts)}"
        + (f"; {wrong[key]} of {counts.total()} not as expected" if wrong[key] else "")
        for key, counts in distribution(records)
    ]


def describe(counts: Counter[str]) -> str:
    """`SIGSEGV 9/20, RuntimeError 11/20`: most frequent first."""
    total = sum(counts.values())
    return ", ".join(f"{what} {n}/{total}" for what, n in counts.most_common())


def combine(records: Sequence[Record]) -> list[Record]:
    """One record per scenario × variant × backend: as expected only when every repetition was.

    Otherwise the first repetition that was not stands for them all, saying how many were not.
    """
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        groups.setdefault(record.key, []).append(record)
    combined = []
    for group in groups.values():
        wrong = [r for r in group if r.status is not Status.AS_EXPECTED]
        if not wrong:
            combined.append(group[0])
            continue
        note = f"{len(wrong)} of {len(group)} repetitions not as expected"
        combined.append(replace(wrong[0], detail="; ".join(filter(None, [wrong[0].detail, note]))))
    return combined
