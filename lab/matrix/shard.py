"""The matrix over several machines: its sets split into shards, each shard's report, and their merge.

`lab matrix --shard K/N` runs the K-th of N shards and `--report FILE` writes what it gave; `lab merge`
turns the reports of every shard into the one report the whole matrix run would have written. The split
is by set, deterministic, and balanced by each set's last recorded wall time.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.matrix.run import SetResult, SetStatus
from lab.matrix.stacks import Stack, StackError

# What a set that was never timed is assumed to take, when no set was: a typical set here
DEFAULT_SECONDS = 60.0
_SHARD = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Shard:
    """The `index`-th (from 1) of `count` shards."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = _SHARD.match(text.strip())
        if not found or not 1 <= int(found[1]) <= int(found[2]):
            raise StackError(f"--shard: expected K/N with 1 <= K <= N, e.g. 2/4, got {text!r}")
        return cls(int(found[1]), int(found[2]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def split(stacks: Sequence[Stack], count: int, seconds: Mapping[str, float]) -> list[list[str]]:
    """Set names per shard: the longest sets first, each to the shard with the least time so far.

    A set never timed counts as the median of those that were. Ties go to the lower shard and the set
    declared first, so the same inputs always give the same shards, in the declared order within each.
    """
    known = [seconds[s.name] for s in stacks if s.name in seconds]
    typical = statistics.median(known) if known else DEFAULT_SECONDS
    cost = {s.name: seconds.get(s.name, typical) for s in stacks}
    order = {s.name: i for i, s in enumerate(stacks)}
    loads = [0.0] * count
    shards: list[list[str]] = [[] for _ in range(count)]
    for name in sorted(cost, key=lambda n: (-cost[n], order[n])):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        loads[lightest] += cost[name]
        shards[lightest].append(name)
    return [sorted(shard, key=order.__getitem__) for shard in shards]


def read_timing(path: Path) -> dict[str, float]:
    """Each set's wall time in the last matrix run (`timing.json`); none when there is no such file."""
    try:
        sets = json.loads(path.read_text()).get("sets", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(name): float(data["seconds"]) for name, data in sets.items()
            if isinstance(data, dict) and data.get("status") == "ran" and data.get("seconds")}


@dataclass
class ShardReport:
    """What one shard gave, with the plan of every shard, so that a merge can name what is missing."""

    shard: Shard
    plan: list[list[str]]  # set names per shard, in the order of the declared sets
    declared: list[Stack]  # every set of the matrix, in its declared order
    results: list[SetResult]

    def to_json(self) -> dict[str, Any]:
        return {"shard": str(self.shard), "plan": self.plan, "declared": [s.to_json() for s in self.declared],
                "results": [r.to_json() for r in self.results]}

    @classmethod
    def read(cls, path: Path) -> ShardReport:
        try:
            data = json.loads(path.read_text())
            return cls(Shard.parse(data["shard"]), [list(names) for names in data["plan"]],
                       [Stack.from_json(s) for s in data["declared"]],
                       [SetResult.from_json(r) for r in data["results"]])
        except OSError as error:
            raise ValueError(f"{path}: cannot read: {error.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError, StackError):
            raise ValueError(f"{path}: not a shard report (`lab matrix --shard K/N --report FILE`)") from None


def write_report(path: Path, report: ShardReport) -> None:
    """Written whole or not at all: a half-written report must not pass for a shard's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(report.to_json(), indent=1) + "\n")
    partial.replace(path)


def merge(reports: Sequence[ShardReport]) -> list[SetResult]:
    """Every declared set's result, in the declared order, as the whole matrix run would give them.

    A set whose shard sent no report is there too, as a set the lab failed on, naming the shard.
    """
    if not reports:
        raise ValueError("no shard reports to merge")
    first = reports[0]
    names = [s.name for s in first.declared]
    for report in reports[1:]:
        if [s.name for s in report.declared] != names or report.plan != first.plan:
            raise ValueError(f"shard {report.shard} was planned from other sets than shard {first.shard}")
    found = {r.stack.name: r for report in reports for r in report.results}
    shard_of = {name: i + 1 for i, shard in enumerate(first.plan) for name in shard}
    given = {report.shard.index for report in reports}
    merged = []
    for stack in first.declared:
        if stack.name in found:
            merged.append(found[stack.name])
            continue
        index = shard_of.get(stack.name)
        why = (f"shard {index}/{first.shard.count} sent no report" if index not in given
               else f"shard {index}/{first.shard.count} did not report this set")
        merged.append(SetResult(stack, SetStatus.LAB_FAILED, why))
    return merged
