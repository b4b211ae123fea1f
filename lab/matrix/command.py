"""`lab matrix` and `lab diff`: the commands of the version matrix, given the options `lab.cli` parsed."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lab.core.classify import Record
from lab.core.command import UsageError, scenarios_dir
from lab.core.report import Terminal, read_json, write_json
from lab.core.scenarios import BACKENDS
from lab.matrix.drift import diff, drift_lines, stacks_in, totals, write_drift_markdown, write_junit
from lab.matrix.run import TIMING_FILE, SetResult, SetStatus, run_matrix, write_timing
from lab.matrix.shard import Shard, ShardReport, merge, read_timing, split, write_report
from lab.matrix.stacks import STACKS_FILE, Stack, StackError, adhoc
from lab.matrix.stacks import load as load_stacks

# The checkout, installed into each set's venv
PROJECT = Path(__file__).resolve().parents[2]


def matrix_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab matrix`: the catalogue on every chosen stack set (or one shard of them); the drift table."""
    try:
        stacks = _stacks(options)
        shard = Shard.parse(options.shard) if options.shard else Shard(1, 1)
    except StackError as error:
        raise UsageError(str(error)) from None
    timing = read_timing(options.out / TIMING_FILE)
    if options.list_shards:
        plan = split(stacks, options.list_shards, timing)
        terminal.line(json.dumps([f"{i}/{options.list_shards}" for i, names in enumerate(plan, 1) if names]))
        return 0
    plan = split(stacks, shard.count, timing)
    mine = [s for s in stacks if s.name in plan[shard.index - 1]]
    if shard.count > 1:
        terminal.line(f"shard {shard}: {', '.join(s.name for s in mine) or 'no set'}")
    lab_args = [*options.names, "-j", str(options.workers), "--isolation", options.isolation]
    for backend in options.backend or ():
        lab_args += ["-b", backend]
    for variant in options.variant or ():
        lab_args += ["--variant", variant]
    if options.timeout:
        lab_args += ["--timeout", str(options.timeout)]

    def on_set(result: SetResult) -> None:
        terminal.line(totals([result])[0] if result.status is SetStatus.RAN
                      else f"{result.stack.name}: {result.status}: {result.detail}")
        for record in result.records:
            if not record.ok:
                terminal.live(record)
        if not result.ok and result.log is not None:
            terminal.line(f"    full output: {result.log}")

    began = time.perf_counter()
    results = run_matrix(
        mine, lab_args, project=PROJECT, scenarios=scenarios_dir(options).resolve(),
        venvs=options.venvs.resolve(), out=options.out.resolve(),
        postgres="postgres" in (options.backend or BACKENDS), on_set=on_set, declared=stacks,
    )
    wall = time.perf_counter() - began
    if shard.count == 1:  # a shard leaves the times alone, so every shard of a run splits alike; merge writes
        write_timing(options.out / TIMING_FILE, results, wall)
    if options.report:
        write_report(options.report, ShardReport(shard, plan, stacks, results))
    return _report(results, options, terminal, f"{wall:.0f}s wall")


def merge_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab merge`: the shards' reports as the one report of the whole matrix run."""
    try:
        reports = [ShardReport.read(path) for path in options.reports]
        results = merge(reports)
    except ValueError as error:
        raise UsageError(str(error)) from None
    longest = max(sum(r.seconds for r in results if r.stack.name in names) for names in reports[0].plan)
    write_timing(options.out / TIMING_FILE, results, longest)  # the shards ran side by side
    said = f"merged from {len(reports)} of {reports[0].shard.count} shards"
    return _report(results, options, terminal, said)


def _stacks(options: argparse.Namespace) -> list[Stack]:
    """The sets `--with` names, else those of the stacks file that `--stack` chooses (all by default)."""
    if not (PROJECT / "pyproject.toml").is_file():
        raise StackError(f"{PROJECT}: not a checkout of the lab; `lab matrix` installs it into each venv")
    if options.pins:
        return [adhoc(options.pins, options.python, options.pre)]
    for flag, given in (("--python", options.python), ("--pre", options.pre)):
        if given:
            raise StackError(f"{flag} makes an ad-hoc set with the pins of --with, and no --with was given; "
                             f"a set of {STACKS_FILE} says its own python and pre")
    return _chosen(load_stacks(options.stacks_file or PROJECT / STACKS_FILE), options.stack)


def _report(results: list[SetResult], options: argparse.Namespace, terminal: Terminal, said: str) -> int:
    """The drift table, then the files asked for; exit 1 unless every set is as expected or skipped."""
    terminal.line()
    for line in drift_lines(results):
        terminal.line(line)
    terminal.line(f"matrix: {len(results)} stack sets; {said}")
    if options.json:
        write_json(options.json, [r for result in results for r in result.records])
    if options.junit:
        write_junit(options.junit, results)
    if options.markdown:
        write_drift_markdown(options.markdown, results)
    return 0 if all(result.ok for result in results) else 1


def _chosen(declared: list[Stack], names: list[str] | None) -> list[Stack]:
    if not names:
        return declared
    known = {stack.name: stack for stack in declared}
    for name in names:
        if name not in known:
            raise StackError(f"no stack set named {name!r}; stacks.toml has: {', '.join(known)}")
    return [known[name] for name in names]


def diff_command(options: argparse.Namespace, terminal: Terminal) -> int:
    try:
        old_records = read_json(options.old)
        new_records = read_json(options.new) if options.new else old_records
        old = _one_stack(old_records, options.old_stack, options.old)
        new = _one_stack(new_records, options.new_stack, options.new or options.old)
    except ValueError as error:
        raise UsageError(str(error)) from None
    changes = diff(old, new)
    before, after = stacks_in(old)[0] or str(options.old), stacks_in(new)[0] or str(options.new)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
        terminal.line(change.line())
    said = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no change"
    terminal.line(f"from {before} to {after}: {said} (failures: {counts.get('appears', 0)} appear, "
                  f"{counts.get('disappears', 0)} disappear)")
    return 1 if changes else 0


def _one_stack(records: list[Record], name: str | None, path: Path) -> list[Record]:
    """The records of one stack set: the one named, or the only one the file holds."""
    found = stacks_in(records)
    if name is None:
        if len(found) > 1:
            raise ValueError(
                f"{path}: holds several stack sets ({', '.join(found)}); "
                "name one with --old-stack or --new-stack"
            )
        return records
    if name not in found:
        raise ValueError(f"{path}: no records of stack set {name!r}; it holds: {', '.join(found) or 'none'}")
    return [r for r in records if r.stack == name]
