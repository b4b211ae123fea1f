"""The rules doctor and guard share: a code per scenario, its fix, and where it fails, from the scenario."""

from __future__ import annotations

import pytest
from conftest import REPO

from lab.rules import Outcome, Rule, load, rule_for
from lab.rules.catalogue import code_of


def rule(*outcomes: tuple[str, dict[str, str], bool]) -> Rule:
    found: dict[str, tuple[Outcome, ...]] = {}
    for backend, versions, fails in outcomes:
        found[backend] = (*found.get(backend, ()), Outcome(versions, fails, "x"))
    return Rule("LAB099", "99-x", "t", "s", "f", found)


def test_every_numbered_scenario_is_a_rule_named_by_its_number():
    folders = sorted(p.name for p in (REPO / "scenarios").iterdir() if (p / "scenario.toml").is_file())
    assert [r.scenario for r in load()] == folders
    assert rule_for("LAB001").scenario == "01-import-time-engine" and code_of("38-event-loop") == "LAB038"
    with pytest.raises(KeyError, match="LAB000"):
        rule_for("LAB000")


def test_each_rule_s_fix_is_the_first_sentence_of_its_readme_s_fix():
    fixes = {r.code: r.fix for r in load()}
    unsaid = [code for code, fix in fixes.items() if not fix.endswith((".", "!", "?"))]
    assert not unsaid, unsaid
    assert fixes["LAB001"].startswith("Build the engine inside an async fixture")


def test_the_first_outcome_whose_versions_hold_decides():
    upgrade = rule(("postgres", {"pytest-asyncio": ">=1.0"}, True), ("postgres", {}, False))
    assert upgrade.fails_on({"pytest-asyncio": "1.2.0"}) is True
    assert upgrade.fails_on({"pytest-asyncio": "0.21.1"}) is False
    assert upgrade.fails_on({}) is None  # the version it depends on is unknown: it cannot say


def test_a_backend_it_fails_on_decides_unless_only_others_are_asked():
    postgres_only = rule(("sqlite", {}, False), ("postgres", {}, True))
    assert postgres_only.fails_on({}) is True
    assert postgres_only.fails_on({}, ["sqlite"]) is False
    assert postgres_only.failing_ranges() == ["every version (postgres)"]


def test_a_pre_release_is_within_a_range_as_a_release_is():
    assert rule(("sqlite", {"pytest-asyncio": ">=1.4"}, True)).fails_on({"pytest-asyncio": "1.6.0a1"}) is True
