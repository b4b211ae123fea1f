"""A fixed conftest's docstring tells its own fix, not the broken story: learners copy fixed variants."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO


def docstring(conftest: Path) -> str | None:
    return ast.get_docstring(ast.parse(conftest.read_text()))


def copied_docstring(scenario: Path) -> str | None:
    """Why the fixed conftest's docstring fails the rule, or None when it does not (or there is nothing to
    compare: a scenario whose variants differ only in `pytest.ini`, or share one unchanged conftest)."""
    broken, fixed = scenario / "broken" / "conftest.py", scenario / "fixed" / "conftest.py"
    if not (broken.exists() and fixed.exists()) or broken.read_text() == fixed.read_text():
        return None
    said = docstring(fixed)
    if not said:
        return "the fixed conftest has no docstring"
    if said == docstring(broken):
        return "the fixed conftest's docstring is the broken one's"
    return None


SCENARIOS = sorted(p for p in (REPO / "scenarios").iterdir() if (p / "scenario.toml").exists())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_the_fixed_conftest_docstring_is_its_own(scenario: Path) -> None:
    assert copied_docstring(scenario) is None, copied_docstring(scenario)


def variants(tmp_path: Path, broken: str, fixed: str) -> Path:
    for name, text in (("broken", broken), ("fixed", fixed)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "conftest.py").write_text(text)
    return tmp_path


@pytest.mark.parametrize(("broken", "fixed", "why"), [
    ('"""Made once, never closed."""\n', '"""Made once, never closed."""\nX = 1\n',
     "the fixed conftest's docstring is the broken one's"),
    ('"""Made once, never closed."""\n', "X = 1\n", "the fixed conftest has no docstring"),
    ('"""Made once, never closed."""\n', '"""Made and closed in each test."""\n', None),
])
def test_a_copied_or_missing_docstring_is_named(tmp_path: Path, broken: str, fixed: str, why: str | None):
    assert copied_docstring(variants(tmp_path, broken, fixed)) == why


def test_a_conftest_the_fix_leaves_unchanged_has_nothing_to_compare(tmp_path: Path) -> None:
    same = '"""One engine per session, on the session loop."""\n'
    assert copied_docstring(variants(tmp_path, same, same)) is None


def test_a_scenario_without_conftests_has_nothing_to_compare(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "fixed").mkdir()
    assert copied_docstring(tmp_path) is None
