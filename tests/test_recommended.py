"""The recommended conftest: a folder beside `scenarios/`, loaded and run as a scenario with one variant."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSING_TEST, Scenarios

from lab.core.plan import plan
from lab.core.report import index_markdown
from lab.core.scenarios import discover
from lab.docs.readme import stale

MANIFEST = 'title = "The recommended conftest"\nsymptom = "None: every test passes."\n'


def pattern(root: Path, manifest: str = MANIFEST, conftest: str = "") -> Path:
    path = root / "recommended"
    (path / "tests").mkdir(parents=True)
    (path / "scenario.toml").write_text(manifest)
    (path / "conftest.py").write_text(conftest)
    (path / "tests" / "test_it.py").write_text(PASSING_TEST)
    return path


@pytest.fixture
def scenarios(tmp_path) -> Scenarios:
    found = Scenarios(tmp_path / "scenarios", tmp_path)
    found.add("01-x", 'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "ZeroDivisionError" }\n')
    return found


def test_it_is_found_beside_the_scenarios_and_has_only_a_fixed_variant(scenarios, tmp_path):
    pattern(tmp_path)
    catalogue = discover(scenarios.root)
    assert [(s.name, s.pattern, s.variants) for s in catalogue.scenarios] == [
        ("01-x", False, ("broken", "fixed")), ("recommended", True, ("fixed",))]
    recommended = catalogue.scenarios[1]
    assert recommended.variant_dir("fixed") == tmp_path / "recommended"
    runs = plan([recommended])
    assert [(r.variant, r.backend) for r in runs] == [("fixed", "sqlite"), ("fixed", "postgres")]


def test_it_is_no_row_of_the_index_and_has_no_fix_diff(scenarios, tmp_path):
    pattern(tmp_path)
    catalogue = discover(scenarios.root)
    assert "recommended" not in index_markdown(catalogue.scenarios)
    (scenarios.root / "01-x" / "README.md").write_text("<!-- fix-diff -->\n<!-- /fix-diff -->\n")
    top = tmp_path / "README.md"
    top.write_text("<!-- index: -->\n<!-- index-end -->\n")
    assert stale(catalogue.scenarios, top, write=True) == [top, scenarios.root / "01-x" / "README.md"]


@pytest.mark.parametrize(("manifest", "conftest", "message"), [
    (MANIFEST + '[broken]\ndefault = { raises = "E" }\n', True,
     "broken: the recommended conftest has no broken variant"),
    (MANIFEST, False, "recommended/conftest.py: missing"),
])
def test_a_malformed_one_is_a_problem_named_by_its_file(scenarios, tmp_path, manifest, conftest, message):
    path = pattern(tmp_path, manifest)
    if not conftest:
        (path / "conftest.py").unlink()
    catalogue = discover(scenarios.root)
    assert [s.name for s in catalogue.scenarios] == ["01-x"]
    assert [p.name for p in catalogue.problems] == ["recommended"]
    assert message in catalogue.problems[0].message


def test_it_runs_and_must_pass(scenarios, tmp_path):
    pattern(tmp_path)
    result = scenarios.run("-b", "sqlite")
    assert result.status("recommended", "fixed") == "as-expected", result.stdout
    assert result.returncode == 0
    (tmp_path / "recommended" / "tests" / "test_it.py").write_text("def test_no():\n    assert False\n")
    result = scenarios.run("-b", "sqlite", "recommended")
    assert result.status("recommended", "fixed") == "fixed-failed"
    assert result.returncode == 1
