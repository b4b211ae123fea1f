"""`lab guard` (`pytest -p lab.guard`): a pytest plugin that names the catalogue's mistake while a suite runs.

It records where, by which fixture and on which event loop each async resource was made, and reports a
catalogue mistake as it happens: a `LabGuardWarning` and a `lab guard` section in the terminal summary,
each finding with the rule code it shares with `lab doctor` and the scenario that shows it. Opt-in: only
`-p lab.guard` (or `lab run --guard`) loads it. It uses the rule registry (`lab.rules`) and nothing else of
the lab.
"""

from __future__ import annotations

import pytest

from lab.guard.findings import Finding, LabGuardWarning
from lab.guard.plugin import Guard

__all__ = ["Finding", "Guard", "LabGuardWarning"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lab guard")
    group.addoption("--guard-strict", action="store_true", default=False,
                    help="make each finding of lab guard an error of the test it was seen in")
    group.addoption("--guard-report", metavar="PATH", default=None,
                    help="write lab guard's findings to PATH as JSON (a pytest-xdist worker: PATH.gwN)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Before any conftest is imported: an engine made at import is a resource too."""
    if early_config.pluginmanager.get_plugin("lab-guard") is None:
        early_config.pluginmanager.register(Guard(early_config), "lab-guard")
