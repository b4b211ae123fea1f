"""The generated parts of the READMEs: each scenario's fix diff, and the catalogue's index.

A README's fix is the real `diff -u` of what the two variants run, so no README can teach a change other
than the one the lab tests. `lab readme` rewrites both parts; `lab readme --check` (and a test) says which
files are stale.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from lab.report import index_markdown
from lab.scenarios import DEFAULT_INI, Scenario

FIX_DIFF = re.compile(r"(<!-- fix-diff -->\n)(.*?)(<!-- /fix-diff -->)", re.S)
INDEX = re.compile(r"(<!-- index:.*?-->\n)(.*?)(<!-- index-end -->)", re.S)


class ReadmeError(ValueError):
    """A README without the block it must hold; the message names the file and the block."""


def variant_files(scenario: Scenario, variant: str) -> dict[str, str]:
    """What `variant` adds to its run folder, by relative path, with the pytest.ini it really runs with."""
    folder = scenario.variant_dir(variant)
    found = {
        path.relative_to(folder).as_posix(): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    if "pytest.ini" not in found:
        shared = scenario.path / "pytest.ini"
        found["pytest.ini"] = shared.read_text() if shared.is_file() else DEFAULT_INI
    return found


def fix_diff(scenario: Scenario) -> str:
    """The unified diff from the broken variant to the fixed one: `conftest.py` first, then the rest."""
    broken, fixed = variant_files(scenario, "broken"), variant_files(scenario, "fixed")
    names = sorted(set(broken) | set(fixed), key=lambda name: (name != "conftest.py", name))
    chunks: list[str] = []
    for name in names:
        old, new = broken.get(name), fixed.get(name)
        chunks.extend(difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            f"broken/{name}" if old is not None else "/dev/null",
            f"fixed/{name}" if new is not None else "/dev/null",
        ))
    no_newline = "\n\\ No newline at end of file\n"  # as `diff -u` says it
    return "".join(line if line.endswith("\n") else line + no_newline for line in chunks)


def with_fix_diff(text: str, scenario: Scenario) -> str:
    """`text` (a scenario README) with its fix-diff block rewritten from the variants."""
    if not FIX_DIFF.search(text):
        raise ReadmeError(
            f"{scenario.path / 'README.md'}: no <!-- fix-diff --> ... <!-- /fix-diff --> block for the fix"
        )
    block = f"```diff\n{fix_diff(scenario)}```\n"
    return FIX_DIFF.sub(lambda found: found.group(1) + block + found.group(3), text, count=1)


def with_index(text: str, scenarios: Sequence[Scenario], where: Path) -> str:
    """`text` (the top README) with its scenario index rewritten from the catalogue."""
    if not INDEX.search(text):
        raise ReadmeError(f"{where}: no <!-- index: ... --> ... <!-- index-end --> block")
    index = index_markdown(scenarios)
    return INDEX.sub(lambda found: found.group(1) + index + found.group(3), text, count=1)


def stale(scenarios: Sequence[Scenario], top: Path, *, write: bool) -> list[Path]:
    """The READMEs whose generated parts are out of date (rewritten when `write`); raises ReadmeError."""
    wanted = {top: with_index(top.read_text(), scenarios, top)}
    for scenario in (s for s in scenarios if not s.pattern):
        path = scenario.path / "README.md"
        if not path.is_file():
            raise ReadmeError(f"{path}: missing")
        wanted[path] = with_fix_diff(path.read_text(), scenario)
    changed = [path for path, text in wanted.items() if path.read_text() != text]
    if write:
        for path in changed:
            path.write_text(wanted[path])
    return changed
