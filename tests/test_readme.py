"""The README's scenario index is the catalogue, as `lab list --markdown` renders it."""

from __future__ import annotations

import re

from conftest import REPO

from lab.report import index_markdown
from lab.scenarios import discover

INDEX = re.compile(r"<!-- index:.*?-->\n(.*?)<!-- index-end -->", re.S)


def test_readme_index_lists_every_scenario_as_the_catalogue_says():
    found = INDEX.search((REPO / "README.md").read_text())
    assert found, "README.md: no <!-- index: ... --> ... <!-- index-end --> block"
    catalogue = discover(REPO / "scenarios")
    assert not catalogue.problems
    assert found.group(1) == index_markdown(catalogue.scenarios), (
        "README.md's scenario index is out of date: paste the output of `lab list --markdown`"
    )
