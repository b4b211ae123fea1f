#: pytest.ini: [pytest]
#: pytest.ini: asyncio_mode = auto
#: pytest.ini: asyncio_default_fixture_loop_scope = function
#: tests/test_a.py: async def test_a(): pass
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.applications import Starlette


async def load():
    pass


fake = Starlette(routes=[], on_startup=[load])  # error: LAB051
uncertain = FastAPI(on_startup=[load])  # possible: LAB051


# defused: a lifespan
@asynccontextmanager
async def lifespan(app):
    await load()
    yield


fine = Starlette(routes=[], lifespan=lifespan)
