"""Checks: a loop-bound resource (engine, HTTP client, asyncio primitive) outliving the loop it was made in;
the loop fixtures and calls pytest-asyncio removed or changed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from lab.doctor.model import Fixture, Module, Setup, calls, ends, functions_in, rank, walk, walk_own
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import (
    awaited_methods,
    backends_of,
    builds_app,
    error_filter,
    fixtures,
    http_client,
    is_engine,
    managed,
    narrowest_test_loop,
    null_pool,
    top_assignments,
)


def _module_engines(setup: Setup) -> Iterator[tuple[Module, str, ast.Call]]:
    for module in setup.modules:
        for name, value in top_assignments(module).items():
            if isinstance(value, ast.Call) and is_engine(module, value):
                yield module, name, value


def _engines_made(module: Module, fixture: Fixture) -> list[ast.Call]:
    return [c for c in calls(fixture.node, own=True) if is_engine(module, c) and not null_pool(module, c)]


def _disposed_per_test(setup: Setup, name: str) -> bool:
    """Disposal in a function-scoped fixture: each test's loop closes the pool's connections it opened."""
    return any(f.scope == "function" and awaited_methods(f.node, name, "dispose") for f in fixtures(setup))


@rule("LAB001")
def import_time_engine(setup: Setup) -> Iterator[Hit]:
    """An engine built at import: its pool's connections belong to the first loop that opens them.

    Defused by: `poolclass=NullPool`; disposal in a function-scoped fixture; one session-wide loop for every
    test and fixture; SQLite (aiosqlite answers any loop). A broader `event_loop` override is LAB044's."""
    if setup.single_loop():
        return
    if any(rank(f.scope) > 0 for f in setup.fixtures.get("event_loop", [])):
        return  # one loop before pytest-asyncio 0.23, two after: LAB044's to say, with its versions
    for module, name, call in _module_engines(setup):
        if null_pool(module, call) or _disposed_per_test(setup, name):
            continue
        local = module.source.kind == "module"
        yield hit("LAB001", module.source, call,
                  f"engine `{name}` is built at import and its pooled connections are reused by tests "
                  f"running in other event loops" + (" (if the tests use the app's engine)" if local else ""),
                  certain=not local, backends=backends_of(module, call))


@rule("LAB002")
def fixture_outlives_its_loop(setup: Setup) -> Iterator[Hit]:
    """An engine fixture cached longer than the loop its connections are used in: a session-scoped async
    fixture on a function loop, or a session-loop engine used by tests in function loops.

    Defused by: `loop_scope` equal to the caching scope, and tests in that same loop; `NullPool`; tests
    run by AnyIO's plugin alone, whose loops are the `anyio_backend` fixture's (LAB032, LAB033)."""
    if not setup.asyncio_plugin or (setup.uses_anyio and not setup.uses_pytest_asyncio):
        return
    tests = narrowest_test_loop(setup)
    for fixture in fixtures(setup):
        if rank(fixture.scope) == 0:
            continue
        module = setup.module_of(fixture.source)
        engines = _engines_made(module, fixture)
        if not engines:
            continue
        if fixture.is_async:
            loop = setup.loop_of(fixture)
            if rank(loop) < rank(fixture.scope):
                why = f"is cached for the {fixture.scope} but runs in a {loop}-scoped loop"
            elif tests < rank(loop):
                why = f"lives in the {loop} loop, but tests run in {min(setup.test_loops(), key=rank)} loops"
            else:
                continue
        elif tests < rank(fixture.scope) and not setup.uses_anyio:
            why = f"is a {fixture.scope}-scoped sync fixture: its pool binds to the first test's loop"
        else:
            continue
        yield hit("LAB002", fixture.source, fixture.node, f"fixture `{fixture.name}` {why}",
                  backends=backends_of(module, engines[0]))


@rule("LAB009")
def long_lived_app_with_own_engine(setup: Setup) -> Iterator[Hit]:
    """An app fixture broader than a test, whose routes use the app's own engine (no `get_db` override),
    while tests run in narrower loops: the engine the app builds on first use meets every later loop.

    Defused by: an app per test, run through its lifespan (which disposes of the engine); one loop for all.
    Possible only: whether the app builds its engine lazily is in its own code."""
    if not setup.asyncio_plugin or setup.single_loop():
        return
    if any("dependency_overrides" in m.source.text for m in setup.test_modules):
        return
    local = [m for m in setup.modules if m.source.kind == "module"]
    if not any(is_engine(m, c) for m in local for c in calls(m.source.tree)):
        return
    tests = narrowest_test_loop(setup)
    for fixture in fixtures(setup):
        loop = setup.loop_of(fixture) if fixture.is_async else fixture.scope
        if rank(fixture.scope) == 0 or tests >= rank(loop):
            continue
        module = setup.module_of(fixture.source)
        made = [c for c in calls(fixture.node, own=True) if builds_app(module, c)]
        if made:
            yield hit("LAB009", fixture.source, made[0],
                      f"{fixture.scope}-scoped app `{fixture.name}` keeps its own engine across tests' loops",
                      certain=False)


@rule("LAB033")
def anyio_engine_outlives_each_test(setup: Setup) -> Iterator[Hit]:
    """Under AnyIO's plugin alone: a sync fixture broader than a test builds an engine, each test its loop.

    Defused by: a session-scoped `anyio_backend` with the engine made in an async fixture."""
    if setup.asyncio_plugin and not setup.uses_anyio:
        return
    backend = setup.fixtures.get("anyio_backend", [])
    if any(rank(f.scope) == rank("session") for f in backend):
        return
    for fixture in fixtures(setup):
        if fixture.is_async or rank(fixture.scope) == 0:
            continue
        module = setup.module_of(fixture.source)
        engines = _engines_made(module, fixture)
        if engines:
            yield hit("LAB033", fixture.source, fixture.node,
                      f"fixture `{fixture.name}` ({fixture.scope}) builds an engine that AnyIO's per-test "
                      f"loops "
                      f"share", backends=backends_of(module, engines[0]))


@rule("LAB030")
def http_client_pool_across_loops(setup: Setup) -> Iterator[Hit]:
    """An httpx client with a real connection pool, made once for many tests that each run in their loop.

    Defused by: the client made per test (`async with` in a function-scoped fixture), or one loop for all."""
    yield from _clients(setup, "httpx", "LAB030")


@rule("LAB040")
def aiohttp_session_across_loops(setup: Setup) -> Iterator[Hit]:
    """An aiohttp session opened in a loop the tests do not run in (a session loop, function-loop tests).

    Defused by: tests in that loop (`asyncio_default_test_loop_scope = session`); a session per test."""
    yield from _clients(setup, "aiohttp", "LAB040")


def _clients(setup: Setup, kind: str, code: str) -> Iterator[Hit]:
    if not setup.asyncio_plugin:
        return
    tests = narrowest_test_loop(setup)
    for fixture in fixtures(setup):
        if rank(fixture.scope) == 0:
            continue
        module = setup.module_of(fixture.source)
        made = [c for c in calls(fixture.node, own=True) if http_client(module, c) == kind]
        if not made:
            continue
        loop = setup.loop_of(fixture) if fixture.is_async else fixture.scope
        if tests < rank(loop) or (fixture.is_async and rank(loop) < rank(fixture.scope)):
            yield hit(code, fixture.source, made[0],
                      f"fixture `{fixture.name}` ({fixture.scope}-scoped) keeps a {kind} client whose "
                      f"connections belong to one loop, while tests run in "
                      f"{min(setup.test_loops(), key=rank)}-scoped loops")


_PRIMITIVES = ("asyncio.Semaphore", "asyncio.BoundedSemaphore", "asyncio.Lock", "asyncio.Event",
               "asyncio.Condition", "asyncio.Queue")


@rule("LAB039")
def module_level_primitive(setup: Setup) -> Iterator[Hit]:
    """An asyncio primitive made at import, used by tests that each run in their own loop.

    Defused by: one loop for every test; the primitive made in a fixture."""
    if setup.single_loop() or not setup.asyncio_plugin:
        return
    for module in setup.modules:
        for name, value in top_assignments(module).items():
            if isinstance(value, ast.Call) and ends(module.names.qual(value.func), *_PRIMITIVES):
                yield hit("LAB039", module.source, value,
                          f"`{name}` is made at import and binds to the first loop that waits on it; "
                          f"tests run in {min(setup.test_loops(), key=rank)}-scoped loops",
                          certain=module.source.kind != "module")


def _relies_on_one_loop(setup: Setup) -> bool:
    return any(f.is_async and rank(f.scope) > 0 and not f.loop_scope for f in fixtures(setup))


def _engine_names(setup: Setup, engines: list[tuple[Module, str, ast.Call]]) -> set[str]:
    """The engines' names and the names made from them at import (`Session = async_sessionmaker(engine)`)."""
    names = {name for _, name, _ in engines}
    for module, _, _ in engines:
        for other, value in top_assignments(module).items():
            if any(isinstance(n, ast.Name) and n.id in names for n in walk(value)):
                names.add(other)
    return names


def _broad_fixture_uses_engine(setup: Setup, engines: list[tuple[Module, str, ast.Call]]) -> bool:
    """A fixture broader than a test, async, that touches an import-time engine itself: from 0.23 it runs in
    a loop of its own, so the connections it opens are not the tests' loop's."""
    names = _engine_names(setup, engines)
    return any(f.is_async and rank(f.scope) > 0 and any(isinstance(n, ast.Name) and n.id in names
                                                       for n in walk(f.node)) for f in fixtures(setup))


def _pooled_engines(setup: Setup) -> list[tuple[Module, str, ast.Call]]:
    return [(m, n, c) for m, n, c in _module_engines(setup) if not null_pool(m, c)]


@rule("LAB010")
def event_loop_override(setup: Setup) -> Iterator[Hit]:
    """A broader `event_loop` fixture, to share one loop with session fixtures: pytest-asyncio 1.0 removed
    the fixture, so it is an ordinary fixture; from 0.23 session fixtures had their own loop anyway. Where an
    import-time engine's pool is what it keeps on one loop (and no broader fixture touches the engine,
    LAB044's case), each test's own loop from 1.0 meets the connections of the last.

    Defused by: nothing session-scoped and async relying on it (then it only does nothing); for the
    engine, `NullPool` or disposal per test. Possible only: an app's engine the tests may not use."""
    engines = _pooled_engines(setup)
    pooled = [(m, n, c) for m, n, c in engines if not _disposed_per_test(setup, n)]
    for fixture in setup.fixtures.get("event_loop", []):
        if rank(fixture.scope) == 0:
            continue
        if not engines and _relies_on_one_loop(setup):
            yield hit("LAB010", fixture.source, fixture.node,
                      f"`event_loop` override ({fixture.scope}-scoped): session-scoped async fixtures no "
                      f"longer run in it")
        elif pooled and "session" not in setup.test_loops() \
                and not _broad_fixture_uses_engine(setup, engines):
            module, name, call = pooled[0]
            own = module.source.kind != "module" or not any(
                "dependency_overrides" in m.source.text for m in setup.test_modules)
            yield hit("LAB010", fixture.source, fixture.node,
                      f"`event_loop` override ({fixture.scope}-scoped) is what keeps the import-time engine "
                      f"`{name}` on one loop; pytest-asyncio 1.0 ignores it and each test gets its own",
                      certain=own, backends=backends_of(module, call))


@rule("LAB044")
def event_loop_override_with_import_time_engine(setup: Setup) -> Iterator[Hit]:
    """A broader `event_loop` fixture that made an import-time engine safe before 0.23: with 0.23, session
    fixtures get a loop of their own and tests theirs, so the engine meets two loops.

    Defused by: every async test marked (or configured) to run in the session loop; no broader async
    fixture touching the engine (the tests alone still share the override's loop until 1.0: LAB010)."""
    if "session" in setup.test_loops() and len(setup.test_loops()) == 1:
        return
    engines = _pooled_engines(setup)
    if not engines or not _broad_fixture_uses_engine(setup, engines):
        return
    for fixture in setup.fixtures.get("event_loop", []):
        if rank(fixture.scope) == 0:
            continue
        module, name, call = engines[0]
        yield hit("LAB044", fixture.source, fixture.node,
                  f"`event_loop` override ({fixture.scope}-scoped) no longer gives the import-time engine "
                  f"`{name}` one loop", backends=backends_of(module, call))


@rule("LAB038")
def event_loop_requested(setup: Setup) -> Iterator[Hit]:
    """A fixture or test asking for pytest-asyncio's `event_loop` fixture, removed in 1.0.

    Defused by: the project defining its own `event_loop` fixture (another rule's concern)."""
    if "event_loop" in setup.fixtures:
        return
    for module in setup.test_modules:
        for node in [f.node for f in module.fixtures] + [t.node for t in module.tests]:
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            for arg in args:
                if arg.arg == "event_loop":
                    yield hit("LAB038", module.source, arg,
                              f"`{node.name}` requests the `event_loop` fixture")


@rule("LAB028")
def event_loop_policy_override(setup: Setup) -> Iterator[Hit]:
    """An `event_loop_policy` fixture override, deprecated in pytest-asyncio 1.4: an error under
    `filterwarnings = error`.

    Defused by: no warning filter turning the deprecation into an error (then it is only a warning)."""
    if not error_filter(setup):
        return
    for fixture in setup.fixtures.get("event_loop_policy", []):
        yield hit("LAB028", fixture.source, fixture.node,
                  "`event_loop_policy` fixture override, deprecated by pytest-asyncio (a warning, an "
                  "error here)")


def _sync_fixture_calls(setup: Setup, *names: str) -> Iterator[tuple[Fixture, ast.Call]]:
    for fixture in fixtures(setup):
        if fixture.is_async:
            continue
        module = setup.module_of(fixture.source)
        for call in calls(fixture.node, own=True):
            if ends(module.names.qual(call.func), *names):
                yield fixture, call


@rule("LAB020")
def get_event_loop_in_session_sync_fixture(setup: Setup) -> Iterator[Hit]:
    """`asyncio.get_event_loop()` in a broader-scoped sync fixture: from pytest-asyncio 1.4 no loop is set
    there, and Python 3.12 warns. Defused by: no `filterwarnings = error` (the failure is that warning, or
    the unclosed loop's, made an error)."""
    if not error_filter(setup):
        return
    for fixture, call in _sync_fixture_calls(setup, "asyncio.get_event_loop"):
        if rank(fixture.scope) > 0:
            yield hit("LAB020", fixture.source, call,
                      f"sync fixture `{fixture.name}` takes the thread's loop with "
                      f"`asyncio.get_event_loop()`")


@rule("LAB049")
def get_event_loop_in_function_sync_fixture(setup: Setup) -> Iterator[Hit]:
    """`asyncio.get_event_loop()` in a function-scoped sync fixture, after an async test: from
    pytest-asyncio 1.4 the thread has no current loop then. Defused by: no async tests."""
    if not any(t.is_async for t in setup.tests) and setup.mode != "auto":
        return
    for fixture, call in _sync_fixture_calls(setup, "asyncio.get_event_loop"):
        if rank(fixture.scope) == 0:
            yield hit("LAB049", fixture.source, call,
                      f"sync fixture `{fixture.name}` takes the thread's loop with "
                      f"`asyncio.get_event_loop()`")


@rule("LAB043")
def asyncio_run_in_function_sync_fixture(setup: Setup) -> Iterator[Hit]:
    """`asyncio.run()` in a function-scoped sync fixture: before pytest-asyncio 1.2 it leaves the thread
    without a current loop for the async test that follows. Defused by: no async tests."""
    if not setup.asyncio_plugin:
        return
    for fixture, call in _sync_fixture_calls(setup, "asyncio.run"):
        if rank(fixture.scope) == 0:
            yield hit("LAB043", fixture.source, call,
                      f"sync fixture `{fixture.name}` runs `asyncio.run()` before each test")


@rule("LAB019")
def engine_not_disposed_in_asyncio_run(setup: Setup) -> Iterator[Hit]:
    """An engine made inside a coroutine that `asyncio.run()` runs, never disposed: its connection is
    collected after that loop is closed. Defused by: `await engine.dispose()` in that coroutine."""
    for module in setup.modules:
        top = {n.name: n for n in module.source.tree.body if isinstance(n, ast.AsyncFunctionDef)}
        for scope in [module.source.tree, *functions_in(module.source.tree)]:
            # a coroutine defined in the function that runs it, else at module level
            local = {**top, **{n.name: n for n in walk_own(scope) if isinstance(n, ast.AsyncFunctionDef)}}
            for call in calls(scope, own=True):
                yield from _undisposed(module, call, local)


def _undisposed(module: Module, call: ast.Call, local: dict[str, ast.AsyncFunctionDef]) -> Iterator[Hit]:
    if not (ends(module.names.qual(call.func), "asyncio.run", "anyio.run") and call.args):
        return
    target = call.args[0]
    name = target.func.id if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) else (
        target.id if isinstance(target, ast.Name) else None)
    coroutine = local.get(name or "")
    if coroutine is None:
        return
    for made in calls(coroutine, own=True):
        if is_engine(module, made) and not null_pool(module, made) and not managed(coroutine, made):
            engine = next((t.id for n in walk_own(coroutine) if isinstance(n, ast.Assign)
                           and n.value is made for t in n.targets if isinstance(t, ast.Name)), "")
            if engine and awaited_methods(coroutine, engine, "dispose"):
                continue
            yield hit("LAB019", module.source, made,
                      f"engine made in `{coroutine.name}` (run by `asyncio.run()`) is never disposed",
                      backends=backends_of(module, made))


@rule("LAB017")
def asyncio_run_inside_running_loop(setup: Setup) -> Iterator[Hit]:
    """`asyncio.run()` (or Alembic's async `env.py`, which calls it) from inside an async fixture or test.

    Defused by: `await asyncio.to_thread(...)` / `run_sync`, where no loop runs."""
    env_runs = any("asyncio.run(" in path.read_text(errors="replace")
                   for path in setup.project.root.glob("**/env.py") if ".venv" not in path.parts)
    for module in setup.modules:
        for node in walk(module.source.tree):
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            for call in calls(node, own=True):
                qual = module.names.qual(call.func)
                if ends(qual, "asyncio.run"):
                    yield hit("LAB017", module.source, call, f"`asyncio.run()` inside the running loop of "
                                                             f"`{node.name}`")
                elif ends(qual, "alembic.command.upgrade", "alembic.command.downgrade", "command.upgrade"):
                    yield hit("LAB017", module.source, call,
                              f"Alembic migration called inside the running loop of `{node.name}`"
                              + ("; the project's env.py calls `asyncio.run()`" if env_runs else ""),
                              certain=env_runs)


@rule("LAB048")
def loop_factories_hook_with_sync_test(setup: Setup) -> Iterator[Hit]:
    """A `pytest_asyncio_loop_factories` hook, and a sync test using a session-scoped async fixture: from
    1.4 that test gets another runner and tears the session's fixtures down. Defused by: no such test."""
    for module in setup.modules:
        hook = module.functions.get("pytest_asyncio_loop_factories")
        if hook is None or hook not in module.source.tree.body:
            continue
        for test in setup.tests:
            if test.is_async:
                continue
            used = [f for f in setup.closure(test.params) if f.is_async and rank(f.scope) > 0]
            if used:
                yield hit("LAB048", module.source, hook,
                          f"loop-factory hook, and sync test `{test.name}` uses session async fixture "
                          f"`{used[0].name}`")
                return
