"""What a rule's check returns, and the registry of checks by code."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lab.doctor.model import Setup
from lab.doctor.project import Source


@dataclass(frozen=True)
class Hit:
    """One place a rule's pattern is, undefused: `certain` False where the code does not show enough."""

    code: str
    path: str
    line: int
    col: int
    message: str
    certain: bool = True
    backends: tuple[str, ...] = ()  # the backends the code shows it uses; () when it does not say


Check = Callable[[Setup], Iterable[Hit]]
CHECKS: dict[str, Check] = {}


def rule(code: str) -> Callable[[Check], Check]:
    """Register a check under its catalogue code (`LAB001` is scenario 01's mode)."""

    def register(check: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"two checks for {code}")
        CHECKS[code] = check
        return check

    return register


def hit(code: str, source: Source, node: ast.AST | None, message: str, *, certain: bool = True,
        backends: tuple[str, ...] = ()) -> Hit:
    line = getattr(node, "lineno", 1) if node is not None else 1
    col = getattr(node, "col_offset", 0) + 1 if node is not None else 1
    return Hit(code, source.rel, line, col, message, certain, backends)


def config_hit(code: str, path: str, line: int, message: str, *, certain: bool = True) -> Hit:
    return Hit(code, path, line, 1, message, certain)
