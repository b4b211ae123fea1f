"""Checks: the loops pytest-asyncio's options and decorator give tests and fixtures, when two that must
agree do not: fixtures in the session loop with tests in their own, a sync fixture asking for a narrower
loop runner than its own scope."""

from __future__ import annotations

from collections.abc import Iterator

from lab.doctor.model import Fixture, Module, Setup, Test, calls, ends, rank
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import backends_of, builds_app, fixtures, http_client, is_engine, null_pool

_LIFESPANS = ("asgi_lifespan.LifespanManager",)


def _test_loop(setup: Setup, test: Test) -> str:
    return setup.hooked_test_loop or test.loop_scope or setup.test_loop_default


def _uses_aiohttp(setup: Setup) -> bool:
    return any(origin == "aiohttp" or origin.startswith("aiohttp.")
               for module in setup.modules for origin in module.names.imports.values())


def _bound_in(module: Module, fixture: Fixture) -> tuple[str, tuple[str, ...]] | None:
    """What loop-bound thing an async fixture makes, and the backends it names: ("engine", backends),
    ("unpooled", backends) for a `NullPool` engine, ("aiohttp", ()), ("app", ()) for an app whose lifespan
    it runs; None when it makes none of them."""
    found: tuple[str, tuple[str, ...]] | None = None
    for call in calls(fixture.node, own=True):
        if is_engine(module, call):
            return "unpooled" if null_pool(module, call) else "engine", backends_of(module, call)
        if http_client(module, call) == "aiohttp":
            found = "aiohttp", ()
        elif found is None and (ends(module.names.qual(call.func), *_LIFESPANS) or builds_app(module, call)):
            found = "app", ()
    return found


@rule("LAB053")
def session_fixture_loop_function_test_loop(setup: Setup) -> Iterator[Hit]:
    """`asyncio_default_fixture_loop_scope = session` and the tests' loop scope left narrower: a test
    awaits a connection or client its fixtures opened in the session loop, from a loop of its own.

    Defused by: `asyncio_default_test_loop_scope = session`; every such test marked (or hooked) into the
    session loop; tests run by AnyIO; SQLite without aiohttp (aiosqlite answers any loop, aiohttp does not);
    fixtures that make nothing loop-bound. Possible only: a `NullPool` engine (a connection a fixture holds
    fails, one the test opens does not); SQLite, with an app whose lifespan may open an aiohttp session."""
    if not (setup.asyncio_plugin and setup.uses_pytest_asyncio) or setup.fixture_loop_default != "session":
        return
    aiohttp = _uses_aiohttp(setup)
    seen: dict[tuple[str, ...], tuple[Fixture, str, tuple[str, ...]] | None] = {}
    for test in setup.tests:
        loop = _test_loop(setup, test)
        if not test.is_async or rank(loop) >= rank("session") or "anyio" in test.marks:
            continue
        key = tuple(test.params)
        if key not in seen:
            seen[key] = _session_loop_resource(setup, test.params, aiohttp)
        found = seen[key]
        if found is None:
            continue
        fixture, kind, backends = found
        certain = kind in ("engine", "aiohttp") and backends != ("sqlite",)
        path = setup.config.rel or fixture.source.rel
        tests = (f"`asyncio_default_test_loop_scope = {setup.test_loop_default}`"
                 if setup.config.get("asyncio_default_test_loop_scope") else
                 "`asyncio_default_test_loop_scope` unset")
        yield Hit("LAB053", path, setup.config.line("asyncio_default_fixture_loop_scope"), 1,
                  f"async fixtures run in the session loop, tests in {loop}-scoped loops ({tests}): "
                  f"`{test.name}` awaits what `{fixture.name}` opened in the session loop", certain, backends)
        return


def _session_loop_resource(setup: Setup, params: list[str], aiohttp: bool,
                           ) -> tuple[Fixture, str, tuple[str, ...]] | None:
    """The fixture among those a test needs that makes a loop-bound thing in the session loop, where the
    session loop comes from the default (some fixture on the way takes it without `loop_scope=`)."""
    needed = [f for f in setup.closure(params) if f.is_async and setup.loop_of(f) == "session"]
    if not any(f.loop_scope is None for f in needed):
        return None
    candidates = []
    for fixture in needed:
        made = _bound_in(setup.module_of(fixture.source), fixture)
        if made is not None:
            candidates.append((fixture, *made))
    for fixture, kind, backends in candidates:
        if kind == "aiohttp" or (kind == "engine" and backends != ("sqlite",)):
            return fixture, kind, backends
    for fixture, kind, backends in candidates:
        if kind == "unpooled" and backends != ("sqlite",):
            # a connection its fixtures hold fails; one the test opens itself, with no pool, would not
            return fixture, kind, backends
    apps = [fixture for fixture, kind, _ in candidates if kind == "app"]
    if apps and aiohttp:
        # aiosqlite answers any loop, but an aiohttp session the app's lifespan opens would not: not shown
        sqlite = any(kind in ("engine", "unpooled") for _, kind, _ in candidates)
        return apps[0], "app", ("sqlite",) if sqlite else ()
    return None


@rule("LAB055")
def sync_fixture_asks_for_narrower_runner(setup: Setup) -> Iterator[Hit]:
    """A sync fixture declared with `@pytest_asyncio.fixture`, cached longer than its loop scope: from
    pytest-asyncio 1.1 it requests the loop runner of that scope, and pytest's ScopeMismatch refuses it.

    Defused by: `@pytest.fixture` for a sync fixture; `loop_scope=` at least its scope (or a default loop
    scope that is); an async fixture (then it is LAB002's mode); the asyncio plugin off."""
    if not setup.asyncio_plugin:
        return
    for fixture in fixtures(setup):
        if fixture.is_async or fixture.via != "pytest_asyncio":
            continue
        loop = setup.loop_of(fixture)
        if rank(loop) < rank(fixture.scope):
            yield hit("LAB055", fixture.source, fixture.node,
                      f"sync {fixture.scope}-scoped fixture `{fixture.name}` is a `@pytest_asyncio.fixture`: "
                      f"it asks for the {loop}-scoped loop runner")

