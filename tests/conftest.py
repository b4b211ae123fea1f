"""Helpers for the lab's own tests: build tiny throwaway scenarios and run the real `lab` command on them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A suite started in the background by a non-interactive shell (`cmd &`, nohup, some CI runners) inherits
# SIGINT ignored, and Python then never installs its Ctrl-C handler, in this process or in the lab runs it
# starts. The Ctrl-C tests need Ctrl-C to behave as on a terminal; a Python handler is reset to the default
# in every child at exec, so this serves them too.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# A pass counts only if the run used the database it was given, so the passing test writes to it.
PASSING_TEST = """
import os, sqlite3
def test_ok():
    with sqlite3.connect(os.environ["DATABASE_URL"].split("///", 1)[1]) as db:
        db.execute("create table t (x int)")
"""
FAILING_TEST = "def test_divides():\n    assert 1 / 0\n"


@dataclass
class LabResult:
    returncode: int
    stdout: str
    stderr: str
    records: list[dict]

    def status(self, scenario: str, variant: str, backend: str = "sqlite") -> str:
        (record,) = [
            r for r in self.records
            if (r["scenario"], r["variant"], r["backend"]) == (scenario, variant, backend)
        ]
        return record["status"]


class Scenarios:
    """A scenarios folder in a tmp dir; `add` writes one scenario from a few strings."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.out = out
        root.mkdir(exist_ok=True)

    def add(
        self,
        name: str,
        manifest: str,
        broken: str = FAILING_TEST,
        fixed: str = PASSING_TEST,
        conftest: str = "",
    ) -> Path:
        path = self.root / name
        for folder in ("tests", "broken", "fixed"):
            (path / folder).mkdir(parents=True)
        (path / "scenario.toml").write_text(textwrap.dedent(manifest))
        # the variant's test lives in its conftest-side file so one tests/ folder serves both
        (path / "tests" / "test_it.py").write_text("from variant_body import *  # noqa: F403\n")
        (path / "broken" / "variant_body.py").write_text(textwrap.dedent(broken))
        (path / "fixed" / "variant_body.py").write_text(textwrap.dedent(fixed))
        for variant in ("broken", "fixed"):
            (path / variant / "conftest.py").write_text(
                "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
                + textwrap.dedent(conftest)
            )
        return path

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 240) -> LabResult:
        out = self.out / "records.json"
        out.unlink(missing_ok=True)
        completed = subprocess.run(
            [sys.executable, "-m", "lab", "run", "--scenarios-dir", str(self.root), "--json", str(out),
             *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=os.environ if env is None else env,
            cwd=REPO,
        )
        records = json.loads(out.read_text()) if out.is_file() else []
        return LabResult(completed.returncode, completed.stdout, completed.stderr, records)


@pytest.fixture(scope="session")
def server_url() -> str:
    """TEST_DATABASE_URL: its tests skip where it is unset, but fail in CI, whose .ci/run always sets it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL is unset in CI: .ci/run sets it when 127.0.0.1:5432 answers")
        pytest.skip("TEST_DATABASE_URL not set")
    return url


@pytest.fixture(autouse=True)
def lab_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own `.lab/` (durations, matrix records): never the checkout's, never an earlier test's."""
    folder = tmp_path_factory.mktemp("lab-state")
    monkeypatch.setenv("LAB_STATE_DIR", str(folder))
    return folder


@pytest.fixture
def scenarios(tmp_path: Path) -> Scenarios:
    return Scenarios(tmp_path / "scenarios", tmp_path)


SQLITE_ONLY = """
title = "t"
symptom = "s"
backends = ["sqlite"]
[broken]
default = { raises = "ZeroDivisionError", match = "division by zero" }
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that run `lab` or a database server in another process: `nox -s mutants` skips them."""
    for item in items:
        if "scenarios" in getattr(item, "fixturenames", ()) or item.path.name in SERVER_MODULES:
            item.add_marker(pytest.mark.subprocess)


SERVER_MODULES = {"test_catalogue.py", "test_databases.py"}
