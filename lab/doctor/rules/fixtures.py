"""Checks: how fixtures are declared: the plugin that runs them, their scopes, marks and context."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from lab.doctor.model import Setup, calls, ends, rank, walk_own
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import fixtures, top_assignments

# pytest's and its common plugins' own function-scoped fixtures
_FUNCTION_FIXTURES = {"tmp_path", "tmpdir", "monkeypatch", "capsys", "capfd", "caplog", "recwarn", "mocker",
                      "request_mock", "httpx_mock", "subtests"}


@rule("LAB011")
def strict_mode_async_fixture(setup: Setup) -> Iterator[Hit]:
    """An async fixture declared with `@pytest.fixture` under pytest-asyncio's strict mode: strict mode
    leaves it to pytest, which cannot run it. Defused by: `asyncio_mode = auto`; AnyIO running the tests."""
    if not (setup.asyncio_plugin and setup.uses_pytest_asyncio) or setup.mode != "strict" or setup.uses_anyio:
        return
    for fixture in fixtures(setup):
        if fixture.is_async and fixture.via == "pytest":
            yield hit("LAB011", fixture.source, fixture.node,
                      f"async fixture `{fixture.name}` is a `@pytest.fixture` under strict mode")


@rule("LAB021")
def anyio_tests_with_pytest_asyncio_fixtures(setup: Setup) -> Iterator[Hit]:
    """Tests marked `anyio` using `@pytest_asyncio.fixture`s: AnyIO's plugin runs them in its own loop.

    Defused by: one plugin for the suite (plain `@pytest.fixture`s with `anyio_backend`)."""
    anyio_tests = [t for t in setup.tests if "anyio" in t.marks]
    if not anyio_tests:
        return
    for fixture in fixtures(setup):
        if fixture.is_async and fixture.via == "pytest_asyncio":
            yield hit("LAB021", fixture.source, fixture.node,
                      f"`@pytest_asyncio.fixture` `{fixture.name}` used by tests marked `anyio`")


_SCOPES_CALLS = ("anyio.fail_after", "anyio.move_on_after", "anyio.CancelScope", "anyio.create_task_group")


@rule("LAB022")
def cancel_scope_across_yield(setup: Setup) -> Iterator[Hit]:
    """An AnyIO cancel scope (or task group) opened before a fixture's `yield` and closed after it: the two
    halves run as two tasks. Defused by: one scope for the setup, another for the teardown."""
    for fixture in fixtures(setup):
        if not (fixture.is_async and fixture.is_generator):
            continue
        module = setup.module_of(fixture.source)
        for node in walk_own(fixture.node):
            if not isinstance(node, ast.With | ast.AsyncWith):
                continue
            scoped = [i for i in node.items if isinstance(i.context_expr, ast.Call)
                      and ends(module.names.qual(i.context_expr.func), *_SCOPES_CALLS)]
            if scoped and any(isinstance(n, ast.Yield) for b in node.body for n in [b, *ast.walk(b)]):
                yield hit("LAB022", fixture.source, node,
                          f"cancel scope in `{fixture.name}` is entered before `yield` and exited after it")


@rule("LAB025")
def broader_fixture_requests_narrower(setup: Setup) -> Iterator[Hit]:
    """A fixture asking for one of narrower scope: pytest's ScopeMismatch. Defused by: none (it is an
    error whenever both are the ones pytest picks)."""
    for fixture in fixtures(setup):
        if rank(fixture.scope) == 0:
            continue
        for name in fixture.params:
            if name in _FUNCTION_FIXTURES and name not in setup.fixtures:
                yield hit("LAB025", fixture.source, fixture.node,
                          f"{fixture.scope}-scoped `{fixture.name}` requests function-scoped `{name}`")
                continue
            found = [f for f in setup.fixtures.get(name, []) if f is not fixture]
            if found and all(rank(f.scope) < rank(fixture.scope) for f in found):
                yield hit("LAB025", fixture.source, fixture.node,
                          f"{fixture.scope}-scoped `{fixture.name}` requests "
                          f"{found[0].scope}-scoped `{name}`")


@rule("LAB031")
def mark_on_fixture(setup: Setup) -> Iterator[Hit]:
    """A `@pytest.mark...` on a fixture: it never applied, and pytest 9 refuses it. Defused by: none."""
    for fixture in fixtures(setup):
        for mark in fixture.marks:
            yield hit("LAB031", fixture.source, mark, f"a mark on fixture `{fixture.name}`")


@rule("LAB032")
def anyio_session_fixture_needs_session_backend(setup: Setup) -> Iterator[Hit]:
    """Under AnyIO alone, a session-scoped async fixture with the default, module-scoped `anyio_backend`:
    ScopeMismatch. Defused by: a session-scoped `anyio_backend` fixture."""
    if setup.asyncio_plugin or not setup.uses_anyio and not any(
            "anyio" in t.marks for t in setup.tests):
        return
    backends = setup.fixtures.get("anyio_backend", [])
    widest = max((rank(f.scope) for f in backends), default=rank("module"))
    for fixture in fixtures(setup):
        if fixture.is_async and rank(fixture.scope) > widest:
            yield hit("LAB032", fixture.source, fixture.node,
                      f"{fixture.scope}-scoped async `{fixture.name}` needs a {fixture.scope}-scoped "
                      f"`anyio_backend`")


@rule("LAB042")
def contextvar_set_in_async_fixture(setup: Setup) -> Iterator[Hit]:
    """A ContextVar set in an async fixture, for the test to read: before pytest-asyncio 0.25 (1.1 on
    Python < 3.11) the test's task does not see it. Defused by: setting it in a sync fixture."""
    variables = {name for module in setup.modules for name, value in top_assignments(module).items()
                 if isinstance(value, ast.Call)
                 and ends(module.names.qual(value.func), "contextvars.ContextVar")}
    if not variables:
        return
    for fixture in fixtures(setup):
        if not fixture.is_async:
            continue
        for call in calls(fixture.node, own=True):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "set" and isinstance(func.value, ast.Name) \
                    and func.value.id in variables:
                yield hit("LAB042", fixture.source, call,
                          f"ContextVar `{func.value.id}` set in async fixture `{fixture.name}`")
