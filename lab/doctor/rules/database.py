"""Checks: the test database: sessions and transactions, what outlives a test, what runs concurrently."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lab.doctor.model import (
    FunctionNode,
    Module,
    Setup,
    calls,
    ends,
    functions_in,
    kwarg,
    literal,
    rank,
    walk,
    walk_own,
)
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import (
    assigned_name,
    awaited_methods,
    backends_of,
    error_filter,
    fixtures,
    is_engine,
    managed,
    no_cover,
    null_pool,
)

_SESSIONS = ("sqlalchemy.ext.asyncio.AsyncSession", "AsyncSession")
_SESSION_METHODS = {"execute", "scalar", "scalars", "get", "flush", "commit", "refresh", "merge", "delete",
                    "stream", "run_sync"}


def _session_calls(module: Module, node: ast.AST) -> list[ast.Call]:
    return [c for c in calls(node) if ends(module.names.qual(c.func), *_SESSIONS)]


def _bound_to_connection(call: ast.Call) -> bool:
    bind = kwarg(call, "bind") or (call.args[0] if call.args else None)
    return isinstance(bind, ast.Name) and ("conn" in bind.id or "connection" in bind.id)


def _app_calls(setup: Setup, method: str) -> list[ast.Call]:
    """`x.method(...)` in the project's own modules, where its tests reach (not under `pragma: no cover`)."""
    return [c for m in setup.modules if m.source.kind == "module" for c in calls(m.source.tree)
            if isinstance(c.func, ast.Attribute) and c.func.attr == method and not no_cover(m, c)]


@rule("LAB007")
def session_joins_with_default_mode(setup: Setup) -> Iterator[Hit]:
    """A test session on a connection in a transaction, joined with SQLAlchemy's default mode: the app's
    `rollback()` ends the test's own transaction, and later commits are real.

    Defused by: `join_transaction_mode="create_savepoint"`; the 1.4 recipe (`begin_nested` restarted in
    `after_transaction_end`); the app's code read (its commits seen) and no rollback in it that tests reach
    (one under `# pragma: no cover` is known not to run). Possible only: the app's code not read."""
    rolls_back = bool(_app_calls(setup, "rollback"))
    if not rolls_back and _app_calls(setup, "commit"):
        return
    for fixture in fixtures(setup):
        module = setup.module_of(fixture.source)
        text = ast.unparse(fixture.node)
        if "begin_nested" in text or "after_transaction_end" in text or ".begin()" not in text:
            continue
        for call in _session_calls(module, fixture.node):
            if _bound_to_connection(call) and kwarg(call, "join_transaction_mode") is None:
                yield hit("LAB007", fixture.source, call,
                          f"session in `{fixture.name}` joins the test's transaction without "
                          f"`join_transaction_mode=\"create_savepoint\"`", certain=rolls_back)


def _sqlite_recipe(setup: Setup) -> bool:
    """SQLAlchemy's pysqlite recipe: `isolation_level = None` on connect and BEGIN emitted on begin."""
    return any(re.search(r"listens_for\([^)]*[\"']begin[\"']", m.source.text) for m in setup.modules)


def _engine_backends(setup: Setup) -> set[tuple[str, ...]]:
    return {backends_of(m, c) for m in setup.modules for c in calls(m.source.tree) if is_engine(m, c)}


@rule("LAB008")
def sqlite_savepoints_without_recipe(setup: Setup) -> Iterator[Hit]:
    """SAVEPOINT isolation on SQLite without the pysqlite recipe: the driver emits no BEGIN, so the route's
    RELEASE SAVEPOINT commits. Defused by: the recipe; a PostgreSQL-only suite."""
    if _sqlite_recipe(setup):
        return
    backends = _engine_backends(setup)
    if backends and all(b == ("postgres",) for b in backends):
        return
    certain = ("sqlite",) in backends
    for fixture in fixtures(setup):
        module = setup.module_of(fixture.source)
        for call in _session_calls(module, fixture.node):
            if literal(kwarg(call, "join_transaction_mode")) == "create_savepoint":
                yield hit("LAB008", fixture.source, call,
                          f"SAVEPOINT isolation in `{fixture.name}`, with no BEGIN emitted on SQLite",
                          certain=certain, backends=("sqlite",))


def _gathered(module: Module, call: ast.Call) -> list[ast.AST]:
    if not ends(module.names.qual(call.func), "asyncio.gather"):
        return []
    items: list[ast.AST] = []
    for arg in call.args:
        if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.GeneratorExp | ast.ListComp):
            items.append(arg.value.elt)
        else:
            items.append(arg)
    return items


def _receiver(node: ast.AST, methods: set[str]) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods \
            and isinstance(node.func.value, ast.Name):
        return node.func.value.id
    return None


@rule("LAB014")
def gather_on_one_session(setup: Setup) -> Iterator[Hit]:
    """`asyncio.gather` of several operations on one AsyncSession: a session does one thing at a time.

    Defused by: awaiting them one after the other; a session per task."""
    for module in setup.modules:
        for call in calls(module.source.tree):
            items = _gathered(module, call)
            receivers = [_receiver(item, _SESSION_METHODS) for item in items]
            sessions = {r for r in receivers if r and "session" in r.lower()}
            starred = any(isinstance(a, ast.Starred) for a in call.args)
            if len(sessions) == 1 and (len([r for r in receivers if r in sessions]) > 1 or starred):
                yield hit("LAB014", module.source, call,
                          f"`asyncio.gather` runs operations concurrently on one session `{sessions.pop()}`")


_REQUESTS = {"get", "post", "put", "patch", "delete", "request"}


def _shared_session_override(setup: Setup) -> bool:
    """`get_db` overridden by a lambda or function handing every request the one test session."""
    for module in setup.test_modules:
        for node in walk(module.source.tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) and isinstance(
                    t.value, ast.Attribute) and t.value.attr == "dependency_overrides" for t in node.targets):
                value = node.value
                if isinstance(value, ast.Lambda) and isinstance(value.body, ast.Name) \
                        and "session" in value.body.id:
                    return True
    return False


@rule("LAB026")
def concurrent_requests_share_session(setup: Setup) -> Iterator[Hit]:
    """Concurrent requests in a test, while every request gets the one test session: two routes then use
    one session at once. Defused by: each request its own session (the app's own `get_db`)."""
    if not _shared_session_override(setup):
        return
    for module in setup.modules:
        if module.source.kind != "test":
            continue
        for call in calls(module.source.tree):
            receivers = [_receiver(item, _REQUESTS) for item in _gathered(module, call)]
            if len([r for r in receivers if r]) > 1:
                yield hit("LAB026", module.source, call,
                          "concurrent requests, and `get_db` is overridden with the one test session")


@rule("LAB016")
def aiohttp_session_never_closed(setup: Setup) -> Iterator[Hit]:
    """An aiohttp ClientSession made and never closed: its `__del__` warns, an error under
    `filterwarnings = error`. Defused by: `async with`, `await session.close()`, or handing it on."""
    for module in setup.modules:
        for node in walk(module.source.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from _unclosed(setup, module, node, ("aiohttp.ClientSession",), "LAB016",
                                     "aiohttp session")


def _unclosed(setup: Setup, module: Module, node: FunctionNode, kinds: tuple[str, ...], code: str,
              what: str) -> Iterator[Hit]:
    for call in calls(node, own=True):
        if not ends(module.names.qual(call.func), *kinds) or managed(node, call):
            continue
        name = assigned_name(node, call)
        if name is None or awaited_methods(node, name, "close", "aclose", "__aexit__"):
            continue
        if any(isinstance(n, ast.With | ast.AsyncWith) and any(
                isinstance(i.context_expr, ast.Name) and i.context_expr.id == name for i in n.items)
               for n in walk_own(node)):
            continue  # `async with session:` closes it
        if code == "LAB035" and _bound_to_connection(call):
            continue  # on the test's own connection, which its `async with` returns
        text = ast.unparse(node)
        if re.search(rf"return\s+{name}\b|enter_async_context\({name}\)|push_async_callback\({name}\.", text):
            continue
        if re.search(rf"\.\w+\s*=\s*{name}\b", text):  # stored on an object: closed by its owner
            continue
        yield hit(code, module.source, call, f"{what} `{name}` in `{node.name}` is never closed",
                  certain=error_filter(setup))


@rule("LAB035")
def async_session_never_closed(setup: Setup) -> Iterator[Hit]:
    """An AsyncSession a fixture yields and never closes: its connection is collected, not returned.

    Defused by: `async with AsyncSession(...)`, `await session.close()` at teardown."""
    for fixture in fixtures(setup):
        if fixture.is_generator:
            yield from _unclosed(setup, setup.module_of(fixture.source), fixture.node, _SESSIONS, "LAB035",
                                 "session")


@rule("LAB034")
def sqlite_memory_with_null_pool(setup: Setup) -> Iterator[Hit]:
    """SQLite in memory with NullPool: every connection is a new, empty database.

    Defused by: a file database; `StaticPool` (one connection for all)."""
    for module in setup.modules:
        for call in calls(module.source.tree):
            if not (is_engine(module, call) and null_pool(module, call)):
                continue
            url = call.args[0] if call.args else kwarg(call, "url")
            value = literal(url)
            if isinstance(url, ast.Name):
                from lab.doctor.rules.common import top_assignments

                value = literal(top_assignments(module).get(url.id))
            if isinstance(value, str) and value.startswith("sqlite") and (
                    ":memory:" in value or re.fullmatch(r"sqlite\+?\w*://", value)):
                yield hit("LAB034", module.source, call, "SQLite in memory with NullPool: each connection "
                                                         "opens a new, empty database", backends=("sqlite",))


@rule("LAB036")
def integrity_error_without_rollback(setup: Setup) -> Iterator[Hit]:
    """`except IntegrityError` after a flush, carrying on with the same session: it must roll back first.

    Defused by: `begin_nested()` around the insert; a `rollback()` (or re-raise) in the handler."""
    for module in setup.modules:
        for node in walk(module.source.tree):
            if not isinstance(node, ast.Try):
                continue
            flushes = any(_receiver(c, {"flush", "commit"}) for b in node.body for c in ast.walk(b))
            if not flushes or "begin_nested" in ast.unparse(ast.Module(body=node.body, type_ignores=[])):
                continue
            for handler in node.handlers:
                if handler.type is None or not ends(module.names.qual(handler.type), "IntegrityError"):
                    continue
                body = ast.unparse(ast.Module(body=handler.body, type_ignores=[]))
                if "rollback" in body or any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
                    continue
                yield hit("LAB036", module.source, handler,
                          "IntegrityError caught, and the session goes on without a rollback",
                          certain=module.source.kind != "module")


def _xdist_workers(setup: Setup) -> bool:
    found = re.search(r"(?:^|\s)(?:-n\s*|--numprocesses[= ])(\S+)", setup.addopts)
    return bool(found) and found.group(1) not in ("0",)  # type: ignore[union-attr]


@rule("LAB018")
def xdist_workers_share_database(setup: Setup) -> Iterator[Hit]:
    """pytest-xdist workers (`-n` in addopts), each a whole session, creating the schema in one database.

    Defused by: a database per worker (`worker_id`, `PYTEST_XDIST_WORKER`)."""
    if not _xdist_workers(setup):
        return
    if any("worker_id" in m.source.text or "PYTEST_XDIST_WORKER" in m.source.text for m in setup.modules):
        return
    for fixture in fixtures(setup):
        if rank(fixture.scope) == rank("session") and "create_all" in ast.unparse(fixture.node):
            yield hit("LAB018", fixture.source, fixture.node,
                      f"session fixture `{fixture.name}` creates the schema once per xdist worker, all in "
                      f"one database")


def _added_then_used_after_commit(node: FunctionNode) -> bool:
    """An object `add()`ed to a session before a `commit()` in `node` and touched after it (an attribute
    read, or handed back to the caller): what reloads the expired attributes, lazily."""
    added: set[str] = set()
    commits: list[int] = []
    for call in calls(node, own=True):
        if isinstance(call.func, ast.Attribute):
            if call.func.attr in ("add", "add_all"):
                added |= {n.id for arg in call.args for n in walk(arg) if isinstance(n, ast.Name)}
            elif call.func.attr == "commit":
                commits.append(call.lineno)
    if not commits or not added:
        return False
    first = min(commits)
    for child in walk_own(node):
        if getattr(child, "lineno", 0) <= first:
            continue
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) and child.value.id in added:
            return True
        if isinstance(child, ast.Return) and child.value is not None and any(
                isinstance(n, ast.Name) and n.id in added for n in walk(child.value)):
            return True
    return False


def _reads_after_commit(setup: Setup) -> bool:
    return any(_added_then_used_after_commit(node) for module in setup.test_modules
               for node in functions_in(module.source.tree))


@rule("LAB013")
def session_expires_on_commit(setup: Setup) -> Iterator[Hit]:
    """A test session with the default `expire_on_commit=True`: reading an attribute after a commit loads
    it lazily, which async code cannot (MissingGreenlet). Defused by: `expire_on_commit=False`; no test,
    fixture or helper touching an object it added after committing it."""
    if not _reads_after_commit(setup):
        return
    for fixture in fixtures(setup):
        module = setup.module_of(fixture.source)
        for call in calls(fixture.node, own=True):
            qual = module.names.qual(call.func)
            if ends(qual, *_SESSIONS, "async_sessionmaker") and kwarg(call, "expire_on_commit") is None:
                yield hit("LAB013", fixture.source, call,
                          f"session in `{fixture.name}` expires its objects on commit", certain=False)


def _overridden_with(setup: Setup) -> set[str]:
    """The names dependency overrides hand to the app (`lambda: db_session`): what routes commit through."""
    found = set()
    for module in setup.test_modules:
        for node in walk(module.source.tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) and isinstance(
                    t.value, ast.Attribute) and t.value.attr == "dependency_overrides" for t in node.targets):
                found |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    return found


@rule("LAB006")
def test_session_commits_for_real(setup: Setup) -> Iterator[Hit]:
    """Each test's session straight on the engine, with nothing undone at teardown: rows one test commits
    are there for the next. Defused by: a rolled-back outer transaction; tables emptied per test."""
    cleans = any(rank(f.scope) == 0 and re.search(r"drop_all|create_all|\.delete\(|TRUNCATE|truncate",
                                                  ast.unparse(f.node)) for f in fixtures(setup))
    if cleans:
        return
    overridden = _overridden_with(setup)
    for fixture in fixtures(setup):
        if rank(fixture.scope) != 0 or fixture.name not in overridden:
            continue
        module = setup.module_of(fixture.source)
        for call in _session_calls(module, fixture.node):
            bind = kwarg(call, "bind") or (call.args[0] if call.args else None)
            if isinstance(bind, ast.Name) and bind.id in fixture.params and "engine" in bind.id:
                yield hit("LAB006", fixture.source, call,
                          f"`{fixture.name}` gives each test a session on the engine itself: its commits "
                          f"stay for the next test", certain=False)
