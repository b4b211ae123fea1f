"""The real catalogue: every scenario in this repo, broken and fixed, on SQLite and PostgreSQL."""

import os

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
    print(result.stdout)


def test_catalogue_on_sqlite_and_embedded_postgres(tmp_path):
    _check_catalogue(tmp_path, {k: v for k, v in os.environ.items() if k != ENV_URL})


def test_catalogue_on_the_server_named_by_test_database_url(tmp_path, server_url):
    _check_catalogue(tmp_path, {**os.environ, ENV_URL: server_url})
