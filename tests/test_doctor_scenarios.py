"""Every scenario pair is a rule test: its broken variant is flagged with its own rule, its fixed variant
and the recommended conftest with none. Derived from the folders, so a new scenario is tested by existing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from doctor_helpers import REPO, assemble

from lab.core.scenarios import discover
from lab.doctor import check
from lab.doctor.pins import Pins
from lab.doctor.rules import CHECKS
from lab.rules.catalogue import code_of

SCENARIOS = [s for s in discover(REPO / "scenarios").scenarios if code_of(s.name)]

# Scenarios whose mode the code does not show, each with why. Empty today: each scenario's mistake is in
# its conftest or configuration. A scenario listed here must have no check (the test below says so).
NOT_VISIBLE: dict[str, str] = {}


def _codes(project: Path) -> dict[str, list[str]]:
    report = check([project], pins=Pins())  # versions unknown: every rule that may fail is reported
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.rule, []).append(f"{finding.path}:{finding.line} {finding.message}")
    assert not report.skipped, report.skipped
    return found


def test_each_scenario_has_a_check_or_says_why_not() -> None:
    for scenario in SCENARIOS:
        code = code_of(scenario.name)
        assert (code in CHECKS) != (scenario.name in NOT_VISIBLE), scenario.name


CHECKED = [s for s in SCENARIOS if code_of(s.name) in CHECKS]


@pytest.mark.parametrize("scenario", CHECKED, ids=lambda s: s.name)
def test_the_broken_variant_is_flagged_with_its_own_rule(scenario, tmp_path: Path) -> None:
    found = _codes(assemble(scenario, "broken", tmp_path))
    assert code_of(scenario.name) in found, found


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_fixed_variant_is_quiet(scenario, tmp_path: Path) -> None:
    assert _codes(assemble(scenario, "fixed", tmp_path)) == {}


def test_the_recommended_conftest_is_quiet(tmp_path: Path) -> None:
    shutil.copytree(REPO / "recommended", tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "shared_app", tmp_path / "project" / "shared_app",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert _codes(tmp_path / "project") == {}
