"""The matrix over several machines: `--shard K/N`, `--report`, `lab merge`; and what a set may not be."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SQLITE_ONLY

from lab.cli import main
from lab.core.classify import Record, Status
from lab.matrix.drift import drift_markdown
from lab.matrix.run import SetResult, SetStatus, run_set
from lab.matrix.shard import Shard, ShardReport, merge, read_timing, split, write_report
from lab.matrix.stacks import Stack, StackError, adhoc
from lab.matrix.stacks import load as load_stacks

SETS = [Stack(name, "w", (f"{name}==1",)) for name in ("a", "b", "c", "d")]


def test_the_longest_sets_are_spread_first_and_the_split_is_the_same_every_time():
    seconds = {"a": 100.0, "b": 60.0, "c": 50.0, "d": 10.0}
    assert split(SETS, 2, seconds) == [["a", "d"], ["b", "c"]]
    assert split(SETS, 2, seconds) == split(list(SETS), 2, dict(seconds))
    assert split(SETS, 1, seconds) == [["a", "b", "c", "d"]]
    assert split(SETS, 5, seconds)[4] == []  # more shards than sets: the last is empty


def test_a_set_never_timed_counts_as_a_typical_one():
    # c and d count as the median, 55 s each: together they outweigh a (100), so b (10) joins a
    assert split(SETS, 2, {"a": 100.0, "b": 10.0}) == [["a", "b"], ["c", "d"]]
    assert split(SETS, 2, {}) == [["a", "c"], ["b", "d"]]  # nothing timed: every set alike, in turn


def test_the_timing_of_the_last_runs_is_read_and_kept_across_shards(tmp_path):
    from lab.matrix.run import write_timing

    path = tmp_path / "timing.json"
    assert read_timing(path) == {}
    write_timing(path, [SetResult(SETS[0], SetStatus.RAN, seconds=12.0)], 12.0)
    write_timing(path, [SetResult(SETS[1], SetStatus.RAN, seconds=30.0),
                        SetResult(SETS[2], SetStatus.SKIPPED, "no Python 3.99")], 30.0)
    assert read_timing(path) == {"a": 12.0, "b": 30.0}  # a set that did not run has no time to go by


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_shard_is_k_of_n(text):
    with pytest.raises(StackError, match="--shard: expected K/N"):
        Shard.parse(text)
    assert str(Shard.parse(" 2/3 ")) == "2/3"


def results() -> list[SetResult]:
    def ran(stack: Stack, status: Status = Status.AS_EXPECTED) -> SetResult:
        record = Record("s", "broken", "sqlite", status, "x", stack=stack.name)
        return SetResult(stack, SetStatus.RAN, records=[record], seconds=5.0)

    return [ran(SETS[0]), SetResult(SETS[1], SetStatus.INSTALL_FAILED, "uv said no"),
            ran(SETS[2], Status.ERROR), SetResult(SETS[3], SetStatus.SKIPPED, "no Python 3.99")]


def reports(plan: list[list[str]], tmp_path: Path) -> list[ShardReport]:
    everything = {r.stack.name: r for r in results()}
    found = []
    for index, names in enumerate(plan, 1):
        path = tmp_path / f"shard-{index}.json"
        write_report(path, ShardReport(Shard(index, len(plan)), plan, SETS, [everything[n] for n in names]))
        found.append(ShardReport.read(path))
    return found


def test_the_merged_shards_are_the_whole_run_in_the_declared_order(tmp_path):
    merged = merge(reports([["c", "a"], ["d", "b"]], tmp_path)[::-1])
    assert [r.to_json() for r in merged] == [r.to_json() for r in results()]
    assert drift_markdown(merged) == drift_markdown(results())


def test_a_shard_that_sent_no_report_is_named_with_its_sets(tmp_path):
    first, _ = reports([["a", "c"], ["b", "d"]], tmp_path)
    merged = {r.stack.name: r for r in merge([first])}
    assert merged["a"].status is SetStatus.RAN
    assert (merged["b"].status, merged["b"].detail) == (SetStatus.LAB_FAILED, "shard 2/2 sent no report")
    assert not merged["d"].ok  # a set skipped elsewhere is a failure here: nobody knows what it did


def test_shards_of_two_plans_are_not_merged_and_a_report_is_checked(tmp_path):
    one = reports([["a", "c"], ["b", "d"]], tmp_path / "one")
    other = reports([["a", "b"], ["c", "d"]], tmp_path / "other")
    with pytest.raises(ValueError, match="planned from other sets"):
        merge([one[0], other[1]])
    (tmp_path / "junk.json").write_text('[{"scenario": "s"}]')
    with pytest.raises(ValueError, match="junk.json: not a shard report"):
        ShardReport.read(tmp_path / "junk.json")
    with pytest.raises(ValueError, match="no shard reports"):
        merge([])


def test_lab_merge_says_which_file_it_cannot_use(tmp_path, capsys):
    (tmp_path / "junk.json").write_text("{")
    assert main(["merge", str(tmp_path / "junk.json")]) == 2
    assert "junk.json: not a shard report" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--python", "3.12"], ["--pre"]])
def test_python_or_pre_without_with_is_refused_not_ignored(flag, capsys):
    assert main(["matrix", *flag, "01"]) == 2
    assert f"{flag[0]} makes an ad-hoc set with the pins of --with" in capsys.readouterr().err


def test_ad_hoc_sets_never_share_a_name():
    long = [f"package-with-a-long-name-{i}==1.0" for i in range(4)]
    names = {adhoc(long).name, adhoc([*long[:3], long[3] + ".1"]).name, adhoc(long, pre=True).name,
             adhoc(long, python="3.12").name}
    assert len(names) == 4 and all(len(name) <= 80 for name in names)
    assert adhoc(["httpx<0.28"]).name != adhoc(["httpx<0.28"], pre=True).name


def test_a_set_declared_unrunnable_is_skipped_with_its_reason_and_nothing_installed(tmp_path):
    path = tmp_path / "stacks.toml"
    path.write_text('[old]\nwhy = "w"\npins = ["sqlalchemy==1.4.54"]\n'
                    'skip = "the shared app needs 2.0: ImportError"\n')
    (stack,) = load_stacks(path)
    result = run_set(stack, [], project=REPO, venvs=tmp_path / "venvs", out=tmp_path, env={})
    assert (result.status, result.detail) == (SetStatus.SKIPPED, "the shared app needs 2.0: ImportError")
    assert not (tmp_path / "venvs").exists()
    path.write_text('[old]\nwhy = "w"\nskip = ""\n')
    with pytest.raises(StackError, match=r"\[old\]: skip"):
        load_stacks(path)


def test_list_shards_prints_the_shards_for_a_ci_job_matrix(tmp_path, capsys):
    stacks = tmp_path / "stacks.toml"
    stacks.write_text("".join(f'[{s.name}]\nwhy = "w"\n' for s in SETS))
    assert main(["matrix", "--stacks-file", str(stacks), "--out", str(tmp_path), "--list-shards", "3"]) == 0
    assert json.loads(capsys.readouterr().out) == ["1/3", "2/3", "3/3"]
    assert main(["matrix", "--stacks-file", str(stacks), "--out", str(tmp_path), "--list-shards", "6"]) == 0
    assert json.loads(capsys.readouterr().out) == ["1/6", "2/6", "3/6", "4/6"]


def _lab(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True, timeout=900,
                          cwd=cwd, check=False)


def _without_timing(path: Path) -> list[dict[str, object]]:
    timed = ("seconds", "stages")
    return [{k: v for k, v in r.items() if k not in timed} for r in json.loads(path.read_text())]


@pytest.mark.subprocess
def test_merging_the_shards_of_a_run_gives_what_the_unsharded_run_writes(scenarios, tmp_path):
    scenarios.add("one", SQLITE_ONLY)
    stacks = tmp_path / "stacks.toml"
    # Two sets that install different things, cheaply; and one this machine cannot have
    stacks.write_text('[first]\nwhy = "w"\npins = ["packaging>=23"]\n'
                      '[second]\nwhy = "w"\npins = ["packaging>=24"]\n'
                      '[gone]\nwhy = "w"\npython = "3.99"\n')
    common = ["--stacks-file", str(stacks), "--scenarios-dir", str(scenarios.root), "-b", "sqlite",
              "--venvs", str(tmp_path / "venvs")]
    for name in ("whole", "shards"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "RESULTS.md").write_text("# Results\n")
    whole = tmp_path / "whole"
    done = _lab("matrix", *common, "--out", str(whole), "--json", str(whole / "all.json"),
                "--markdown", str(whole / "RESULTS.md"), cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    parts = tmp_path / "shards"
    for k in (1, 2):
        done = _lab("matrix", *common, "--out", str(parts), "--shard", f"{k}/2",
                    "--report", str(parts / f"{k}.json"), cwd=REPO)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"shard {k}/2: " in done.stdout
    done = _lab("merge", str(parts / "2.json"), str(parts / "1.json"), "--out", str(parts),
                "--json", str(parts / "all.json"), "--markdown", str(parts / "RESULTS.md"), cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _without_timing(parts / "all.json") == _without_timing(whole / "all.json")
    assert (parts / "RESULTS.md").read_text() == (whole / "RESULTS.md").read_text()
    assert "gone" in (parts / "RESULTS.md").read_text()
    # One shard lost: the merge says which, and fails
    done = _lab("merge", str(parts / "1.json"), "--out", str(parts), cwd=REPO)
    assert done.returncode == 1 and "sent no report" in done.stdout
