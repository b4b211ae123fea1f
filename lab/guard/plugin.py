"""The guard's pytest plugin: keeps each resource's origin, and reports a catalogue mistake where it happens.

Three ways of seeing one:
- at the moment of use, through a library's hook: a pooled database connection used from another loop
  than the one it was opened on (SQLAlchemy's `checkout` and `before_cursor_execute`);
- after a test failed, from what was recorded: the objects in the failure's own traceback (an asyncio
  primitive, an aiohttp session, an HTTP connection bound to another loop; an app whose state is read
  though its lifespan never ran), where the error is raised inside the event loop and cannot be caught
  earlier. Only objects and loops are compared, never the text of a message;
- around each test: an override that outlives it, an override no route uses, a connection or client
  session left to the garbage collector.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import warnings
import weakref
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from lab.guard import loops as bound
from lab.guard.findings import Finding, LabGuardWarning
from lab.guard.origins import Context, Loops, Origin, origin, running_loop
from lab.guard.probes import install

_RUNNER = re.compile(r"^_(session|package|module|class|function)_scoped_runner$")
_WIDER = ("session", "package", "module", "class")
_NO_LOOP_DRIVER = (" (possible: this driver binds no loop and answers any, so it passes here; asyncpg, "
                   "which binds one, fails on the same code)")


@dataclass
class _Connection:
    """A pooled database connection the guard saw opened."""

    made: Origin
    engine: Origin | None
    closed: bool = False


class Guard:
    """One per pytest run (and per pytest-xdist worker)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.context = Context()
        self.loops = Loops()
        self.findings: list[Finding] = []
        self._said: set[tuple[object, ...]] = set()
        self._unshown: list[Finding] = []
        self._written: set[int] = set()  # ids of the unshown findings already on the terminal
        # Reentrant: the GC may run a finalizer that reports (LAB019, LAB016) inside a report on this thread
        self._lock = threading.RLock()
        self._engines: weakref.WeakKeyDictionary[Any, Origin] = weakref.WeakKeyDictionary()  # pool -> engine
        self._connections: weakref.WeakKeyDictionary[Any, _Connection] = weakref.WeakKeyDictionary()
        self._sessions: weakref.WeakKeyDictionary[Any, Origin] = weakref.WeakKeyDictionary()
        self._clients: weakref.WeakKeyDictionary[Any, Origin] = weakref.WeakKeyDictionary()
        self._apps: weakref.WeakKeyDictionary[Any, Origin] = weakref.WeakKeyDictionary()
        self._overrides_before: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()
        self._started: weakref.WeakSet[Any] = weakref.WeakSet()
        self._calls: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()
        self._fixturemanager: Any = None
        self._item: pytest.Item | None = None
        self._uninstall = install(self)

    # -- what the probes report -------------------------------------------------------------------------

    def engine_made(self, engine: Any) -> None:
        self._engines[engine.sync_engine.pool] = origin("AsyncEngine", self.context, self.loops)

    def session_made(self, session: Any) -> None:
        made = origin("aiohttp ClientSession", self.context, self.loops, bound.loop_of(session))
        self._sessions[session] = made
        connector = getattr(session, "_connector", None)
        if connector is not None:
            weakref.finalize(session, self._session_gone, weakref.ref(connector), made)

    def connected(self, driver: Any, record: Any) -> None:
        pool = getattr(record, "_ConnectionRecord__pool", None)
        engine = self._engines.get(pool) if pool is not None else None
        kind = type(driver).__module__.split(".")[0]
        tracked = _Connection(origin(f"{kind} connection", self.context, self.loops), engine)
        self._connections[driver] = tracked
        weakref.finalize(driver, self._connection_gone, tracked)

    def closed(self, driver: Any) -> None:
        tracked = self._connections.get(driver)
        if tracked is not None:
            tracked.closed = True

    def used(self, driver: Any) -> None:
        using = running_loop()
        tracked = self._connections.get(driver)
        if using is None or tracked is None:
            return
        own = getattr(driver, "_loop", None) or (tracked.made.loop() if tracked.made.loop else None)
        if own is None or own is using:
            return
        code = self._connection_rule(tracked, own)
        engine = f" of the AsyncEngine {tracked.engine.made()}" if tracked.engine else ""
        made = tracked.made
        opened = f"opened on {self.loops.of(own, self.context)}"
        if made.fixture:
            opened += f" in fixture `{made.fixture}`"
        possible = "" if hasattr(driver, "_loop") else _NO_LOOP_DRIVER
        self.report(code, f"the {made.what}{engine}, {opened}, is used from "
                          f"{self.loops.of(using, self.context)}{self._in_test()}{possible}",
                    key=(code, id(tracked), id(using)))
        self._write_now()

    def _connection_rule(self, tracked: _Connection, own: Any) -> str:
        """Which catalogue mistake put this connection on another loop, from where its engine was made."""
        if threading.current_thread() is not threading.main_thread():
            return "LAB027"  # a loop in another thread: TestClient's portal runs the app there
        if tracked.made.thread != threading.main_thread().name:
            return "LAB003"  # opened there (TestClient ran the lifespan), used from the test's loop
        if "anyio_backend" in getattr(self._item, "fixturenames", ()):
            # run by anyio's plugin: beside pytest-asyncio's fixtures (their loop is a runner's), or alone
            return "LAB021" if self.loops.is_runners(own) else "LAB033"
        if self._ignored_event_loop_fixture():
            return "LAB010"  # the loop the project meant everything to share is never used
        engine = tracked.engine
        if engine is not None and not engine.fixture and not engine.test:
            return "LAB001"
        if engine is not None and engine.scope in _WIDER:
            return "LAB002"
        return "LAB009"  # made during one test, kept by something that outlives it

    def _ignored_event_loop_fixture(self) -> bool:
        """A project's own `event_loop` fixture, which pytest-asyncio 1.0 and later never use."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            major = int(version("pytest-asyncio").split(".")[0])
        except (PackageNotFoundError, ValueError):
            return False
        if major < 1 or self._item is None or self._fixturemanager is None:
            return False
        definitions = self._fixturemanager.getfixturedefs("event_loop", self._item) or ()
        return any(not getattr(d.func, "__module__", "").startswith("pytest_asyncio") for d in definitions)

    def _connection_gone(self, tracked: _Connection) -> None:
        if tracked.closed:
            return
        made = tracked.made
        engine = f"the AsyncEngine {tracked.engine.made()}" if tracked.engine else "its engine"
        self.report("LAB019", f"the {made.what} opened on {made.loop_name} ({made.made()}) was never closed: "
                              f"{engine} was not disposed, and the garbage collector finalised the connection"
                              f"{self._in_test(' (during `{}`)')}", key=("LAB019", id(tracked)))

    def _session_gone(self, connector: weakref.ref[Any], made: Origin) -> None:
        alive = connector()
        if alive is not None and not getattr(alive, "closed", True):
            self._session_left(made, f"the garbage collector finalised it{self._in_test(' (during `{}`)')}")

    def _session_left(self, made: Origin, how: str) -> None:
        self.report("LAB016", f"the aiohttp ClientSession {made.made()}, on {made.loop_name}, was never "
                              f"closed: {how}",
                    key=("LAB016", id(made)))

    # -- reporting ---------------------------------------------------------------------------------------

    def report(self, code: str, message: str, key: tuple[object, ...]) -> None:
        with self._lock:
            if key in self._said:
                return
            self._said.add(key)
            found = Finding.of(code, message, self.context.nodeid, self.context.phase)
            self.findings.append(found)
            self._unshown.append(found)
            self._save()  # at once: a crash later in this phase (a segfault) must not lose it

    def _in_test(self, form: str = " in test `{}`") -> str:
        return form.format(self.context.test) if self.context.test else ""

    def _write_now(self) -> None:
        """Put what was found on the terminal at once: the driver may segfault next (03 on asyncpg), ending
        the run before the phase would. Capture is set aside as pytest's own live logging does."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None:
            return
        capman = self.config.pluginmanager.get_plugin("capturemanager")  # None under `-p no:capture`
        with self._lock:
            new = [found for found in self._unshown if id(found) not in self._written]
            self._written.update(id(found) for found in new)
        if not new:  # a use already reported: no capture to set aside, on a hot path
            return
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            for found in new:
                terminal.write_line(f"lab guard: {found.line()}")

    def _show(self) -> None:
        """Write what was found since the last phase and record it as warnings: from the main thread between
        phases, where pytest's capture is suspended (a finding may come from another thread, or the GC)."""
        with self._lock:
            unshown, self._unshown = self._unshown, []
            written, self._written = self._written, set()
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        for found in unshown:
            if terminal is not None and id(found) not in written:
                terminal.write_line(f"lab guard: {found.line()}")
            message = warnings.WarningMessage(LabGuardWarning(found.line()), LabGuardWarning, "lab.guard", 0)
            # Straight to pytest's warning record, past the filters: `filterwarnings = error` must not turn
            # the guard's report into a failure (that is `--guard-strict`, and only when asked).
            self.config.hook.pytest_warning_recorded.call_historic(
                kwargs=dict(warning_message=message, when="runtest", nodeid=found.test, location=None)
            )

    # -- pytest's hooks ----------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._fixturemanager = getattr(session, "_fixturemanager", None)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Generator[None, Any, Any]:
        __tracebackhide__ = True  # a failure is the user's code's, never the guard's
        self.context.fixtures.append((fixturedef.argname, fixturedef.scope))
        try:
            value = yield
        finally:
            self.context.fixtures.pop()
        try:
            self._fixture_value(fixturedef, request, value)
        except Exception:  # noqa: BLE001 - never the user's problem
            pass
        return value

    def _fixture_value(self, fixturedef: Any, request: Any, value: Any) -> None:
        runner = _RUNNER.match(fixturedef.argname)
        if runner and hasattr(value, "get_loop"):
            scope = runner.group(1)
            of = f" of `{request.node.name}`" if scope == "function" else ""
            self.loops.name(value.get_loop(), f"the {scope} loop{of}", runner=True)
            return
        module = type(value).__module__
        if module.startswith(("fastapi", "starlette")) and hasattr(value, "dependency_overrides"):
            if value not in self._apps:
                self._apps[value] = self._fixture_origin(fixturedef, value)
                self._note_lifespan(value)
        elif module.startswith("httpx") and type(value).__name__ == "AsyncClient":
            if value not in self._clients:
                self._clients[value] = self._fixture_origin(fixturedef, value)
        if fixturedef.scope in _WIDER:  # what a wider fixture puts on an app is the app's, not a test's
            for app in list(self._apps):
                self._overrides_before.setdefault(app, set()).update(app.dependency_overrides)

    def _fixture_origin(self, fixturedef: Any, value: Any) -> Origin:
        return Origin(type(value).__name__, _fixture_line(fixturedef), fixturedef.argname, fixturedef.scope,
                      self.context.test, None, "", threading.current_thread().name)

    def _note_lifespan(self, app: Any) -> None:
        router = getattr(app, "router", None)
        original = getattr(router, "lifespan_context", None)
        if router is None or original is None:
            return
        started, ran = self._started, weakref.ref(app)  # weak: no cycle through the router keeps the app

        def lifespan_context(app_: Any) -> Any:
            alive = ran()
            if alive is not None:
                started.add(alive)
            return original(app_)

        router.lifespan_context = lifespan_context

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        __tracebackhide__ = True  # a failure is the user's code's, never the guard's
        self.context.test, self.context.nodeid, self.context.phase = item.name, item.nodeid, "setup"
        self._item = item
        for app, made in list(self._apps.items()):
            if made.scope in _WIDER:
                self._overrides_before[app] = set(app.dependency_overrides)
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        __tracebackhide__ = True  # a failure is the user's code's, never the guard's
        self.context.phase = "call"
        for app, made in list(self._apps.items()):
            self._check_override_keys(app, made)
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        __tracebackhide__ = True  # a failure is the user's code's, never the guard's
        self.context.phase = "teardown"
        try:
            return (yield)
        finally:
            for app, made in list(self._apps.items()):
                if made.scope in _WIDER:
                    self._check_overrides_left(app, made)
            # Under `filterwarnings = error` pytest keeps the session its warning names alive, so the one
            # this test made and left open is still here: nothing of the test's should be.
            for session, made in list(self._sessions.items()):
                if made.test == item.name and made.scope in ("", "function") and not session.closed:
                    self._session_left(made, "it was still open when its test ended")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        try:
            if report.failed and call.excinfo is not None:
                self._explain(item, call.excinfo.value, call.when)
        except Exception:  # noqa: BLE001
            pass
        mine = [f for f in self._unshown if f.test == item.nodeid and f.when == call.when]
        self._show()
        if call.when == "teardown":
            self.context.test = self.context.nodeid = self.context.phase = ""
        if mine and self.config.getoption("guard_strict"):
            text = "\n".join(f"lab guard: {f.line()}" for f in mine)
            if report.passed:
                report.outcome = "failed"
                report.longrepr = text
            else:
                report.sections.append(("lab guard", text))
        return report

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        self._show()
        if not self.findings:
            return
        terminalreporter.section("lab guard")
        for found in self.findings:
            where = f"{found.test} ({found.when}): " if found.test else ""
            terminalreporter.line(f"{where}{found.line()}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._uninstall()
        self._save()

    def _save(self) -> None:
        path = self.config.getoption("guard_report", None)
        if path:
            worker = getattr(self.config, "workerinput", {}).get("workerid")
            target = Path(f"{path}.{worker}" if worker else path)
            partial = target.with_name(f".partial-{target.name}")  # outside the `lab run` glob
            partial.write_text(json.dumps([f.to_json() for f in self.findings], indent=1))
            os.replace(partial, target)  # whole or not at all, whenever the run dies

    # -- around each test --------------------------------------------------------------------------------

    def _check_overrides_left(self, app: Any, made: Origin) -> None:
        before = self._overrides_before.get(app, set())
        left = [key for key in app.dependency_overrides if key not in before]
        if left:
            names = ", ".join(f"`{_name(key)}`" for key in left)
            self.report("LAB012", f"`dependency_overrides` entries for {names}, set during "
                                  f"`{self.context.test}`, are still on the app {made.made()}, which "
                                  "outlives the test",
                        key=("LAB012", id(app), tuple(id(k) for k in left)))

    def _check_override_keys(self, app: Any, made: Origin) -> None:
        overrides = getattr(app, "dependency_overrides", {})
        if not overrides:
            return
        used = self._calls.get(app)
        if used is None:  # an app's routes are made with it: walk them once
            used = self._calls[app] = _dependency_calls(app)
        if not used:
            return
        for key in overrides:
            if key in used:
                continue
            twins = [c for c in used if getattr(c, "__name__", None) == getattr(key, "__name__", "")]
            instead = f"; its routes depend on `{_name(twins[0])}`" if twins else ""
            self.report("LAB037", f"`app.dependency_overrides` of the app {made.made()} has an entry for "
                                  f"`{_name(key)}`, which no route of the app depends on, so it is never used"
                                  f"{instead}", key=("LAB037", id(app), id(key)))

    # -- after a failure ---------------------------------------------------------------------------------

    def _explain(self, item: pytest.Item, error: BaseException, when: str) -> None:
        test_loop = _test_loop(item)
        for exc in _exceptions(error):
            frames = list(_frames(exc.__traceback__))
            for frame_locals, function in frames:
                obj = frame_locals.get("self")
                if obj is None:
                    continue
                if function == "__getattr__" and type(obj).__name__ == "State":
                    self._explain_state(obj, frame_locals.get("key"), frames)
                    continue
                if when != "call" or test_loop is None:
                    continue  # a fixture's phase runs in the fixture's loop; a sync test has no loop
                known = bound.kind(obj)
                own = bound.loop_of(obj) if known else None
                if known is None or own is None or own is test_loop:
                    continue
                what, code = known
                made = self._sessions.get(obj) or self._made_by_client(frames)
                where = f" {made.made()}" if made else ""
                closed = ", now closed," if own.is_closed() else ""
                if made and code == "LAB030":
                    where = f" of the httpx client {made.made()}"
                if made and made.thread != threading.main_thread().name:
                    code = "LAB003"  # made on a loop in another thread: TestClient ran the lifespan there
                self.report(code, f"the {what}{where} is bound to {self.loops.of(own, self.context)}{closed} "
                                  f"and is used from {self.loops.of(test_loop, self.context)} in test "
                                  f"`{item.name}`", key=(code, id(obj), id(test_loop)))
                return

    def _made_by_client(self, frames: list[tuple[dict[str, Any], str]]) -> Origin | None:
        """The origin of the httpx client whose request this was: `self` of an outer frame."""
        for frame_locals, _ in frames:
            try:
                found = self._clients.get(frame_locals.get("self"))
            except TypeError:  # not weakly referenceable
                continue
            if found is not None:
                return found
        return None

    def _explain_state(self, state: Any, key: object, frames: list[tuple[dict[str, Any], str]]) -> None:
        for frame_locals, _ in frames:
            request = frame_locals.get("request")
            scope = getattr(request, "scope", None)
            if not isinstance(scope, dict) or getattr(state, "_state", None) is not scope.get("state"):
                continue
            app = scope.get("app")
            made = self._apps.get(app) if app is not None else None
            if made is not None and app in self._started:
                self.report("LAB047", f"`request.state.{key}` is read: the lifespan of the app {made.made()} "
                                      "ran, but its state is not in the requests' scope: the requests do not "
                                      "come through what ran the lifespan (asgi-lifespan: `manager.app`)",
                            key=("LAB047", id(app)))
            return
        for app, made in list(self._apps.items()):
            if getattr(app, "state", None) is state and app not in self._started:
                self.report("LAB005", f"`app.state.{key}` is read, but the lifespan of the app {made.made()} "
                                      "never ran: whatever it sets up on `app.state` does not exist",
                            key=("LAB005", id(app)))


def _name(function: Any) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)}"


def _fixture_line(fixturedef: Any) -> str:
    code = getattr(getattr(fixturedef, "func", None), "__code__", None)
    if code is None:
        return "?"
    import os

    shown = os.path.relpath(code.co_filename)
    return f"{code.co_filename if shown.startswith('..') else shown}:{code.co_firstlineno}"


def _dependency_calls(app: Any) -> set[Any]:
    """Every function the app's routes depend on, at any depth: FastAPI's dependants, through included
    routers (kept whole as `original_router` by recent FastAPI) and mounts."""
    calls: set[Any] = set()
    routes = list(getattr(app, "routes", ()))
    dependants: list[Any] = []
    while routes:
        route = routes.pop()
        dependants.append(getattr(route, "dependant", None))
        for holder in (route, getattr(route, "original_router", None)):
            routes.extend(getattr(holder, "routes", None) or ())
            calls.update(getattr(d, "dependency", None) for d in getattr(holder, "dependencies", None) or ())
    while dependants:
        dependant = dependants.pop()
        if dependant is None:
            continue
        calls.add(getattr(dependant, "call", None))
        dependants.extend(getattr(dependant, "dependencies", None) or ())
    calls.discard(None)
    return calls


def _test_loop(item: pytest.Item) -> Any:
    """The loop pytest-asyncio runs this test in: the runner of its loop scope (1.x), or `event_loop`."""
    funcargs = getattr(item, "funcargs", {})
    scope = getattr(item, "_loop_scope", None)
    runner = funcargs.get(f"_{scope}_scoped_runner") if scope else None
    if runner is not None and hasattr(runner, "get_loop"):
        return runner.get_loop()
    return funcargs.get("event_loop")


def _exceptions(error: BaseException) -> Iterator[BaseException]:
    """The exception, the members of a group, its cause and context."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        pending += [e for e in getattr(exc, "exceptions", ()) or () if isinstance(e, BaseException)]
        pending += [e for e in (exc.__cause__, exc.__context__) if e is not None]


def _frames(tb: TracebackType | None) -> Iterator[tuple[dict[str, Any], str]]:
    """Each frame's locals and function, innermost first (where the error was raised)."""
    found: list[tuple[dict[str, Any], str]] = []
    while tb is not None:
        found.append((tb.tb_frame.f_locals, tb.tb_frame.f_code.co_name))
        tb = tb.tb_next
    return iter(found[::-1])
