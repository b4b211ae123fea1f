"""A pass must have used the run's database only where the scenario's own tests use it.

Each folder below is written as a user writes one: a reproducer with no database, one with its own in-memory
SQLite, one whose tests use `DATABASE_URL`, and one of those whose fixed variant quietly swaps it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from lab.core.database_use import uses_database
from lab.core.scenarios import ScenarioError, discover, load

MANIFEST = """\
title = "{name}"
symptom = "s"
backends = ["sqlite"]
{extra}
[broken]
default = {{ raises = "{raises}", match = "{match}" }}
"""

# A ScopeMismatch reproducer: no database anywhere.
SCOPE_BROKEN = """\
import pytest

@pytest.fixture
def base():
    return 1

@pytest.fixture(scope="session")
def value(base):
    return base + 1
"""
SCOPE_FIXED = SCOPE_BROKEN.replace('(scope="session")', "")
SCOPE_TEST = "def test_value(value):\n    assert value == 2\n"

# Its own in-memory SQLite, on purpose: the broken variant forgets the table.
MEMORY_BROKEN = """\
import sqlite3
import pytest

@pytest.fixture
def db():
    with sqlite3.connect(":memory:") as connection:
        yield connection
"""
MEMORY_FIXED = MEMORY_BROKEN.replace(
    "        yield connection",
    '        connection.execute("create table items (x int)")\n        yield connection')
ITEMS_TEST = """\
def test_items(db):
    db.execute("insert into items values (1)")
    assert db.execute("select count(*) from items").fetchone() == (1,)
"""

# The run's own database, from DATABASE_URL.
GIVEN = 'os.environ["DATABASE_URL"].split("///", 1)[1]'
GIVEN_BROKEN = MEMORY_BROKEN.replace('":memory:"', GIVEN).replace("import sqlite3", "import os, sqlite3")
GIVEN_FIXED = MEMORY_FIXED.replace('":memory:"', GIVEN).replace("import sqlite3", "import os, sqlite3")
# The "fix" a shortcut takes: the table made, in a database of its own instead of the one the tests use.
SWAPPED_FIXED = MEMORY_FIXED

NO_TABLE = ("OperationalError", "no such table: items")
SCOPE = ("Failed", "ScopeMismatch")


def write(root: Path, name: str, broken: str, fixed: str, test: str, error: tuple[str, str],
          extra: str = "") -> Path:
    path = root / name
    for folder in ("tests", "broken", "fixed"):
        (path / folder).mkdir(parents=True)
    manifest = MANIFEST.format(name=name, extra=extra, raises=error[0], match=error[1])
    (path / "scenario.toml").write_text(manifest)
    (path / "tests" / "test_it.py").write_text(test)
    (path / "broken" / "conftest.py").write_text(broken)
    (path / "fixed" / "conftest.py").write_text(fixed)
    return path


@pytest.mark.subprocess
def test_users_folders_pass_as_plain_pytest_passes_them_and_a_swapped_database_is_caught(scenarios):
    root = scenarios.root
    write(root, "a-no-database", SCOPE_BROKEN, SCOPE_FIXED, SCOPE_TEST, SCOPE)
    write(root, "b-own-in-memory-sqlite", MEMORY_BROKEN, MEMORY_FIXED, ITEMS_TEST, NO_TABLE)
    write(root, "c-uses-the-given-database", GIVEN_BROKEN, GIVEN_FIXED, ITEMS_TEST, NO_TABLE)
    write(root, "d-fix-swaps-the-database", GIVEN_BROKEN, SWAPPED_FIXED, ITEMS_TEST, NO_TABLE)
    # Declared: the author knows better than what the files say
    write(root, "e-declared-own-database", GIVEN_BROKEN, SWAPPED_FIXED, ITEMS_TEST, NO_TABLE,
          "uses_database = false")
    write(root, "f-declared-uses-it", SCOPE_BROKEN, SCOPE_FIXED, SCOPE_TEST, SCOPE, "uses_database = true")
    result = scenarios.run("-j", "2")
    verdicts = {(r["scenario"], r["variant"]): (r["status"], r["detail"]) for r in result.records}
    never = "the run never used the database it was given (DATABASE_URL)"
    for name in ("a-no-database", "b-own-in-memory-sqlite", "c-uses-the-given-database",
                 "e-declared-own-database"):
        assert verdicts[(name, "broken")][0] == "as-expected", verdicts
        assert verdicts[(name, "fixed")] == ("as-expected", ""), verdicts
    assert verdicts[("d-fix-swaps-the-database", "fixed")] == ("fixed-failed", never)
    assert verdicts[("f-declared-uses-it", "fixed")] == ("fixed-failed", never)
    assert result.returncode == 1


def test_what_the_files_say_about_the_database(tmp_path):
    def folder(name: str, broken: str, fixed: str, test: str = "def test_x():\n    pass\n") -> Path:
        return write(tmp_path, name, broken, fixed, test, NO_TABLE)

    said = {
        "reads it": folder("r", GIVEN_BROKEN, GIVEN_FIXED),
        "a comment and a docstring only": folder(
            "c", '"""Uses DATABASE_URL."""\n# DATABASE_URL is not read here\n', ""),
        "the shared app from the environment": folder(
            "a", "from shared_app.app import create_app\napp = create_app()\n", ""),
        "the shared app's settings from the environment": folder(
            "s", "from shared_app.settings import Settings\nsettings = Settings.from_env()\n", ""),
        "the shared app on a database of its own": folder(
            "o", "from shared_app.app import create_app\nfrom shared_app.settings import Settings\n"
                 "app = create_app(Settings(database_url='sqlite+aiosqlite://'))\n", ""),
        "tests that set it themselves": folder(
            "t", GIVEN_BROKEN, GIVEN_FIXED,
            "import pytest\n@pytest.fixture(autouse=True)\ndef memory(monkeypatch):\n"
            "    monkeypatch.setenv('DATABASE_URL', 'sqlite:///:memory:')\n"),
        "each variant setting it": folder(
            "v", "import os\nos.environ['DATABASE_URL'] = 'sqlite:///:memory:'\n" + GIVEN_BROKEN,
            "import os\nos.environ['DATABASE_URL'] = 'sqlite:///:memory:'\n" + GIVEN_FIXED),
        "only the fixed variant setting it": folder(
            "f", GIVEN_BROKEN,
            "import os\nos.environ['DATABASE_URL'] = 'sqlite:///:memory:'\n" + GIVEN_FIXED),
    }
    found = {what: uses_database(path, ("broken", "fixed")) for what, path in said.items()}
    assert found == {
        "reads it": True,
        "a comment and a docstring only": False,
        "the shared app from the environment": True,
        "the shared app's settings from the environment": True,
        "the shared app on a database of its own": False,
        "tests that set it themselves": False,
        "each variant setting it": False,
        "only the fixed variant setting it": True,  # the swap a fix must not make
    }


def test_every_catalogue_scenario_and_the_recommended_conftest_uses_its_database():
    catalogue = discover(REPO / "scenarios")
    assert not [s.name for s in catalogue.scenarios if not s.uses_database]


def test_uses_database_must_be_a_boolean(tmp_path):
    path = write(tmp_path, "x", GIVEN_BROKEN, GIVEN_FIXED, ITEMS_TEST, NO_TABLE, 'uses_database = "yes"')
    said = r"scenario.toml: uses_database: expected true or false, got 'yes'"
    with pytest.raises(ScenarioError, match=said):
        load(path)
    (path / "scenario.toml").write_text(textwrap.dedent(MANIFEST.format(
        name="x", extra="uses_database = false", raises=NO_TABLE[0], match=NO_TABLE[1])))
    assert load(path).uses_database is False
