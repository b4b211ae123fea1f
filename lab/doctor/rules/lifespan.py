"""Checks: how the app is run for tests: its lifespan, TestClient's own loop, httpx's ASGITransport."""

from __future__ import annotations

import ast
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
    walk,
    walk_own,
)
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import APPS as _APPS
from lab.doctor.rules.common import builds_app, error_filter, fixtures, managed, no_cover

_TESTCLIENT = ("fastapi.testclient.TestClient", "starlette.testclient.TestClient")


def _functions(setup: Setup) -> Iterator[tuple[Module, FunctionNode]]:
    for module in setup.modules:
        for node in functions_in(module.source.tree):
            yield module, node


def _testclients(module: Module, node: FunctionNode) -> list[ast.Call]:
    return [c for c in calls(node, own=True) if ends(module.names.qual(c.func), *_TESTCLIENT)]


@rule("LAB003")
def testclient_in_async_code(setup: Setup) -> Iterator[Hit]:
    """TestClient entered in an async fixture or test: it runs the app, lifespan included, on a loop of
    its own in another thread, and the async code then uses what that loop opened.

    Defused by: asgi-lifespan's LifespanManager on the test's loop instead."""
    for module, node in _functions(setup):
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        for call in _testclients(module, node):
            yield hit("LAB003", module.source, call,
                      f"TestClient in async `{node.name}`: its lifespan runs on TestClient's own loop",
                      certain=managed(node, call))


@rule("LAB027")
def testclient_over_async_fixtures(setup: Setup) -> Iterator[Hit]:
    """A sync TestClient fixture that depends on async fixtures (engine, connection, session): those are
    made on pytest-asyncio's loop, the routes run on TestClient's.

    Defused by: the async resources opened through `client.portal`, on TestClient's loop."""
    for fixture in fixtures(setup):
        if fixture.is_async:
            continue
        module = setup.module_of(fixture.source)
        made = _testclients(module, fixture.node)
        if not made:
            continue
        needed = [f for f in setup.closure(fixture.params) if f.is_async]
        if needed:
            yield hit("LAB027", fixture.source, made[0],
                      f"TestClient in `{fixture.name}` serves routes using async fixture `{needed[0].name}`, "
                      f"made on another loop")


def _app_fixturebuilds_app(setup: Setup, name: str) -> bool:
    return any(builds_app(setup.module_of(f.source), c)
               for f in setup.fixtures.get(name, []) for c in calls(f.node, own=True))


def _assigned_app(module: Module, node: FunctionNode, name: str) -> bool:
    return any(isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and builds_app(module, n.value)
               and any(isinstance(t, ast.Name) and t.id == name for t in n.targets) for n in walk_own(node))


@rule("LAB004")
def async_with_app(setup: Setup) -> Iterator[Hit]:
    """`async with app:` as if the app ran its lifespan as a context manager: it is not one.

    Defused by: asgi-lifespan's LifespanManager(app)."""
    for module, node in _functions(setup):
        for child in walk_own(node):
            if not isinstance(child, ast.AsyncWith):
                continue
            for item in child.items:
                expr = item.context_expr
                if isinstance(expr, ast.Name):
                    params = [a.arg for a in node.args.args]
                    certain = (expr.id in params and _app_fixturebuilds_app(setup, expr.id)) or \
                        _assigned_app(module, node, expr.id)
                    if certain or expr.id == "app":
                        yield hit("LAB004", module.source, child, f"`async with {expr.id}:` in `{node.name}`",
                                  certain=certain)


def _lifespans(setup: Setup) -> list[tuple[Module, ast.Call]]:
    """App constructions in the project that have startup work: `lifespan=`, `on_startup=`, or a
    `@app.on_event("startup")` handler (FastAPI runs those from the same lifespan events)."""
    found = []
    for module in setup.modules:
        for call in calls(module.source.tree):
            startup = kwarg(call, "lifespan") or kwarg(call, "on_startup")
            if startup is not None and ends(module.names.qual(call.func), *_APPS) \
                    and not _untested_lifespan(setup, startup):
                found.append((module, call))
            elif _startup_handler(call):
                found.append((module, call))
    return found


def _untested_lifespan(setup: Setup, startup: ast.expr) -> bool:
    """A lifespan function whose `def` says `# pragma: no cover`: the project's tests are written knowing
    it never runs under them, so whatever it starts they do not need."""
    name = startup.id if isinstance(startup, ast.Name) else (
        startup.attr if isinstance(startup, ast.Attribute) else None)  # `lifespan=lifespan.lifespan`
    if name is None:
        return False
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
               and no_cover(module, node) for module in setup.modules for node in walk(module.source.tree))


def _startup_handler(call: ast.Call) -> bool:
    """`app.on_event("startup")` (as a decorator or called) or `app.add_event_handler("startup", f)`."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in ("on_event", "add_event_handler") \
        and bool(call.args) and literal(call.args[0]) == "startup"


def _lifespan_state(setup: Setup) -> bool:
    """A lifespan that yields state (`yield {...}`): what requests read as `request.state`."""
    for module in setup.modules:
        for node in walk(module.source.tree):
            if isinstance(node, ast.AsyncFunctionDef) and "lifespan" in node.name:
                if any(isinstance(n, ast.Yield) and n.value is not None for n in walk_own(node)):
                    return True
    return False


def _asgi_transports(module: Module, node: FunctionNode) -> list[ast.Call]:
    return [c for c in calls(node, own=True) if ends(module.names.qual(c.func), "httpx.ASGITransport")
            or (module.names.qual(c.func) == "ASGITransport")]


def _app_arg(call: ast.Call) -> ast.expr | None:
    return kwarg(call, "app") or (call.args[0] if call.args else None)


def _manager_apps(node: FunctionNode, module: Module) -> tuple[bool, set[str]]:
    """Whether a LifespanManager is made in `node` (`async with`, or entered on an exit stack), and the
    names its managers are bound to."""
    entered, names = False, set()
    for child in walk_own(node):
        if isinstance(child, ast.AsyncWith):
            for item in child.items:
                if isinstance(item.context_expr, ast.Call) and _is_manager(module, item.context_expr):
                    entered = True
                    if isinstance(item.optional_vars, ast.Name):
                        names.add(item.optional_vars.id)
        elif isinstance(child, ast.Assign) and any(
                isinstance(c, ast.Call) and _is_manager(module, c) for c in ast.walk(child.value)):
            entered = True
            names |= {t.id for t in child.targets if isinstance(t, ast.Name)}
        elif isinstance(child, ast.Call) and _is_manager(module, child):
            entered = True
    return entered, names


def _is_manager(module: Module, call: ast.Call) -> bool:
    return ends(module.names.qual(call.func), "asgi_lifespan.LifespanManager")


@rule("LAB005")
def lifespan_not_run(setup: Setup) -> Iterator[Hit]:
    """httpx's ASGITransport sends no lifespan events: an app with startup work never starts.

    Defused by: LifespanManager (or TestClient) running the lifespan; an app with no lifespan."""
    if not _lifespans(setup):
        return
    for module, node in _functions(setup):
        entered, _ = _manager_apps(node, module)
        if entered or _testclients(module, node):
            continue
        for transport in _asgi_transports(module, node):
            yield hit("LAB005", module.source, transport,
                      f"ASGITransport in `{node.name}` never runs the app's lifespan")


@rule("LAB047")
def transport_given_app_not_manager_app(setup: Setup) -> Iterator[Hit]:
    """LifespanManager entered, but the transport given the bare app: the lifespan's state never reaches a
    request's scope. Defused by: `ASGITransport(app=manager.app)`; a lifespan that yields no state."""
    if not _lifespan_state(setup):
        return
    for module, node in _functions(setup):
        entered, managers = _manager_apps(node, module)
        if not entered:
            continue
        for transport in _asgi_transports(module, node):
            app = _app_arg(transport)
            if isinstance(app, ast.Attribute) and isinstance(app.value, ast.Name) \
                    and app.value.id in managers:
                continue
            yield hit("LAB047", module.source, transport,
                      f"ASGITransport in `{node.name}` is given the app, not the LifespanManager's `.app`")


def _async_clients(module: Module, node: ast.AST) -> list[ast.Call]:
    return [c for c in calls(node) if ends(module.names.qual(c.func), "httpx.AsyncClient")
            or module.names.qual(c.func) == "AsyncClient"]


@rule("LAB015")
def httpx_app_argument(setup: Setup) -> Iterator[Hit]:
    """`AsyncClient(app=...)`, removed in httpx 0.28. Defused by: `transport=ASGITransport(app=...)`."""
    for module in setup.modules:
        for call in _async_clients(module, module.source.tree):
            if kwarg(call, "app") is not None:
                yield hit("LAB015", module.source, call, "`AsyncClient(app=...)`: httpx 0.28 removed `app=`")


def _relative_requests(setup: Setup) -> bool:
    for module in setup.modules:
        if module.source.kind == "module":
            continue
        for call in calls(module.source.tree):
            if isinstance(call.func, ast.Attribute) and call.func.attr in (
                    "get", "post", "put", "patch", "delete", "request", "stream") and call.args:
                first = call.args[1] if call.func.attr in ("request", "stream") and len(call.args) > 1 \
                    else call.args[0]
                value = first.value if isinstance(first, ast.Constant) else (
                    first.values[0].value if isinstance(first, ast.JoinedStr) and first.values
                    and isinstance(first.values[0], ast.Constant) else None)
                if isinstance(value, str) and value.startswith("/"):
                    return True
    return False


@rule("LAB024")
def asgi_client_without_base_url(setup: Setup) -> Iterator[Hit]:
    """An AsyncClient on ASGITransport without `base_url`, asked for relative URLs.

    Defused by: `base_url="http://test"`; tests that only request absolute URLs."""
    relative = _relative_requests(setup)
    for module in setup.modules:
        for call in _async_clients(module, module.source.tree):
            transport = kwarg(call, "transport")
            if transport is None or kwarg(call, "base_url") is not None:
                continue
            yield hit("LAB024", module.source, call, "AsyncClient on a transport without `base_url`",
                      certain=relative)


@rule("LAB029")
def app_exception_reaches_test(setup: Setup) -> Iterator[Hit]:
    """Tests expecting a 500, through an ASGITransport that re-raises the app's exceptions in the test.

    Defused by: `ASGITransport(app=..., raise_app_exceptions=False)`; the app answering with its own 500."""
    expects_500 = False
    for module in setup.modules:
        if module.source.kind == "test":
            for node in walk(module.source.tree):
                if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value == 500
                                                         for c in node.comparators):
                    expects_500 = True
    if not expects_500:
        return
    for module, node in _functions(setup):
        for transport in _asgi_transports(module, node):
            if kwarg(transport, "raise_app_exceptions") is None:
                yield hit("LAB029", module.source, transport,
                          "ASGITransport re-raises the app's unhandled exceptions in the test; tests expect "
                          "a 500", certain=False)


@rule("LAB045")
def stream_through_asgitransport(setup: Setup) -> Iterator[Hit]:
    """A streamed response read through ASGITransport, which waits for the whole body: an endless stream
    (server-sent events) never returns. Defused by: a real server (uvicorn on a loopback port)."""
    streams = []
    for module in setup.modules:
        if module.source.kind == "test" and "event-stream" in module.source.text:
            streams += [c for c in calls(module.source.tree)
                        if isinstance(c.func, ast.Attribute) and c.func.attr == "stream"]
    if not streams:
        return
    for module, node in _functions(setup):
        for transport in _asgi_transports(module, node):
            yield hit("LAB045", module.source, transport,
                      "tests read an event stream through ASGITransport, which buffers the whole response",
                      certain=False)


@rule("LAB050")
def testclient_on_httpx_warns(setup: Setup) -> Iterator[Hit]:
    """Starlette's TestClient on httpx warns (it wants httpx2); under `filterwarnings = error` every test
    using it fails. Defused by: an `ignore:` filter for that warning; no error filter."""
    if not error_filter(setup):
        return
    filters = setup.config.values("filterwarnings")
    if any(f.startswith("ignore") and ("httpx" in f or "testclient" in f.lower()) for f in filters):
        return
    for module in setup.modules:
        for call in calls(module.source.tree):
            if ends(module.names.qual(call.func), *_TESTCLIENT):
                yield hit("LAB050", module.source, call,
                          "TestClient on httpx warns, and `filterwarnings = error` makes it an error")
                break


@rule("LAB051")
def on_startup_on_starlette_1(setup: Setup) -> Iterator[Hit]:
    """`on_startup=`/`on_shutdown=` or `@app.on_event(...)`: Starlette 1.0 removed them.

    Defused by: a `lifespan=` context manager instead."""
    for module in setup.modules:
        for call in calls(module.source.tree):
            qual = module.names.qual(call.func)
            handlers = kwarg(call, "on_startup") is not None or kwarg(call, "on_shutdown") is not None
            # FastAPI keeps its own startup handlers on its router: whether they survive is its release's call
            if handlers and ends(qual, "starlette.applications.Starlette", "starlette.Starlette",
                                 "starlette.routing.Router"):
                yield hit("LAB051", module.source, call,
                          "`on_startup`/`on_shutdown` handlers on a Starlette app")
            elif handlers and ends(qual, "fastapi.FastAPI"):
                yield hit("LAB051", module.source, call, "`on_startup`/`on_shutdown` handlers on the app",
                          certain=False)
