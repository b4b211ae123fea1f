"""The app factory and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import aiohttp
from fastapi import FastAPI

from shared_app.db import Database
from shared_app.routes import router
from shared_app.settings import Settings


class LifespanState(TypedDict):
    """What the lifespan yields: the server passes it on in each request's scope, as `request.state`."""

    http: aiohttp.ClientSession


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[LifespanState]:
    """Open what lives as long as the app: the upstream HTTP session, and the schema on first start.

    The session is on `app.state` (older routes read it there) and in the lifespan state, Starlette's
    per-request home for it (newer routes read `request.state.http`).
    """
    settings: Settings = app.state.settings
    if settings.create_schema:
        await app.state.db.create_schema()
    app.state.http = aiohttp.ClientSession(
        base_url=settings.upstream_url, timeout=aiohttp.ClientTimeout(total=5)
    )
    try:
        yield {"http": app.state.http}
    finally:
        await app.state.http.close()
        await app.state.db.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="shared_app", lifespan=lifespan)
    app.state.settings = settings
    app.state.db = Database(settings.database_url)
    app.include_router(router)
    return app
