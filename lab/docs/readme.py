"""The generated parts of the READMEs: each scenario's fix diff, and the catalogue's index.

A README's fix is the real `diff -u` of what the two variants run, so no README can teach a change other
than the one the lab tests. `lab readme` rewrites both parts; `lab readme --check` (and a test) says which
files are stale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from lab.core.report import index_markdown
from lab.core.scenarios import Scenario
from lab.core.variants import fix_diff
from lab.rules import snapshot

# `<!-- fix-diff -->` holds the scenario's own fix; `<!-- fix-diff FOLDER -->` an idiom's, where it differs
FIX_DIFF = re.compile(
    r"(?P<open><!-- fix-diff(?: (?P<idiom>[^ >]+))? -->\n).*?(?P<close><!-- /fix-diff -->)", re.S
)
INDEX = re.compile(r"(<!-- index:.*?-->\n)(.*?)(<!-- index-end -->)", re.S)


class ReadmeError(ValueError):
    """A README without the block it must hold; the message names the file and the block."""


def with_fix_diff(text: str, scenario: Scenario) -> str:
    """`text` (a scenario README) with its fix-diff blocks rewritten from the variants: the scenario's own,
    and one for each idiom whose fix differs from it (an idiom whose fix is the same may have one)."""
    readme = scenario.path / "README.md"
    idioms = {idiom.folder: idiom for idiom in scenario.idioms}
    diffs = {"": fix_diff(scenario)} | {name: fix_diff(scenario, idiom) for name, idiom in idioms.items()}
    present = [found.group("idiom") or "" for found in FIX_DIFF.finditer(text)]
    unknown = [name for name in present if name not in diffs]
    if unknown:
        raise ReadmeError(f"{readme}: <!-- fix-diff {unknown[0]} -->: no [[idiom]] has that folder")
    wanted = ["", *(name for name in idioms if diffs[name] != diffs[""])]
    missing = [name for name in wanted if name not in present]
    if missing:
        name = missing[0]
        marker = f"<!-- fix-diff {name} -->" if name else "<!-- fix-diff -->"
        said = f"idiom {name!r}, whose fix differs from the scenario's" if name else "the fix"
        raise ReadmeError(f"{readme}: no {marker} ... <!-- /fix-diff --> block for {said}")

    def rewritten(found: re.Match[str]) -> str:
        return found["open"] + f"```diff\n{diffs[found['idiom'] or '']}```\n" + found["close"]

    return FIX_DIFF.sub(rewritten, text)


def with_index(text: str, scenarios: Sequence[Scenario], where: Path) -> str:
    """`text` (the top README) with its scenario index rewritten from the catalogue."""
    if not INDEX.search(text):
        raise ReadmeError(f"{where}: no <!-- index: ... --> ... <!-- index-end --> block")
    index = index_markdown(scenarios)
    return INDEX.sub(lambda found: found.group(1) + index + found.group(3), text, count=1)


def stale(scenarios: Sequence[Scenario], top: Path, *, write: bool, rules: Path | None = None) -> list[Path]:
    """The READMEs whose generated parts are out of date (rewritten when `write`); raises ReadmeError.

    With `rules`, the rules' snapshot of the catalogue (`lab.rules`) is one of the generated files.
    """
    wanted = {top: with_index(top.read_text(), scenarios, top)}
    if rules is not None:
        wanted[rules] = snapshot(scenarios)
    for scenario in (s for s in scenarios if not s.pattern):
        path = scenario.path / "README.md"
        if not path.is_file():
            raise ReadmeError(f"{path}: missing")
        wanted[path] = with_fix_diff(path.read_text(), scenario)
    changed = [path for path, text in wanted.items() if not path.is_file() or path.read_text() != text]
    if write:
        for path in changed:
            path.write_text(wanted[path])
    return changed
