"""Rules from the catalogue: each scenario's code, title, fix, and what its broken variant does by version."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.specifiers import SpecifierSet

from lab.core.scenarios import Scenario

SNAPSHOT = Path(__file__).with_name("catalogue.json")
# The first sentence of a README's **Fix.** paragraph: the fix in one sentence
_FIX = re.compile(r"\*\*Fix\.\*\*\s+(.*?[.!?])(?=\s|$)", re.S)


@dataclass(frozen=True)
class Outcome:
    """One entry of a broken variant's expectations on one backend: where it holds, and what it is."""

    versions: Mapping[str, str]
    fails: bool
    said: str  # "RuntimeError: /attached to a different loop/", or "passes"

    def holds(self, have: Mapping[str, str | None]) -> bool | None:
        """Whether `have` (package -> version; None: unknown) is in every range; None if it depends on an
        unknown version."""
        unknown = False
        for package, spec in self.versions.items():
            version = have.get(package)
            if version is None:
                unknown = True
            elif not SpecifierSet(spec).contains(version, prereleases=True):
                return False
        return None if unknown else True


@dataclass(frozen=True)
class Rule:
    code: str
    scenario: str  # the folder, e.g. "01-import-time-engine"
    title: str
    symptom: str
    fix: str
    # backend -> the broken variant's outcomes, in the order the scenario lists them (first that holds wins)
    outcomes: Mapping[str, tuple[Outcome, ...]]

    def fails_on(self, have: Mapping[str, str | None], backends: Sequence[str] = ()) -> bool | None:
        """Whether the mode fails with these versions on any of `backends` (default: any the scenario has):
        True or False where the versions decide, None where they do not (a version it depends on unknown)."""
        found: list[bool | None] = []
        for backend, outcomes in self.outcomes.items():
            if backends and backend not in backends:
                continue
            for outcome in outcomes:
                holds = outcome.holds(have)
                if holds is None:
                    found.append(None)
                    break
                if holds:
                    found.append(outcome.fails)
                    break
        if True in found:
            return True
        return None if None in found or not found else False

    def failing_ranges(self) -> list[str]:
        """Where it fails, in words: `pytest-asyncio >=1.0 (postgres)`, `every version (sqlite, postgres)`."""
        ranges: dict[str, list[str]] = {}
        for backend, outcomes in self.outcomes.items():
            for outcome in outcomes:
                if outcome.fails:
                    said = ", ".join(f"{p} {s}" for p, s in outcome.versions.items()) or "every version"
                    ranges.setdefault(said, []).append(backend)
        return [f"{said} ({', '.join(dict.fromkeys(b))})" for said, b in ranges.items()]


def code_of(scenario: str) -> str:
    """`LAB001` for `01-import-time-engine`."""
    number = scenario.split("-", 1)[0]
    return f"LAB{int(number):03d}" if number.isdigit() else ""


def snapshot(scenarios: Sequence[Scenario]) -> str:
    """The catalogue file `lab readme` writes: every numbered scenario as a rule, as JSON text."""
    rules = []
    for scenario in scenarios:
        code = code_of(scenario.name)
        if scenario.pattern or not code:
            continue
        readme = scenario.path / "README.md"
        found = _FIX.search(readme.read_text()) if readme.is_file() else None
        outcomes = {
            backend: [{"versions": dict(e.versions), "fails": not e.passes, "said": e.describe()}
                      for e in options]
            for backend, options in scenario.expectations["broken"].items()
        }
        rules.append({"code": code, "scenario": scenario.name, "title": scenario.title,
                      "symptom": scenario.symptom, "fix": " ".join(found.group(1).split()) if found else "",
                      "outcomes": outcomes})
    return json.dumps(rules, indent=1, sort_keys=True) + "\n"


@cache
def load(path: Path = SNAPSHOT) -> tuple[Rule, ...]:
    """Every rule of the catalogue, from the snapshot."""
    rules = []
    for data in json.loads(path.read_text()):
        outcomes = {backend: tuple(Outcome(o["versions"], o["fails"], o["said"]) for o in entries)
                    for backend, entries in data["outcomes"].items()}
        rules.append(Rule(data["code"], data["scenario"], data["title"], data["symptom"], data["fix"],
                          outcomes))
    return tuple(rules)


def rule_for(code: str) -> Rule:
    """The rule with this code; KeyError names it when the catalogue has none."""
    for rule in load():
        if rule.code == code:
            return rule
    raise KeyError(f"no rule {code} in the catalogue")
