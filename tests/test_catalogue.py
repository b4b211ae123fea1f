"""The real catalogue: every scenario in this repo, broken and fixed, on SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys

from conftest import REPO, Scenarios

from lab.databases import ENV_URL


def _check_catalogue(tmp_path, env):
    result = Scenarios(REPO / "scenarios", tmp_path).run(env=env, timeout=1200)
    not_as_expected = [r for r in result.records if r["status"] != "as-expected"]
    # the table cuts messages short; a failure here should say in full what each odd run raised
    unexpected = "\n".join(
        f"{r['scenario']} {r['variant']} {r['backend']}: {r['status']}: "
        f"{r['error_type']}: {r['error_message']}"
        for r in not_as_expected
    )
    assert result.returncode == 0 and not not_as_expected, f"{result.stdout}{result.stderr}\n{unexpected}"
    assert {r["backend"] for r in result.records} == {"sqlite", "postgres"}
    # the recommended conftest is run too, on both backends, as the pattern it is: a fixed variant only
    recommended = {(r["variant"], r["backend"]) for r in result.records if r["scenario"] == "recommended"}
    assert recommended == {("fixed", "sqlite"), ("fixed", "postgres")}
    print(result.stdout)


def test_catalogue_on_sqlite_and_embedded_postgres(tmp_path):
    _check_catalogue(tmp_path, {k: v for k, v in os.environ.items() if k != ENV_URL})


def test_catalogue_on_the_server_named_by_test_database_url(tmp_path, server_url):
    _check_catalogue(tmp_path, {**os.environ, ENV_URL: server_url})


def test_a_slice_of_the_version_matrix_shows_each_sets_own_history(tmp_path):
    """The matrix end to end on real venvs: two sets whose outcomes differ from the newest releases."""
    records_path, junit = tmp_path / "matrix.json", tmp_path / "junit.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "lab", "matrix", "--stack", "httpx-0.27", "--stack", "sqlalchemy-2.0",
         "13", "15", "-b", "sqlite", "--out", str(tmp_path / "out"), "--json", str(records_path),
         "--junit", str(junit)],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    records = {(r["stack"], r["scenario"][:2], r["variant"]): r for r in json.loads(records_path.read_text())}
    assert all(r["status"] == "as-expected" for r in records.values())
    # httpx 0.27 still took `app=`, with a deprecation warning: the broken conftest passed back then
    assert records["httpx-0.27", "15", "broken"]["error_type"] is None
    assert records["httpx-0.27", "15", "broken"]["versions"]["httpx"] == "0.27.2"
    # SQLAlchemy 2.0 names the function it could not call `await_only()`; 2.1 says `await_()`
    assert "can't call await_only() here" in records["sqlalchemy-2.0", "13", "broken"]["error_message"]
    assert records["httpx-0.27", "13", "broken"]["error_message"].count("can't call await_() here") == 1
    assert "15-httpx-app-argument" in completed.stdout and "passes" in completed.stdout
