"""The database handle: an engine and sessionmaker built lazily from a URL, and the `get_db` dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared_app.models import Base


class Database:
    """Owns one engine. Nothing connects until first use, so building a `Database` is free."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_async_engine(self.url)
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            self._sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        return self._sessionmaker

    async def create_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            return bool(await conn.scalar(text("SELECT 1")) == 1)

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the app's own database. Tests override this dependency."""
    async with request.app.state.db.sessionmaker() as session:
        yield session
