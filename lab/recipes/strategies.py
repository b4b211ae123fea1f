"""The recipes: each folder of `recipes/strategies/` is a conftest (with its `pytest.ini`) for one suite,
`recipes/suite/`; `strategy.toml` says what it does, on which backends, and which folder's files it runs."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from lab.core.scenarios import BACKENDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout: recipes/, recommended/
RECIPES = ROOT / "recipes"
MANIFEST = "strategy.toml"


@dataclass(frozen=True)
class Strategy:
    """One folder of `recipes/strategies/`: its conftest, and what `strategy.toml` says about it.

    `path` is the folder whose conftest.py and pytest.ini the suite runs with: the strategy's own, or the one
    its `source` names (`recommended`, so that the benchmark times the very conftest the lab recommends).
    """

    name: str
    path: Path
    summary: str
    backends: tuple[str, ...] = BACKENDS
    # Databases its conftest makes beside the run's own ("{name}_tpl"), dropped after the run in case it died
    databases: tuple[str, ...] = ()

    def extra_databases(self, name: str) -> list[str]:
        return [pattern.format(name=name) for pattern in self.databases]


def discover(root: Path = RECIPES / "strategies") -> list[Strategy]:
    """Every strategy folder (one holding a conftest.py or a strategy.toml), by name."""
    found = []
    folders = (p for p in root.iterdir() if (p / "conftest.py").is_file() or (p / MANIFEST).is_file())
    for folder in sorted(folders):
        manifest = folder / MANIFEST
        data = tomllib.loads(manifest.read_text()) if manifest.is_file() else {}
        backends = tuple(data.get("backends", BACKENDS))
        unknown = set(backends) - set(BACKENDS)
        if unknown:  # a misspelt backend would otherwise only ever show as n/a
            raise ValueError(f"{manifest}: unknown backends {sorted(unknown)}, expected some of {BACKENDS}")
        files = ROOT / data["source"] if "source" in data else folder
        if not (files / "conftest.py").is_file():
            raise ValueError(f"{manifest}: no conftest.py in {files}")
        found.append(Strategy(
            name=folder.name,
            path=files,
            summary=str(data.get("summary", "")),
            backends=backends,
            databases=tuple(data.get("databases", ())),
        ))
    return found


def prepare(strategy: Strategy, workdir: Path) -> None:
    """The suite in `tests/`, the strategy's conftest and pytest.ini beside it: a project as a user has it."""
    shutil.copytree(RECIPES / "suite", workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for source in strategy.path.iterdir():
        if source.name in ("conftest.py", "pytest.ini"):
            shutil.copy(source, workdir / source.name)
