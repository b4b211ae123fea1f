"""A variant passes only if every test of its scenario ran and passed, against the database it was given.

Each trick below makes pytest itself say "passed" or exit 0; none may make the lab say `as-expected`.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import PASSING_TEST, SQLITE_ONLY

USES_ITS_DATABASE = PASSING_TEST.replace("test_ok", "test_writes")

TRICKS = {
    "a collection hook that skips": (
        "import pytest\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        item.add_marker(pytest.mark.skip(reason='later'))\n",
        "", "tests/test_it.py::test_writes skipped"),
    "an xfail marker on every test": (
        "import pytest\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        item.add_marker(pytest.mark.xfail(reason='flaky'))\n",
        "", "tests/test_it.py::test_writes xpassed"),
    "deselection through addopts": (
        "", "addopts = -k 'not writes'\n", "deselected: tests/test_it.py::test_writes"),
    "a hook that drops tests quietly": (
        "def pytest_collection_modifyitems(items):\n    items.clear()\n", "", "no test ran"),
    "another database": (
        "import os, tempfile\n"
        "os.environ['DATABASE_URL'] = 'sqlite+aiosqlite:///' + tempfile.mktemp(suffix='.db')\n",
        "", "never used the database it was given"),
}


@pytest.mark.parametrize("trick", TRICKS)
def test_a_fixed_variant_that_cheats_is_not_as_expected(scenarios, trick):
    conftest, ini, reason = TRICKS[trick]
    path = scenarios.add("cheat", SQLITE_ONLY, fixed=USES_ITS_DATABASE, conftest=conftest)
    # the cheat is the fixed variant's alone: a broken one that did the same would be the scenario's design
    (path / "broken" / "conftest.py").write_text(
        (path / "broken" / "conftest.py").read_text().replace(textwrap.dedent(conftest), ""))
    (path / "pytest.ini").write_text("[pytest]\n" + ini)
    result = scenarios.run("--variant", "fixed")
    fixed = result.records[0]
    assert fixed["status"] == "fixed-failed", fixed
    assert reason in fixed["detail"]
    assert result.returncode == 1


def test_the_honest_fixed_variant_passes(scenarios):
    scenarios.add("honest", SQLITE_ONLY, fixed=USES_ITS_DATABASE)
    result = scenarios.run("--variant", "fixed")
    assert result.status("honest", "fixed") == "as-expected", result.records
