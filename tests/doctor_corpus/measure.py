"""Precision and recall of `lab doctor` on the labelled corpus of public test setups (manifest.toml).

`python tests/doctor_corpus/measure.py --corpus DIR` runs `lab doctor --format json` in each gathered setup
(DIR/<owner>+<name>/, README.md says how to gather them), matches its findings against the hand labels and
prints precision and recall per rule and overall, with every false positive and false negative.

A finding matches a label when rule and path agree and its line is within TOLERANCE lines of one of the
label's lines. Labels marked "possible" are tolerated: a finding on one is neither a true nor a false
positive, and a possible label nobody reports is no false negative. A setup whose gathered files are not all
there is left out and reported, so a half-gathered corpus cannot pass for a clean one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOLERANCE = 2
CERTAINTIES = ("confident", "possible")
LOW_SEVERITY = "possible"  # doctor's severity for a finding it is unsure of
MANIFEST = Path(__file__).with_name("manifest.toml")
DEFAULT_CORPUS = Path(".lab/doctor-corpus")
GATHER_HINT = (
    "gather it first: tests/doctor_corpus/README.md lists, for each setup, the repository, the commit and the"
    " files to copy into DIR/<owner>+<name>/ (with `git clone` and `git show COMMIT:PATH`)."
)


class ManifestError(ValueError):
    """The manifest says something this module cannot use; the message names the setup and the field."""


class DoctorError(RuntimeError):
    """`lab doctor` did not answer with findings for one setup."""


@dataclass(frozen=True)
class Label:
    """One expected finding, set by hand."""

    repo: str
    rule: str
    path: str
    lines: tuple[int, ...]
    certainty: str
    why: str = ""
    when: str = ""


@dataclass(frozen=True)
class Finding:
    """One finding `lab doctor` reported, reduced to what the labels can be compared with."""

    repo: str
    rule: str
    path: str
    line: int
    severity: str = ""
    fails: str = ""


@dataclass(frozen=True)
class Setup:
    """One public repository at one commit, the files gathered from it, and its labels."""

    repo: str
    commit: str
    paths: tuple[str, ...]
    labels: tuple[Label, ...]

    @property
    def folder(self) -> str:
        return self.repo.replace("/", "+")


@dataclass
class Score:
    """What matching found, over one setup or the whole corpus."""

    true_positives: list[tuple[Finding, Label]] = field(default_factory=list)
    false_positives: list[Finding] = field(default_factory=list)
    false_negatives: list[Label] = field(default_factory=list)
    tolerated: list[tuple[Finding, Label]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives
        self.tolerated += other.tolerated


@dataclass
class Report:
    """The corpus's score, the setups measured and those left out for missing files."""

    score: Score = field(default_factory=Score)
    measured: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)


def ratio(hits: int, total: int) -> float | None:
    """hits / total, or None when there is nothing to divide (no finding, or no label)."""
    return hits / total if total else None


def precision(score: Score, rule: str | None = None) -> float | None:
    tp = _count((f for f, _ in score.true_positives), rule)
    return ratio(tp, tp + _count(score.false_positives, rule))


def recall(score: Score, rule: str | None = None) -> float | None:
    tp = _count((f for f, _ in score.true_positives), rule)
    return ratio(tp, tp + _count(score.false_negatives, rule))


def _count(items: Iterable[Finding | Label], rule: str | None) -> int:
    return sum(1 for item in items if rule is None or item.rule == rule)


def load_manifest(path: Path = MANIFEST) -> list[Setup]:
    """Every setup of the manifest, checked field by field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path}: not valid TOML: {error}") from error
    entries = data.get("setup", [])
    setups = [_setup(entry, f"{path}: setup {index + 1}") for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for setup in setups:
        if setup.repo in seen:
            raise ManifestError(f"{path}: setup {setup.repo!r} is listed twice")
        seen.add(setup.repo)
    return setups


def _setup(entry: dict[str, Any], where: str) -> Setup:
    repo = _text(entry, "repo", where)
    where = f"{where} ({repo})"
    if repo.count("/") != 1:
        raise ManifestError(f"{where}: repo: expected 'owner/name', got {repo!r}")
    commit = _text(entry, "commit", where)
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        raise ManifestError(f"{where}: commit: expected 40 hex digits, got {commit!r}")
    paths = entry.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise ManifestError(f"{where}: paths: expected a non-empty list of file paths, got {paths!r}")
    labels = tuple(_label(item, repo, set(paths), f"{where}: finding {n + 1}")
                   for n, item in enumerate(entry.get("finding", [])))
    return Setup(repo, commit, tuple(paths), labels)


def _label(item: dict[str, Any], repo: str, paths: set[str], where: str) -> Label:
    rule = _text(item, "rule", where)
    if len(rule) != 6 or not rule.startswith("LAB") or not rule[3:].isdigit():
        raise ManifestError(f"{where}: rule: expected LABNNN, got {rule!r}")
    path = _text(item, "path", where)
    if path not in paths:
        raise ManifestError(f"{where}: path: {path!r} is not among the setup's paths")
    raw = item.get("line")
    lines = tuple(raw) if isinstance(raw, list) else (raw,)
    if not lines or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lines):
        raise ManifestError(f"{where}: line: expected a line number or a list of them, got {raw!r}")
    certainty = _text(item, "certainty", where)
    if certainty not in CERTAINTIES:
        raise ManifestError(f"{where}: certainty: expected one of {list(CERTAINTIES)}, got {certainty!r}")
    return Label(repo, rule, path, lines, certainty, str(item.get("why", "")), str(item.get("when", "")))


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: {key}: expected a non-empty string, got {value!r}")
    return value


def missing_files(setup: Setup, corpus: Path) -> list[str]:
    return [p for p in setup.paths if not (corpus / setup.folder / p).is_file()]


def match(labels: Sequence[Label], findings: Sequence[Finding]) -> Score:
    """Pair each finding with the nearest unclaimed label of its rule and path, confident labels first."""
    score = Score()
    free = list(labels)
    for finding in sorted(findings, key=lambda f: (f.path, f.line, f.rule)):
        candidates = [
            (label.certainty != "confident", min(abs(finding.line - n) for n in label.lines), index)
            for index, label in enumerate(free)
            if label.rule == finding.rule and label.path == finding.path
            and any(abs(finding.line - n) <= TOLERANCE for n in label.lines)
        ]
        if not candidates:
            score.false_positives.append(finding)
            continue
        label = free.pop(min(candidates)[2])
        (score.true_positives if label.certainty == "confident" else score.tolerated).append((finding, label))
    score.false_negatives = [label for label in free if label.certainty == "confident"]
    return score


Runner = Callable[[Path], list[dict[str, Any]]]


def run_doctor(folder: Path) -> list[dict[str, Any]]:
    """`lab doctor --format json .` in one gathered setup: its findings, as the JSON gives them."""
    completed = subprocess.run(
        [sys.executable, "-m", "lab", "doctor", "--format", "json", "."],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    # doctor exits 1 when it has findings, 0 without: both are answers; anything else is not.
    if completed.returncode not in (0, 1):
        raise DoctorError(f"{folder.name}: lab doctor exited {completed.returncode}: "
                          f"{completed.stderr.strip()}")
    try:
        data = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise DoctorError(f"{folder.name}: lab doctor's output is not JSON: {error}") from error
    found = data.get("findings", []) if isinstance(data, dict) else data
    if not isinstance(found, list):
        raise DoctorError(f"{folder.name}: expected a list of findings, got {type(found).__name__}")
    return found


def findings_of(setup: Setup, raw: Iterable[dict[str, Any]], corpus: Path) -> list[Finding]:
    """Doctor's findings with their paths made relative to the setup's root, as the labels have them."""
    root = (corpus / setup.folder).resolve()
    out = []
    for item in raw:
        path = Path(str(item["path"]))
        if path.is_absolute():
            path = path.resolve().relative_to(root)
        out.append(Finding(setup.repo, str(item["rule"]), PurePosixPath(path).as_posix().removeprefix("./"),
                           int(item["line"]), str(item.get("severity", "")), str(item.get("fails", ""))))
    return out


def measure(setups: Sequence[Setup], corpus: Path, run: Runner = run_doctor, workers: int = 1) -> Report:
    """Run doctor over every fully gathered setup and score its findings against the labels."""
    report = Report()
    gathered = []
    for setup in setups:
        absent = missing_files(setup, corpus)
        if absent:
            report.missing[setup.repo] = absent
        else:
            gathered.append(setup)
    # each doctor run is a process of its own, so threads are enough to run several at once
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(lambda setup: run(corpus / setup.folder), gathered))
    for setup, raw in zip(gathered, answers, strict=True):
        report.score.add(match(setup.labels, findings_of(setup, raw, corpus)))
        report.measured.append(setup.repo)
    return report


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render(report: Report) -> str:
    """The per-rule table, the totals, then each false positive and false negative."""
    score = report.score
    rules = sorted({f.rule for f, _ in score.true_positives} | {f.rule for f in score.false_positives}
                   | {label.rule for label in score.false_negatives})
    lines = [f"{len(report.measured)} setups measured"
             + (f", {len(report.missing)} left out (files missing)" if report.missing else ""), ""]
    lines.append(f"{'rule':<8} {'TP':>3} {'FP':>3} {'FN':>3}  precision  recall")
    for rule in rules:
        tp = _count((f for f, _ in score.true_positives), rule)
        fp, fn = _count(score.false_positives, rule), _count(score.false_negatives, rule)
        lines.append(f"{rule:<8} {tp:>3} {fp:>3} {fn:>3}  {_percent(precision(score, rule)):>9}"
                     f"  {_percent(recall(score, rule)):>6}")
    tp, fp, fn = len(score.true_positives), len(score.false_positives), len(score.false_negatives)
    lines.append(f"{'overall':<8} {tp:>3} {fp:>3} {fn:>3}  {_percent(precision(score)):>9}"
                 f"  {_percent(recall(score)):>6}")
    lines.append(f"({len(score.tolerated)} findings on labels marked possible, counted neither way)")
    sure = [f for f in score.false_positives if f.severity != LOW_SEVERITY]
    lines.append(f"precision without doctor's own '{LOW_SEVERITY}' findings: "
                 f"{_percent(ratio(tp, tp + len(sure)))} ({len(sure)} false positives left)")
    for finding in score.false_positives:
        lines.append(f"false positive: {finding.repo} {finding.path}:{finding.line} {finding.rule}"
                     + (f" ({finding.severity})" if finding.severity else ""))
    for label in score.false_negatives:
        where = ",".join(str(n) for n in label.lines)
        lines.append(f"false negative: {label.repo} {label.path}:{where} {label.rule}: {label.why}")
    for finding, label in score.true_positives:
        if label.when and finding.fails and finding.fails != label.when:
            lines.append(f"found, but when differs: {finding.repo} {finding.path}:{finding.line} "
                         f"{finding.rule}: labelled {label.when}, doctor says {finding.fails}")
    for repo, absent in report.missing.items():
        lines.append(f"left out: {repo}: missing {', '.join(absent)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, run: Runner = run_doctor) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"the gathered setups, a folder <owner>+<name> each (default: {DEFAULT_CORPUS})")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="the labels (default: %(default)s)")
    parser.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 1,
                        help="doctor runs at once (default: the number of CPUs)")
    args = parser.parse_args(argv)
    try:
        setups = load_manifest(args.manifest)
    except (OSError, ManifestError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}; {GATHER_HINT}")
        return 0
    try:
        report = measure(setups, args.corpus, run, max(1, args.workers))
    except DoctorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
