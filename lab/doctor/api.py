"""`check(paths)`: a project read, every check run, each hit judged against the catalogue's version ranges."""

from __future__ import annotations

import gc
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from lab.doctor.model import Setup
from lab.doctor.pins import Pins, installed, read_pins
from lab.doctor.project import Project, Skipped, Source, read_project
from lab.doctor.rules import CHECKS, Hit
from lab.rules import Outcome, Rule, load

_IGNORE = re.compile(r"#\s*lab:\s*ignore(?:\[([A-Z0-9,\s]+)\])?", re.I)


@dataclass(frozen=True)
class Finding:
    rule: str
    scenario: str
    path: str
    line: int
    col: int
    severity: str  # "error": certain and fails on the pins; "warning": certain, on other versions; "possible"
    fails: str  # "pinned", "upgrade", or "possible" (the versions it depends on are unknown)
    message: str
    fix: str
    url: str
    versions: str = ""  # where it fails, against what the project pins, in words

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Report:
    findings: list[Finding]
    skipped: list[Skipped]
    files: int
    pins: Pins = field(default_factory=Pins)


def rules() -> dict[str, Rule]:
    """The catalogue's rules that have a check, by code."""
    return {r.code: r for r in load() if r.code in CHECKS}


def packages(rule: Rule) -> list[str]:
    return list(dict.fromkeys(p for outcomes in rule.outcomes.values() for o in outcomes for p in o.versions))


def _bounds(spec: str) -> list[Version]:
    found = []
    for part in SpecifierSet(spec):
        try:
            found.append(Version(part.version))
        except InvalidVersion:
            continue
    return found


def _reachable(spec: str, pinned: str) -> bool:
    """Whether some release newer than `pinned` is in `spec`: the mode comes with an upgrade."""
    try:
        have = Version(pinned)
    except InvalidVersion:
        return False
    specifier = SpecifierSet(spec)
    if not any(s.operator in ("<", "<=", "==", "~=") for s in specifier):
        return True
    return any(v > have and specifier.contains(v, prereleases=True) for v in _bounds(spec))


def _overlap(one: str, other: str) -> bool:
    """Whether some version is in both ranges: tried at each bound, just below and just above it."""
    candidates = [Version("0")]
    for bound in _bounds(one) + _bounds(other):
        candidates += [bound, Version(f"{bound.base_version}.dev0"), Version(f"{bound.base_version}.post1")]
    both = SpecifierSet(one) & SpecifierSet(other)
    return any(both.contains(v, prereleases=True) for v in candidates)


def _capped(spec: str) -> bool:
    return any(s.operator in ("<", "<=", "==", "===", "~=") for s in SpecifierSet(spec))


def _latest_in(spec: str, package: str, have: Mapping[str, str | None], ranges: Mapping[str, str]) -> bool:
    """A package the project names with no version at all (`ranges` holds "" for it): today's release,
    which every range the catalogue observed with no upper bound holds and none with one does."""
    return have.get(package) is None and ranges.get(package) == "" and not _capped(spec)


def _ruled_out(outcome: Outcome, have: Mapping[str, str | None], ranges: Mapping[str, str]) -> bool:
    """An outcome whose versions the project's ranges exclude (`httpx<0.26` against `httpx >=0.28`), or
    that needs an older release than the one an unversioned dependency installs today."""
    return any(have.get(p) is None and p in ranges and (
        _capped(spec) if ranges[p] == "" else not _overlap(spec, ranges[p]))
        for p, spec in outcome.versions.items())


def _newer_reach(spec: str, package: str, have: Mapping[str, str | None], ranges: Mapping[str, str]) -> bool:
    """Whether an upgrade can bring `package` into `spec`: from its pin, past its range's cap, or (named
    with no version, so today's release already) only where `spec` has no upper bound."""
    pinned = have.get(package)
    if pinned is not None:
        return _reachable(spec, pinned)
    return not _capped(spec) if ranges.get(package) == "" else True


def _holds(outcome: Outcome, have: Mapping[str, str | None], ranges: Mapping[str, str]) -> bool | None:
    holds = outcome.holds(have)
    if holds is None and ranges:
        if _ruled_out(outcome, have, ranges):
            return False
        versions = outcome.versions.items()
        if all(have.get(p) is not None or _latest_in(s, p, have, ranges) for p, s in versions):
            return True
    return holds


def verdict(rule: Rule, have: Mapping[str, str | None],
            backends: Sequence[str] = (), ranges: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """("pinned" | "upgrade" | "possible", where it fails in words), or None: it fails neither on the pinned
    versions nor on any newer ones (or not on the backends the project uses)."""
    chosen = {b: o for b, o in rule.outcomes.items() if not backends or b in backends}
    per_backend: list[bool | None] = []
    failing = []
    for outcomes in chosen.values():
        candidates = []
        for outcome in outcomes:
            holds = _holds(outcome, have, ranges or {})
            if holds is False:
                continue
            candidates.append(outcome)
            if holds:
                break
        failing += [o for o in candidates if o.fails]
        fails = {o.fails for o in candidates}
        per_backend.append(None if len(fails) > 1 else (fails.pop() if fails else False))
    said = "; ".join(dict.fromkeys(
        ", ".join(f"{p} {s}" for p, s in o.versions.items()) for o in failing if o.versions))
    if True in per_backend:
        pinned = ", ".join(dict.fromkeys(
            f"{p} {have[p]}" if have.get(p) else f"{p} unversioned (today's release)"
            for o in failing for p in o.versions if have.get(p) or (ranges or {}).get(p) == ""))
        return "pinned", (f"fails with {said}; this project pins {pinned}" if said and pinned else "")
    if None in per_backend:
        unknown = sorted({p for o in failing for p in o.versions if not have.get(p)})
        return "possible", f"fails with {said}; this project's {', '.join(unknown)} version is unknown"
    upgrade = [o for outcomes in chosen.values() for o in outcomes if o.fails and all(
        _newer_reach(s, p, have, ranges or {}) for p, s in o.versions.items())]
    if not upgrade:
        return None
    said = "; ".join(dict.fromkeys(", ".join(f"{p} {s}" for p, s in o.versions.items()) for o in upgrade))
    allowed = {**(ranges or {}), **{p: v for p, v in have.items() if v}}
    pinned = ", ".join(dict.fromkeys(f"{p} {allowed[p]}" for o in upgrade for p in o.versions
                                     if p in allowed))
    return "upgrade", f"fails with {said}; this project pins {pinned}"


def _ignored(sources: Mapping[str, Source], hit: Hit) -> bool:
    source = sources.get(hit.path)
    if source is None or not 0 < hit.line <= len(source.lines):
        return False
    found = _IGNORE.search(source.lines[hit.line - 1])
    if not found:
        return False
    return found.group(1) is None or hit.code in {c.strip().upper() for c in found.group(1).split(",")}


def url_for(rule: Rule, base: str | None = None) -> str:
    """The scenario's page: `base` + its folder, or its README's path in the lab's repository."""
    if base:
        return f"{base.rstrip('/')}/{rule.scenario}"
    return f"scenarios/{rule.scenario}/README.md"


def _selected(code: str, select: Collection[str], ignore: Collection[str]) -> bool:
    def matches(patterns: Collection[str]) -> bool:
        return any(code.startswith(p.upper()) for p in patterns)

    return (not select or matches(select)) and not matches(ignore)


def judge(hits: Iterable[Hit], project: Project, have: Mapping[str, str | None], url_base: str | None = None,
          ranges: Mapping[str, str] | None = None) -> list[Finding]:
    catalogue = rules()
    sources = {s.rel: s for s in project.sources}
    findings = []
    for found in hits:
        rule = catalogue.get(found.code)
        if rule is None or _ignored(sources, found):
            continue
        judged = verdict(rule, have, found.backends, ranges)
        if judged is None:
            continue
        fails, versions = judged
        severity = "possible" if not found.certain else ("error" if fails == "pinned" else "warning")
        findings.append(Finding(rule.code, rule.scenario, found.path, found.line, found.col, severity,
                                "possible" if not found.certain and fails == "pinned" else fails,
                                found.message, rule.fix, url_for(rule, url_base), versions))
    findings.sort(key=lambda f: (f.path, f.line, f.col, f.rule))
    return list({(f.rule, f.path, f.line, f.col): f for f in findings}.values())


def check(paths: Sequence[Path] = (Path("."),), *, root: Path | None = None, pins: Pins | None = None,
          use_installed: bool = False, select: Collection[str] = (), ignore: Collection[str] = (),
          url_base: str | None = None) -> Report:
    """Read the project under `paths` and return what every selected rule finds there."""
    # The trees and their indexes are thousands of objects a file that live until the end: the cyclic
    # collector, run again and again as they pile up, would take most of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(paths, root, pins, use_installed, select, ignore, url_base)
    finally:
        if collecting:
            gc.enable()


def _setup_folders(project: Project) -> list[Path]:
    """The folders between the project's root and its conftests, nearest the root first: where a
    repository with its Python project in a subfolder keeps that project's pins."""
    root = project.root.resolve()
    found: dict[Path, None] = {}
    for source in project.of_kind("conftest"):
        folder = source.path.resolve().parent
        chain = [folder, *folder.parents]
        if root not in chain:
            continue
        for step in reversed(chain[:chain.index(root)]):
            found.setdefault(step)
    return list(found)


def _check(paths: Sequence[Path], root: Path | None, pins: Pins | None, use_installed: bool,
           select: Collection[str], ignore: Collection[str], url_base: str | None) -> Report:
    project = read_project(paths, root)
    setup = Setup(project)
    every = {p for rule in rules().values() for p in packages(rule)}
    if pins is None:
        pins = installed(every) if use_installed else read_pins(project.root, _setup_folders(project))
    hits: list[Hit] = []
    for code, run in sorted(CHECKS.items()):
        if _selected(code, select, ignore):
            hits.extend(run(setup))
    return Report(judge(hits, project, pins.have(every), url_base, pins.ranges), project.skipped,
                  project.files_read, pins)
