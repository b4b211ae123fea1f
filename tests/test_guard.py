"""`pytest -p lab.guard`: each mode it covers, as a tiny inner project where it names the mode, and a
look-alike where it stays quiet (pytest-asyncio's own test style: run with pytester, assert outcomes)."""

from __future__ import annotations

import json

# Imported once here, so that pytester's in-process runs (which restore `sys.modules` after each) reuse them
import aiohttp  # noqa: F401
import aiosqlite  # noqa: F401
import asgi_lifespan  # noqa: F401
import fastapi  # noqa: F401
import httpx  # noqa: F401
import pytest
import sqlalchemy.ext.asyncio  # noqa: F401
from conftest import PASSING_TEST

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
filterwarnings = error
"""

ENGINE_AT_IMPORT = """
import os
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ENGINE = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))

import pytest

@pytest.fixture
def engine():
    return ENGINE

@pytest.fixture(scope="session", autouse=True)
def dispose():  # the inner run is in this process: it leaves nothing for the outer one to collect
    yield
    import asyncio
    asyncio.run(ENGINE.dispose())
"""

TWO_QUERIES = """
from sqlalchemy import text

async def test_one(engine):
    async with engine.connect() as conn:
        assert await conn.scalar(text("select 1")) == 1

async def test_two(engine):
    async with engine.connect() as conn:
        assert await conn.scalar(text("select 2")) == 2
"""


def guarded(
    pytester: pytest.Pytester, *args: str, leaks: bool = False, timeout: float | None = None
) -> tuple[pytest.RunResult, list[dict[str, str]]]:
    """Run the inner project under the guard; its outcome and the findings it wrote. An inner project that
    `leaks` a resource on purpose, or may hang (`timeout`), runs in a process of its own, so that the leak is
    never reported here."""
    report = pytester.path / "guard.json"
    arguments = ("-p", "lab.guard", "--guard-report", str(report), "-p", "no:cacheprovider", *args)
    if leaks or timeout is not None:
        result = pytester.runpytest_subprocess(*arguments, timeout=timeout)
    else:
        result = pytester.runpytest(*arguments)
    return result, json.loads(report.read_text()) if report.is_file() else []


def rules(findings: list[dict[str, str]]) -> set[str]:
    return {f["rule"] for f in findings}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_an_engine_made_at_import_is_named_where_its_connection_moves_loops(project):
    project.makeconftest(ENGINE_AT_IMPORT)
    project.makepyfile(test_it=TWO_QUERIES)
    result, findings = guarded(project)
    # SQLite answers any loop: the run passes, and the guard's finding never fails it, not even under
    # `filterwarnings = error`
    result.assert_outcomes(passed=2, warnings=1)
    assert rules(findings) == {"LAB001"}
    assert findings[0]["scenario"] == "01-import-time-engine"
    assert "made at import (conftest.py:5)" in findings[0]["message"]
    assert "opened on the function loop of `test_one`" in findings[0]["message"]
    result.stdout.fnmatch_lines(["*lab guard: LAB001 *", "*= lab guard =*", "*test_two (call): LAB001 *"])
    assert result.stdout.str().count("lab guard: LAB001 ") == 1  # live, and not again at the phase's end


def test_a_finding_is_kept_when_the_run_dies_in_the_same_phase(project):
    """A driver that segfaults after the loop change (asyncpg under scenario 03) kills pytest before the phase
    ends: the finding is already on the terminal, and in the report file, which `lab run --guard` reads."""
    project.makeconftest(ENGINE_AT_IMPORT)
    project.makepyfile(test_it="""
import os, signal
from sqlalchemy import text

async def test_one(engine):
    async with engine.connect() as conn:
        await conn.scalar(text("select 1"))

async def test_two(engine):
    async with engine.connect() as conn:
        await conn.scalar(text("select 2"))
    os.kill(os.getpid(), signal.SIGKILL)  # as a crash: this phase never ends, no hook runs after it
""")
    result, findings = guarded(project, leaks=True)
    assert result.ret == -9
    assert rules(findings) == {"LAB001"}
    assert findings[0]["test"].endswith("::test_two")
    result.stdout.fnmatch_lines(["*lab guard: LAB001 *used from the function loop of `test_two`*"])


def test_a_finding_is_written_live_without_pytests_capture(project):
    project.makeconftest(ENGINE_AT_IMPORT)
    project.makepyfile(test_it=TWO_QUERIES)
    result, _ = guarded(project, "-p", "no:capture")
    result.assert_outcomes(passed=2, warnings=1)
    assert result.stdout.str().count("lab guard: LAB001 ") == 1


def test_a_finding_reported_inside_a_report_on_the_same_thread_does_not_deadlock(project):
    """What a GC finalizer does when it runs while the guard is writing its report: it reports too."""
    project.makepyfile(test_it="""
def test_nested(request):
    guard = request.config.pluginmanager.get_plugin("lab-guard")
    with guard._lock:  # where the garbage collector may interrupt the guard
        guard.report("LAB019", "an engine's connection finalised", key=("nested",))
""")
    result, findings = guarded(project, timeout=60)
    result.assert_outcomes(passed=1)
    assert rules(findings) == {"LAB019"}


def test_an_engine_made_and_disposed_in_each_tests_loop_is_quiet(project):
    project.makeconftest("""
        import os, pytest
        from sqlalchemy.ext.asyncio import create_async_engine

        @pytest.fixture
        async def engine():
            engine = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
            yield engine
            await engine.dispose()
    """)
    project.makepyfile(test_it=TWO_QUERIES)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


def test_guard_strict_makes_a_finding_the_tests_error(project):
    project.makeconftest(ENGINE_AT_IMPORT)
    project.makepyfile(test_it=TWO_QUERIES)
    result, _ = guarded(project, "--guard-strict")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_it.py::test_two*"])


SESSION_ENGINE = """
import os, pytest, pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine

@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine():
    engine = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
    yield engine
    await engine.dispose()
"""


def test_a_session_engine_used_from_function_loops_under_an_ignored_event_loop_fixture(project):
    project.makeconftest(SESSION_ENGINE + """
@pytest.fixture(scope="session")
def event_loop():
    import asyncio
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
""")
    project.makepyfile(test_it=TWO_QUERIES)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert rules(findings) == {"LAB010"}


def test_a_session_engine_used_from_the_session_loop_is_quiet(project):
    project.makeconftest(SESSION_ENGINE)
    project.makepyfile(test_it="import pytest\npytestmark = pytest.mark.asyncio(loop_scope='session')\n"
                       + TWO_QUERIES)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


SEMAPHORE_TESTS = """
import asyncio, pytest

@pytest.mark.parametrize("n", [1, 2])
async def test_contended(n):
    async def hold():
        async with SLOTS:
            await asyncio.sleep(0.01)
    await asyncio.gather(hold(), hold())
"""


def test_a_module_level_semaphore_bound_to_the_first_tests_loop(project):
    project.makepyfile(test_it="import asyncio\nSLOTS = asyncio.Semaphore(1)\n" + SEMAPHORE_TESTS)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1, failed=1)
    assert rules(findings) == {"LAB039"}
    assert "bound to the function loop of `test_contended[1]`" in findings[0]["message"]


def test_a_semaphore_made_in_each_tests_loop_is_quiet(project):
    project.makepyfile(test_it="import asyncio\n" + SEMAPHORE_TESTS.replace(
        "    async def hold", "    SLOTS = asyncio.Semaphore(1)\n    async def hold"))
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


@pytest.mark.subprocess
def test_an_aiohttp_session_never_closed(project):
    project.makepyfile(test_it="""
        import aiohttp

        async def test_leaks():
            session = aiohttp.ClientSession()
    """)
    result, findings = guarded(project, leaks=True)
    result.assert_outcomes(failed=1)  # aiohttp's own ResourceWarning, an error here
    assert rules(findings) == {"LAB016"}
    assert "made in test `test_leaks` (test_it.py:4)" in findings[0]["message"]


def test_an_aiohttp_session_closed_is_quiet(project):
    project.makepyfile(test_it="""
        import aiohttp

        async def test_closes():
            async with aiohttp.ClientSession():
                pass
    """)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


AIOHTTP_SESSION_FIXTURE = """
import aiohttp, pytest_asyncio

@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def http():
    async with aiohttp.ClientSession() as session:
        yield session
"""
ASKS_A_CLOSED_PORT = """
import aiohttp, pytest

async def test_asks(http):
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.get("http://127.0.0.1:9/")
"""


def test_an_aiohttp_session_of_the_session_loop_used_from_a_function_loop(project):
    project.makeconftest(AIOHTTP_SESSION_FIXTURE)
    project.makepyfile(test_it=ASKS_A_CLOSED_PORT)
    result, findings = guarded(project)
    result.assert_outcomes(failed=1)  # aiohttp: "Timeout context manager should be used inside a task"
    assert rules(findings) == {"LAB040"}
    assert "made by fixture `http` (session scope" in findings[0]["message"]


def test_an_aiohttp_session_used_from_its_own_loop_is_quiet(project):
    project.makeconftest(AIOHTTP_SESSION_FIXTURE)
    project.makepyfile(test_it="import pytest\npytestmark = pytest.mark.asyncio(loop_scope='session')\n"
                       + ASKS_A_CLOSED_PORT)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


APP = """
import pytest
from fastapi import Depends, FastAPI

def verify_auth():
    raise AssertionError("no token")

def also_named_verify_auth():
    pass

def make_app():
    app = FastAPI()

    @app.get("/", dependencies=[Depends(verify_auth)])
    def root():
        return {}

    return app
"""
USES_APP = """
def test_one(app, bypass):
    pass

def test_two(app):
    pass
"""


def test_an_override_left_on_a_session_app(project):
    project.makeconftest(APP + """
@pytest.fixture(scope="session")
def app():
    return make_app()

@pytest.fixture
def bypass(app):
    app.dependency_overrides[verify_auth] = lambda: None
""")
    project.makepyfile(test_it=USES_APP)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert rules(findings) == {"LAB012"}
    assert findings[0]["test"] == "test_it.py::test_one"


def test_an_override_removed_by_its_fixture_is_quiet(project):
    project.makeconftest(APP + """
@pytest.fixture(scope="session")
def app():
    return make_app()

@pytest.fixture
def bypass(app):
    app.dependency_overrides[verify_auth] = lambda: None
    yield
    app.dependency_overrides.pop(verify_auth)
""")
    project.makepyfile(test_it=USES_APP)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


def test_an_override_keyed_on_a_function_no_route_depends_on(project):
    project.makeconftest(APP + """
@pytest.fixture
def app():
    return make_app()

@pytest.fixture
def bypass(app):
    app.dependency_overrides[also_named_verify_auth] = lambda: None
    yield
    app.dependency_overrides.clear()
""")
    project.makepyfile(test_it=USES_APP)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert rules(findings) == {"LAB037"}
    assert "conftest.also_named_verify_auth" in findings[0]["message"]


LIFESPAN_APP = """
from contextlib import asynccontextmanager
import pytest
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient

@asynccontextmanager
async def lifespan(app):
    app.state.greeting = "hello"
    yield

@pytest.fixture
def app():
    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def root(request: Request):
        return {"greeting": request.app.state.greeting}

    return app
"""
READS_STATE = """
async def test_reads_state(client):
    assert (await client.get("/")).json() == {"greeting": "hello"}
"""


def test_an_apps_state_read_though_its_lifespan_never_ran(project):
    project.makeconftest(LIFESPAN_APP + """
@pytest.fixture
async def client(app):
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client
""")
    project.makepyfile(test_it=READS_STATE)
    result, findings = guarded(project)
    result.assert_outcomes(failed=1)  # AttributeError: 'State' object has no attribute 'greeting'
    assert rules(findings) == {"LAB005"}


def test_an_apps_state_read_after_its_lifespan_ran_is_quiet(project):
    project.makeconftest(LIFESPAN_APP + """
from asgi_lifespan import LifespanManager

@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as client:
            yield client
""")
    project.makepyfile(test_it=READS_STATE)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


NEVER_DISPOSED = """
import asyncio, gc, os, pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

@pytest.fixture
def schema():
    async def create():
        engine = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
        DISPOSE
    asyncio.run(create())
    yield
    gc.collect()

def test_it(schema):
    pass
"""


def test_an_engine_never_disposed(project):
    project.makepyfile(test_it=NEVER_DISPOSED.replace("DISPOSE", "pass"))
    result, findings = guarded(project, "-W", "ignore::ResourceWarning",
                               "-W", "ignore::pytest.PytestUnraisableExceptionWarning")
    result.assert_outcomes(passed=1)
    assert rules(findings) == {"LAB019"}


def test_an_engine_disposed_in_its_loop_is_quiet(project):
    project.makepyfile(test_it=NEVER_DISPOSED.replace("DISPOSE", "await engine.dispose()"))
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


def test_the_guard_is_opt_in(project):
    """Installed is not loaded: no entry point activates it."""
    project.makeconftest(ENGINE_AT_IMPORT)
    project.makepyfile(test_it=TWO_QUERIES)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "lab guard" not in result.stdout.str()


LAZY_ENGINE = """
import os, pytest
from sqlalchemy.ext.asyncio import create_async_engine

@pytest.fixture(scope=SCOPE)
def holder():
    return {}

@pytest.fixture
async def engine(holder):
    if "engine" not in holder:  # built on first use, as an app's own `Database` does
        holder["engine"] = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
    yield holder["engine"]
    if SCOPE == "function":
        await holder["engine"].dispose()
"""
DISPOSE_HOLDER = """
@pytest.fixture(scope="session", autouse=True)
def dispose(holder):
    yield
    import asyncio
    asyncio.run(holder["engine"].dispose())
"""


def test_an_engine_made_in_one_tests_loop_kept_for_the_next(project):
    project.makeconftest(LAZY_ENGINE.replace("SCOPE", '"session"') + DISPOSE_HOLDER)
    project.makepyfile(test_it=TWO_QUERIES)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert rules(findings) == {"LAB009"}


def test_an_engine_made_lazily_per_test_is_quiet(project):
    project.makeconftest(LAZY_ENGINE.replace("SCOPE", '"function"'))
    project.makepyfile(test_it=TWO_QUERIES)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


PORTAL = """
import os, pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

URL = "sqlite+aiosqlite:///" + os.path.abspath("db.sqlite")

@pytest.fixture
def portal():  # what TestClient runs the app in: a loop in another thread
    with start_blocking_portal() as portal:
        yield portal
"""


def test_a_fixtures_connection_used_from_another_threads_loop(project):
    project.makeconftest(PORTAL + """
@pytest.fixture
async def conn():
    engine = create_async_engine(URL)
    async with engine.connect() as conn:
        yield conn
    await engine.dispose()
""")
    project.makepyfile(test_it="""
        from sqlalchemy import text

        def test_route_on_the_portal(portal, conn):
            assert portal.call(conn.scalar, text("select 1")) == 1
    """)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert rules(findings) == {"LAB027"}


def test_a_connection_opened_on_the_portals_own_loop_is_quiet(project):
    project.makeconftest(PORTAL)
    project.makepyfile(test_it="""
        from conftest import URL, create_async_engine, text

        async def query():
            engine = create_async_engine(URL)
            async with engine.connect() as conn:
                value = await conn.scalar(text("select 1"))
            await engine.dispose()
            return value

        def test_route_on_the_portal(portal):
            assert portal.call(query) == 1
    """)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


def test_a_connection_opened_on_another_threads_loop_used_from_the_tests(project):
    project.makeconftest(PORTAL + """
async def connect(engine):
    async with engine.connect() as conn:
        await conn.scalar(text("select 1"))

@pytest.fixture
async def engine(portal):  # TestClient's lifespan makes the engine's first connection on its own loop
    engine = create_async_engine(URL)
    portal.call(connect, engine)
    yield engine
    await engine.dispose()
""")
    project.makepyfile(test_it=TWO_QUERIES.split("async def test_two")[0])
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert rules(findings) == {"LAB003"}


ANYIO_INI = """
[pytest]
addopts = -p no:asyncio
filterwarnings = error
"""
ANYIO_CONFTEST = """
import os, pytest, anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.fixture(scope="session")
def engine():  # creating one is synchronous, so a plain fixture will do
    engine = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
    yield engine
    anyio.run(engine.dispose)
"""
ANYIO_ENGINE_PER_TEST = """
@pytest.fixture
async def engine():
    engine = create_async_engine("sqlite+aiosqlite:///" + os.path.abspath("db.sqlite"))
    yield engine
    await engine.dispose()
"""


def test_an_engine_under_anyio_alone_outlives_each_tests_loop(pytester):
    pytester.makeini(ANYIO_INI)
    pytester.makeconftest(ANYIO_CONFTEST)
    pytester.makepyfile(test_it="import pytest\npytestmark = pytest.mark.anyio\n" + TWO_QUERIES)
    result, findings = guarded(pytester)
    result.assert_outcomes(passed=2)
    assert rules(findings) == {"LAB033"}


def test_an_engine_per_test_under_anyio_is_quiet(pytester):
    pytester.makeini(ANYIO_INI)
    pytester.makeconftest(ANYIO_CONFTEST.split("@pytest.fixture(scope=")[0] + ANYIO_ENGINE_PER_TEST)
    pytester.makepyfile(test_it="import pytest\npytestmark = pytest.mark.anyio\n" + TWO_QUERIES)
    result, findings = guarded(pytester)
    result.assert_outcomes(passed=2)
    assert findings == []


STATE_APP = """
from contextlib import asynccontextmanager
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient

@asynccontextmanager
async def lifespan(app):
    yield {"greeting": "hello"}

@pytest.fixture
def app():
    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def root(request: Request):
        return {"greeting": request.state.greeting}

    return app

@pytest.fixture
async def client(app):
    async with LifespanManager(app) as manager:
        async with AsyncClient(transport=ASGITransport(app=GIVEN), base_url="http://test") as client:
            yield client
"""


def test_lifespan_state_read_by_requests_that_do_not_carry_it(project):
    project.makeconftest(STATE_APP.replace("GIVEN", "app"))
    project.makepyfile(test_it=READS_STATE)
    result, findings = guarded(project)
    result.assert_outcomes(failed=1)  # AttributeError: 'State' object has no attribute 'greeting'
    assert rules(findings) == {"LAB047"}


def test_lifespan_state_read_through_the_managers_app_is_quiet(project):
    project.makeconftest(STATE_APP.replace("GIVEN", "manager.app"))
    project.makepyfile(test_it=READS_STATE)
    result, findings = guarded(project)
    result.assert_outcomes(passed=1)
    assert findings == []


HTTP_SERVER = """
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import httpx, pytest

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client's pool keeps the connection

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

@pytest.fixture(scope="session")
def url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
"""
ASKS_TWICE = """
async def test_one(upstream):
    assert (await upstream.get("/")).text == "ok"

async def test_two(upstream):
    assert (await upstream.get("/")).text == "ok"
"""


@pytest.mark.subprocess
def test_an_http_clients_pooled_connection_reused_on_the_next_tests_loop(project):
    project.makeconftest(HTTP_SERVER + """
@pytest.fixture(scope="session")
def upstream(url):
    return httpx.AsyncClient(base_url=url)
""")
    project.makepyfile(test_it=ASKS_TWICE)
    result, findings = guarded(project, leaks=True)
    result.assert_outcomes(passed=1, failed=1)  # RuntimeError: Event loop is closed
    assert rules(findings) == {"LAB030"}
    assert "of the httpx client made by fixture `upstream` (session scope" in findings[0]["message"]


def test_an_http_client_per_test_is_quiet(project):
    project.makeconftest(HTTP_SERVER + """
@pytest.fixture
async def upstream(url):
    async with httpx.AsyncClient(base_url=url) as client:
        yield client
""")
    project.makepyfile(test_it=ASKS_TWICE)
    result, findings = guarded(project)
    result.assert_outcomes(passed=2)
    assert findings == []


SEMAPHORE_SCENARIO = """
title = "t"
symptom = "s"
backends = ["sqlite"]
[broken]
default = { raises = "RuntimeError", match = "is bound to a different event loop" }
"""


def test_lab_run_guard_gives_each_record_its_findings(scenarios):
    """`lab run --guard` loads the plugin into each run; the record of each run carries what it found."""
    scenarios.add("01-semaphore", SEMAPHORE_SCENARIO,
                  broken="import asyncio, pytest\nSLOTS = asyncio.Semaphore(1)\n"
                         + SEMAPHORE_TESTS.replace("@pytest.mark.parametrize", "@pytest.mark.asyncio\n"
                                                   "@pytest.mark.parametrize"),
                  fixed=PASSING_TEST)
    guarded, plain = scenarios.run("--guard"), scenarios.run()
    assert [r["status"] for r in guarded.records] == [r["status"] for r in plain.records]
    found = {r["variant"]: [(g["rule"], g["scenario"]) for g in r["guard"]] for r in guarded.records}
    assert found == {"broken": [("LAB039", "39-module-level-semaphore-across-test-loops")], "fixed": []}
    assert all(r["guard"] == [] for r in plain.records)
