"""Checks: a library's deprecation warning, raised as a conftest loads, that the project's warning filters
turn into an error before any test runs."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator

from lab.doctor.model import Module, Setup, ends
from lab.doctor.rules.base import Hit, hit, rule

# uvloop's words, from Python 3.12 on (uvloop/__init__.py warns with stacklevel 1: the module is uvloop's)
_UVLOOP_WARNING = "uvloop.install() is deprecated in favor of uvloop.run() starting with Python 3.12."
_SILENCERS = ("warnings.catch_warnings", "pytest.warns", "pytest.deprecated_call")
_CATEGORIES = ("", "DeprecationWarning", "Warning", "builtins.DeprecationWarning", "builtins.Warning")


def _filters(setup: Setup) -> list[str]:
    """The filters pytest applies, the later winning: the configuration's, then `-W` options in addopts."""
    found = list(setup.config.values("filterwarnings"))
    try:
        words = shlex.split(setup.addopts)
    except ValueError:
        words = setup.addopts.split()
    for i, word in enumerate(words):
        if word in ("-W", "--pythonwarnings") and i + 1 < len(words):
            found.append(words[i + 1])
        elif word.startswith(("-W", "--pythonwarnings=")) and word not in ("-W", "--pythonwarnings"):
            found.append(word.split("=", 1)[1] if word.startswith("--") else word[2:])
    return found


def _matches(spec: str, message: str, module: str) -> bool | None:
    """Whether a filter `action:message:category:module:lineno` applies to this DeprecationWarning; None
    where its regular expressions do not compile (then it is not known)."""
    _, message_re, category, module_re, *_ = [*spec.split(":"), "", "", "", ""]
    if category.strip() not in _CATEGORIES:
        return False
    try:
        return bool(re.match(message_re.strip(), message, re.I)) and (
            not module_re.strip() or re.match(module_re.strip() + r"\Z", module) is not None)
    except re.error:
        return None


def made_an_error(setup: Setup, message: str, module: str) -> bool:
    """Whether the project's filters make this DeprecationWarning an error: the last one matching it says
    `error`. pytest's warnings plugin off (`-p no:warnings`) applies none."""
    if re.search(r"-p\s*no:warnings\b", setup.addopts):
        return False
    verdict = False
    for spec in _filters(setup):
        matched = _matches(spec, message, module)
        if matched is None:
            return False  # a filter we cannot read may be the one silencing it
        if matched:
            verdict = spec.split(":")[0].strip() == "error"
    return verdict


def _guarded(module: Module, node: ast.stmt) -> bool:
    """A statement that decides by Python's version, or silences warnings around what it runs."""
    if isinstance(node, ast.If):
        return any(isinstance(n, ast.Attribute) and n.attr == "version_info" for n in ast.walk(node.test))
    if isinstance(node, ast.With):
        return any(isinstance(item.context_expr, ast.Call)
                   and ends(module.names.qual(item.context_expr.func), *_SILENCERS) for item in node.items)
    return False


def _import_time_calls(module: Module, body: list[ast.stmt]) -> Iterator[ast.Call]:
    """The calls a module's import runs: its top-level statements and the blocks in them, not the bodies of
    functions or classes, nor blocks guarded by the Python version or a warnings filter."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or _guarded(module, node):
            continue
        nested = [getattr(node, name, []) for name in ("body", "orelse", "finalbody")]
        nested += [handler.body for handler in getattr(node, "handlers", [])]
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                yield from (n for n in ast.walk(child) if isinstance(n, ast.Call))
        for block in nested:
            if isinstance(block, list):
                yield from _import_time_calls(module, block)


@rule("LAB054")
def uvloop_install_under_error_filter(setup: Setup) -> Iterator[Hit]:
    """`uvloop.install()` run as a conftest or test module loads, with warnings made errors: from Python
    3.12 uvloop warns that it is deprecated, and the module does not import.

    Defused by: no error filter (or `-p no:warnings`); an `ignore` filter for that warning after it; the
    call under a `sys.version_info` check or `warnings.catch_warnings()`; the call in a function (a fixture
    or hook: when it runs the filters may differ, not flagged). Possible only: in a project module the
    conftest imports."""
    if not made_an_error(setup, _UVLOOP_WARNING, "uvloop"):
        return
    for module in setup.modules:
        for call in _import_time_calls(module, module.source.tree.body):
            if ends(module.names.qual(call.func), "uvloop.install"):
                yield hit("LAB054", module.source, call,
                          "`uvloop.install()` runs as this module loads: from Python 3.12 it warns "
                          "(DeprecationWarning), and the project's filters make that an error",
                          certain=module.source.kind != "module")
