#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: def test_tables(table_names): pass
import asyncio
import sys

import pytest_asyncio

# defused: no hook where the tests run (it is defined on Windows only)
if sys.platform == "win32":

    def pytest_asyncio_loop_factories(config, item):
        return {"selector": asyncio.SelectorEventLoop}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def table_names():
    return ["users"]
