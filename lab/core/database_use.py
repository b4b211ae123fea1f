"""Whether a scenario's tests use the database the lab gives each run, read from the scenario's own files.

The lab hands every run a fresh database in `DATABASE_URL`, and a pass counts only if the run used it: a
fixed variant (or a learner's fix) that swaps or drops the database its tests use must not pass. That holds
for a scenario whose files read `DATABASE_URL`, directly or through the shared app's settings. A scenario
that never reads it (its tests need no database, or open their own on purpose, an in-memory SQLite), or
that sets it itself in what both variants share (tests/, pytest.ini) or in each variant, passes as plain
pytest passes it. `uses_database = true|false` in scenario.toml overrides what is read here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

VARIABLE = "DATABASE_URL"
# Files a run takes from the scenario folder that can name the variable; scenario.toml and READMEs cannot.
_CONFIG_SUFFIXES = (".ini", ".cfg", ".toml", ".env")
_SKIPPED = {"__pycache__", "scenario.toml"}
# The shared app's calls that read `DATABASE_URL` themselves: `Settings.from_env()`, and `create_app()`
# with no settings given (it calls `from_env`).
_READS_SETTINGS = "from_env"
_BUILDS_FROM_ENV = "create_app"
# How a file sets the variable: `os.environ[...] = `, `monkeypatch.setenv(...)`, pytest-env's `NAME=value`
_SETTERS = {"setenv", "setdefault", "putenv"}
_CONFIG_SETS = re.compile(rf"^\s*(?:env\s*=\s*)?(?:[DR]:)?{VARIABLE}\s*=", re.M)


def uses_database(folder: Path, variants: Iterable[str]) -> bool:
    """The scenario's tests use the database the run is given: some file reads `DATABASE_URL`, and neither
    the files both variants share nor every variant sets it to a database of the scenario's own."""
    files = _files(folder)
    if not any(_reads(path) for path in files):
        return False
    variant_dirs = [folder / v for v in variants]
    shared = [p for p in files if not any(p.is_relative_to(d) for d in variant_dirs)]
    if any(_sets(path) for path in shared):
        return False
    each = [[p for p in files if p.is_relative_to(d)] for d in variant_dirs if d.is_dir()]
    return not (each and all(any(_sets(path) for path in mine) for mine in each))


def _files(folder: Path) -> list[Path]:
    return [path for path in sorted(folder.rglob("*")) if path.is_file()
            and not _SKIPPED & {*path.relative_to(folder).parts}
            and (path.suffix == ".py" or path.suffix in _CONFIG_SUFFIXES)]


def _reads(path: Path) -> bool:
    """`DATABASE_URL` in code (not a comment or docstring), or in a config file; or the shared app's
    settings read from the environment."""
    tree = _tree(path)
    if tree is None:
        return VARIABLE in path.read_text(errors="replace")
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if VARIABLE in node.value:
                return True
        elif isinstance(node, ast.Name) and VARIABLE in node.id:
            return True
        elif isinstance(node, ast.Attribute) and (VARIABLE in node.attr or node.attr == _READS_SETTINGS):
            return True
        elif isinstance(node, ast.Call) and not node.args and not node.keywords:
            if _called(node) == _BUILDS_FROM_ENV:
                return True
    return False


def _sets(path: Path) -> bool:
    """The file gives `DATABASE_URL` a value of its own."""
    tree = _tree(path)
    if tree is None:
        return path.suffix in _CONFIG_SUFFIXES and bool(_CONFIG_SETS.search(path.read_text(errors="replace")))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Subscript) and _names_variable(t.slice) for t in targets):
                return True
        elif isinstance(node, ast.Call) and _called(node) in _SETTERS and node.args:
            if _names_variable(node.args[0]):
                return True
    return False


def _tree(path: Path) -> ast.Module | None:
    if path.suffix != ".py":
        return None
    try:
        return ast.parse(path.read_text(errors="replace"), str(path))
    except SyntaxError:  # the run reports it
        return None


def _called(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


def _names_variable(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == VARIABLE
