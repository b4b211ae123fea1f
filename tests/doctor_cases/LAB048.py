#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = session
#: pytest.ini: asyncio_default_test_loop_scope = session
#: tests/test_a.py: def test_tables(table_names): pass
import asyncio

import pytest_asyncio


def pytest_asyncio_loop_factories(config, item):  # error: LAB048
    return {"selector": asyncio.SelectorEventLoop}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def table_names():
    return ["users"]
