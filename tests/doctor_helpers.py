"""Assemble a scenario's variant as a user's project, as the runner does, for the doctor's tests and bench."""

from __future__ import annotations

import shutil
from pathlib import Path

from lab.core.scenarios import Scenario
from lab.core.variants import variant_files

REPO = Path(__file__).resolve().parent.parent


def assemble(scenario: Scenario, variant: str, into: Path) -> Path:
    """The run folder of `variant` (the scenario's tests, its pytest.ini, the variant's files), plus the app
    it imports, as a project has its own app beside its tests."""
    idiom = None  # the scenario's own files: the doctor reads code, it runs nothing
    shutil.copytree(scenario.tests_dir(idiom), into / "tests", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in variant_files(scenario, variant, idiom).items():
        path = into / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    shutil.copytree(REPO / "shared_app", into / "shared_app", ignore=shutil.ignore_patterns("__pycache__"))
    return into
