"""What the checks share: which calls make loop-bound resources, which backend a URL names, who tears down."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lab.doctor.model import (
    Fixture,
    FunctionNode,
    Module,
    Setup,
    calls,
    ends,
    kwarg,
    literal,
    rank,
    walk,
    walk_own,
)

ENGINES = ("sqlalchemy.ext.asyncio.create_async_engine", "create_async_engine", "asyncpg.create_pool")
HTTP_CLIENTS = ("httpx.AsyncClient", "aiohttp.ClientSession")
APPS = ("fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette")


def builds_app(module: Module, call: ast.Call) -> bool:
    """A call that makes an ASGI app: FastAPI(), Starlette(), or a factory named like one."""
    qual = module.names.qual(call.func)
    return ends(qual, *APPS) or qual.split(".")[-1] in ("create_app", "get_app", "make_app", "build_app")


def is_engine(module: Module, call: ast.Call) -> bool:
    return ends(module.names.qual(call.func), *ENGINES)


def http_client(module: Module, call: ast.Call) -> str | None:
    """"httpx" or "aiohttp" for a client with a connection pool bound to a loop; None otherwise (httpx's
    ASGITransport opens no connection, so a client on it holds none)."""
    qual = module.names.qual(call.func)
    if ends(qual, "aiohttp.ClientSession"):
        return "aiohttp"
    if ends(qual, "httpx.AsyncClient") or (qual == "AsyncClient" and "httpx" in str(module.names.imports)):
        transport = kwarg(call, "transport")
        if transport is not None or kwarg(call, "app") is not None:
            return None
        return "httpx"
    return None


def top_assignments(module: Module) -> dict[str, ast.expr]:
    """Module-level `NAME = value` (computed once a module)."""
    cached: dict[str, ast.expr] | None = getattr(module, "_assignments", None)
    if cached is not None:
        return cached
    found: dict[str, ast.expr] = {}
    module._assignments = found  # type: ignore[attr-defined]
    for node in module.source.tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def backends_of(module: Module, call: ast.Call) -> tuple[str, ...]:
    """The backend an engine's URL names where the code says it: ("sqlite",), ("postgres",), or ()."""
    url = call.args[0] if call.args else kwarg(call, "url")
    seen = 0
    while isinstance(url, ast.Name) and seen < 5:  # DATABASE_URL = "sqlite+aiosqlite://..."
        url = top_assignments(module).get(url.id)
        seen += 1
    value = literal(url)
    if not isinstance(value, str):
        return ()
    if value.startswith("sqlite"):
        return ("sqlite",)
    if value.startswith("postgres"):
        return ("postgres",)
    return ()


def null_pool(module: Module, call: ast.Call) -> bool:
    pool = kwarg(call, "poolclass")
    return pool is not None and ends(module.names.qual(pool), "NullPool")


def awaited_methods(node: ast.AST, name: str, *methods: str) -> bool:
    """Whether `name.method(...)` is called anywhere in `node` (teardown, cleanup)."""
    for call in calls(node):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in methods:
            if isinstance(func.value, ast.Name) and func.value.id == name:
                return True
            if isinstance(func.value, ast.Attribute) and func.value.attr == name:
                return True
    return False


def managed(node: FunctionNode, call: ast.Call) -> bool:
    """Whether `call` is the context expression of a `with`/`async with` in `node`."""
    for child in walk_own(node):
        if isinstance(child, ast.With | ast.AsyncWith):
            if any(item.context_expr is call for item in child.items):
                return True
    return False


def assigned_name(node: FunctionNode, call: ast.Call) -> str | None:
    for child in walk_own(node):
        if isinstance(child, ast.Assign) and child.value is call:
            target = child.targets[0]
            if isinstance(target, ast.Name):
                return target.id
    return None


def narrowest_test_loop(setup: Setup) -> int:
    return min(rank(scope) for scope in setup.test_loops())


def fixtures(setup: Setup) -> Iterator[Fixture]:
    for group in setup.fixtures.values():
        yield from group


_NO_COVER = re.compile(r"#\s*pragma:\s*no\s*cover", re.I)
_BLOCKS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ExceptHandler, ast.If, ast.With, ast.AsyncWith, ast.For,
           ast.AsyncFor, ast.While, ast.Try, ast.ClassDef)


def no_cover(module: Module, node: ast.AST) -> bool:
    """Whether `node` is in a block whose header says `# pragma: no cover`: code the project's own tests
    are known not to run (coverage would count it as missed otherwise)."""
    ranges: list[tuple[int, int]] | None = getattr(module, "_no_cover", None)
    if ranges is None:
        ranges = []
        lines = module.source.text.splitlines()
        for block in walk(module.source.tree):
            if isinstance(block, _BLOCKS) and block.body:
                header = lines[block.lineno - 1:max(block.lineno, block.body[0].lineno - 1)]
                if any(_NO_COVER.search(line) for line in header):
                    ranges.append((block.lineno, block.end_lineno or block.lineno))
        module._no_cover = ranges  # type: ignore[attr-defined]
    line = getattr(node, "lineno", 0)
    return any(start <= line <= end for start, end in ranges)


def error_filter(setup: Setup) -> bool:
    """`filterwarnings = error`: a warning, unraisable ones included, fails the test."""
    return any(line.split(":")[0].strip() == "error" for line in setup.config.values("filterwarnings")) or (
        "-W error" in setup.addopts or "-Werror" in setup.addopts)
