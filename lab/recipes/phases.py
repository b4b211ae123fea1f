"""The pytest plugin `lab.recipes` loads into every session it times: seconds spent in setup, call and
teardown, summed over the session's tests, written as JSON where `LAB_RECIPES_PHASES` says.

Setup and teardown are where isolation strategies differ (their fixtures); the call is the suite's own work,
the same under every strategy. Splitting them shows what a recipe costs apart from the tests it runs.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

ENV = "LAB_RECIPES_PHASES"
_totals: defaultdict[str, float] = defaultdict(float)  # one session per interpreter: it is that session's


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _totals[report.when] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get(ENV)
    if path:
        Path(path).write_text(json.dumps(dict(_totals)))
