"""One pytest session of the suite per strategy, backend and round, timed by pytest itself (judged in
`lab.recipes.judging`)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lab.core.databases import Database, PostgresServer, ProvisionError, SqliteServer
from lab.recipes.judging import Run, collected, fixtures_per_test, judge, parse_junit, per_test
from lab.recipes.phases import ENV as PHASES_ENV
from lab.recipes.strategies import RECIPES, ROOT, Strategy, prepare

PYTEST = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "lab.recipes.phases")


def child_env(database_url: str | None = None) -> dict[str, str]:
    """The run's environment: its database, and the checkout first on the path (shared_app, uninstalled)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def count_tests() -> int:
    """How many tests the suite has, collected without any strategy: what every run must run."""
    with tempfile.TemporaryDirectory(prefix="lab-recipes-") as scratch:
        workdir = Path(scratch)
        shutil.copytree(RECIPES / "suite", workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        (workdir / "pytest.ini").write_text("[pytest]\n")
        done = subprocess.run([sys.executable, *PYTEST, "--collect-only"], cwd=workdir, env=child_env(),
                              capture_output=True, text=True, check=False)
    count = collected(done.stdout)
    if done.returncode != 0 or not count:
        raise SystemExit(f"the suite does not collect:\n{done.stdout}{done.stderr}")
    return count


def run_once(
    strategy: Strategy, database: Database, expected: int, timeout: float, extra: Sequence[str] = ()
) -> Run:
    """One pytest session of the suite under `strategy` on `database`, in a fresh folder and interpreter;
    `extra`: more pytest arguments (the bench's `-p lab.guard`)."""
    with tempfile.TemporaryDirectory(prefix="lab-recipes-") as scratch:
        workdir = Path(scratch)
        prepare(strategy, workdir)
        report, phases_file = workdir / "junit.xml", workdir / "phases.json"
        command = [sys.executable, *PYTEST, f"--junitxml={report}", *extra]
        env = {**child_env(database.url), PHASES_ENV: str(phases_file)}
        try:
            done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Run(strategy.name, database.backend, 0, None, f"timed out after {timeout:.0f} s")
        session = parse_junit(report.read_text()) if report.is_file() else None
        phases = json.loads(phases_file.read_text()) if phases_file.is_file() else {}
    reason = judge(session, done.returncode, expected, done.stdout + done.stderr)
    if reason or session is None:
        return Run(strategy.name, database.backend, session.tests if session else 0, None, reason)
    return Run(strategy.name, database.backend, session.tests, per_test(session), None,
               fixtures_per_test(phases, session.tests))


def measure(
    strategy: Strategy, server: SqliteServer | PostgresServer, expected: int, timeout: float,
    extra: Sequence[str] = (),
) -> Run:
    """One round: a fresh database made for the run, and dropped after it with any its conftest made."""
    try:
        database = server.create(f"recipes_{strategy.name}")
    except ProvisionError as error:
        return Run(strategy.name, server.backend, 0, None, f"no database: {error}")
    try:
        return run_once(strategy, database, expected, timeout, extra)
    finally:
        server.drop(database)
        for name in strategy.extra_databases(database.name):
            server.drop(Database(server.backend, "", name))


def server_version(server: PostgresServer) -> str | None:
    """The PostgreSQL server's version, for the machine line; None when it cannot be asked."""
    dsn = server.admin_url().set(drivername="postgresql").render_as_string(hide_password=False)

    async def ask() -> str:
        import asyncpg

        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        return asyncio.run(ask()).split()[0]
    except Exception:  # a figure for the footnote, never a reason to lose the table
        return None
