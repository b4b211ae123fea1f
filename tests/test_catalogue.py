"""The real catalogue: every scenario in this repo, broken and fixed, on SQLite and PostgreSQL."""

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO, Scenarios

from lab.core.databases import ENV_URL

# The modes `lab guard` covers: scenario number -> the rule it must name in that scenario's broken runs
GUARDED = {"01": "LAB001", "03": "LAB003", "05": "LAB005", "09": "LAB009", "10": "LAB010", "12": "LAB012",
           "16": "LAB016", "19": "LAB019", "27": "LAB027", "30": "LAB030", "37": "LAB037", "39": "LAB039",
           "33": "LAB033", "40": "LAB040", "47": "LAB047"}
# Where pytest's output starts showing the driver's error: the failures' and errors' sections
_DRIVER_ERROR = re.compile(r"^=+ (FAILURES|ERRORS) =+$", re.M)


@pytest.fixture(scope="module")
def on_the_server(tmp_path_factory, server_url):
    """The whole catalogue once on TEST_DATABASE_URL's server, without the guard, as the guard's baseline."""
    return Scenarios(REPO / "scenarios", tmp_path_factory.mktemp("plain")).run(
        env={**os.environ, ENV_URL: server_url}, timeout=1200)


def _check_catalogue(tmp_path, env):
    _check_records(Scenarios(REPO / "scenarios", tmp_path).run(env=env, timeout=1200))


def _check_records(result):
    # n/a is a verdict a scenario declares with its reason (54 needs uvloop, installed only by its set)
    not_as_expected = [r for r in result.records if r["status"] not in ("as-expected", "n/a")]
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


def test_catalogue_on_the_server_named_by_test_database_url(on_the_server):
    _check_records(on_the_server)


def test_the_guard_changes_no_outcome_and_names_each_mode_it_covers(tmp_path, server_url, on_the_server):
    """`lab run --guard` over the whole catalogue: every run's status as without it; each broken run of a
    covered mode carries the finding naming its scenario, written before pytest shows the driver's error
    (or before a segfault ends the run);
    no fixed variant, and not `recommended/`, has any finding."""
    keep = tmp_path / "runs"
    guarded = Scenarios(REPO / "scenarios", tmp_path).run(
        "--guard", "--keep", str(keep), env={**os.environ, ENV_URL: server_url}, timeout=1200)

    def statuses(result):
        return {(r["scenario"], r["variant"], r["backend"]): r["status"] for r in result.records}

    assert statuses(guarded) == statuses(on_the_server)
    problems = []
    for record in guarded.records:
        name, variant, backend = record["scenario"], record["variant"], record["backend"]
        found = {g["rule"]: g["scenario"] for g in record["guard"]}
        if variant == "fixed" and found:
            problems.append(f"{name} fixed {backend}: {sorted(found)}")
        rule = GUARDED.get(name[:2]) if variant == "broken" and record["status"] != "n/a" else None
        if rule is None:
            continue
        output = (keep / f"{name}-{variant}-{backend}" / ".lab-output.txt").read_text(errors="replace")
        finding = output.find(f"lab guard: {rule} ")
        error = _DRIVER_ERROR.search(output)
        if found.get(rule) != name or finding < 0:
            problems.append(f"{name} broken {backend}: {rule} not found, only {sorted(found)}")
        elif error is not None and error.start() < finding:
            problems.append(f"{name} broken {backend}: {rule} only after the driver's error")
    assert not problems, "\n".join(problems)


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
