"""The READMEs' generated parts: each fix is the real diff of its variants; the index is the catalogue."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from lab.core.scenarios import discover, load
from lab.core.variants import fix_diff
from lab.docs.readme import ReadmeError, stale, with_fix_diff
from lab.rules.catalogue import SNAPSHOT

REFERENCE = re.compile(r"\*\*Reported\.\*\* ")


@pytest.fixture(scope="module")
def catalogue():
    found = discover(REPO / "scenarios")
    assert not found.problems, found.problems
    return found


def test_every_readme_is_as_lab_readme_writes_it(catalogue):
    changed = stale(catalogue.scenarios, REPO / "README.md", write=False, rules=SNAPSHOT)
    assert not changed, f"out of date (run `lab readme`): {[str(p.relative_to(REPO)) for p in changed]}"


def test_every_scenario_readme_cites_a_public_report_or_says_why_not(catalogue):
    missing = [s.name for s in catalogue.scenarios
               if not s.pattern and not REFERENCE.search((s.path / "README.md").read_text())]
    assert not missing, f"no **Reported.** paragraph: {missing}"


def scenario(tmp_path: Path, broken: str, fixed: str, ini: str | None = None, fixed_ini: str | None = None):
    path = tmp_path / "01-x"
    for folder in ("tests", "broken", "fixed"):
        (path / folder).mkdir(parents=True)
    (path / "scenario.toml").write_text('title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E" }\n')
    (path / "broken" / "conftest.py").write_text(broken)
    (path / "fixed" / "conftest.py").write_text(fixed)
    if ini is not None:
        (path / "pytest.ini").write_text(ini)
    if fixed_ini is not None:
        (path / "fixed" / "pytest.ini").write_text(fixed_ini)
    return load(path)


def test_the_diff_is_the_conftest_change_then_the_pytest_ini_the_fixed_variant_replaces(tmp_path):
    found = scenario(tmp_path, "a = 1\nb = 2\n", "a = 1\nb = 3\n",
                     ini="[pytest]\nx = 1\n", fixed_ini="[pytest]\nx = 2\n")
    assert fix_diff(found) == textwrap.dedent("""\
        --- broken/conftest.py
        +++ fixed/conftest.py
        @@ -1,2 +1,2 @@
         a = 1
        -b = 2
        +b = 3
        --- broken/pytest.ini
        +++ fixed/pytest.ini
        @@ -1,2 +1,2 @@
         [pytest]
        -x = 1
        +x = 2
        """)


def test_a_file_only_one_variant_has_is_diffed_against_nothing(tmp_path):
    found = scenario(tmp_path, "a = 1\n", "a = 1\n")
    (found.path / "fixed" / "helpers.py").write_text("h = 1")
    assert fix_diff(found) == textwrap.dedent("""\
        --- /dev/null
        +++ fixed/helpers.py
        @@ -0,0 +1 @@
        +h = 1
        \\ No newline at end of file
        """)


def test_the_shared_pytest_ini_used_by_both_variants_is_no_change(tmp_path):
    assert fix_diff(scenario(tmp_path, "a = 1\n", "a = 1\n", ini="[pytest]\n")) == ""


def test_the_block_is_rewritten_and_the_prose_around_it_kept(tmp_path):
    found = scenario(tmp_path, "a = 1\n", "a = 2\n")
    text = "**Fix.** Two.\n\n<!-- fix-diff -->\n```diff\nstale\n```\n<!-- /fix-diff -->\n\nAfter.\n"
    assert with_fix_diff(text, found) == (
        "**Fix.** Two.\n\n<!-- fix-diff -->\n```diff\n--- broken/conftest.py\n+++ fixed/conftest.py\n"
        "@@ -1 +1 @@\n-a = 1\n+a = 2\n```\n<!-- /fix-diff -->\n\nAfter.\n"
    )


def test_a_readme_without_the_block_is_named(tmp_path):
    found = scenario(tmp_path, "a = 1\n", "a = 2\n")
    with pytest.raises(ReadmeError, match=r"01-x/README\.md: no <!-- fix-diff -->"):
        with_fix_diff("**Fix.**\n```diff\n-a\n```\n", found)


def test_lab_readme_rewrites_stale_files_and_check_only_names_them(tmp_path):
    found = scenario(tmp_path, "a = 1\n", "a = 2\n")
    readme = found.path / "README.md"
    readme.write_text("<!-- fix-diff -->\n<!-- /fix-diff -->\n")
    top = tmp_path / "README.md"
    top.write_text("<!-- index: lab list --markdown -->\nold\n<!-- index-end -->\n")
    assert stale([found], top, write=False) == [top, readme]
    assert "old" in top.read_text()  # --check writes nothing
    assert stale([found], top, write=True) == [top, readme]
    assert stale([found], top, write=False) == []
    assert "[01-x](scenarios/01-x/README.md)" in top.read_text()
