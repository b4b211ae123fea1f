"""The pre-commit hook works: `pre-commit try-repo` installs this checkout's `lab` into its own env and runs
`lab doctor` on a throwaway repository, which fails on a conftest with an import-time engine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from doctor_helpers import REPO

CONFTEST = '''\
import os

from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])
'''


@pytest.mark.subprocess
def test_the_hook_flags_a_broken_conftest_in_a_throwaway_repo(tmp_path: Path) -> None:
    if shutil.which("pre-commit") is None or shutil.which("git") is None:
        pytest.skip("pre-commit (the `test` dependency group has it) or git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("the lab is not a git checkout here: try-repo clones one")
    repo = tmp_path / "project"
    repo.mkdir()
    (repo / "conftest.py").write_text(CONFTEST)
    (repo / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_a.py").write_text("async def test_a():\n    pass\n")
    who = {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER")
           for part, value in (("NAME", "t"), ("EMAIL", "t@example.com"))}
    env = {**os.environ, **who, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = subprocess.run(["pre-commit", "try-repo", str(REPO), "lab-doctor", "--all-files"],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "conftest.py:5:10: LAB001" in result.stdout, result.stdout
