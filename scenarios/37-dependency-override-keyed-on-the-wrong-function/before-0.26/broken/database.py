"""The project's own database helpers, from before its routes moved to `shared_app.db`.

Scripts still import them, so the module stayed, with a `get_db` of its own: the same name and the same job
as the one the app's routes depend on, but another function.
"""

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the app's database."""
    async with request.app.state.db.sessionmaker() as session:
        yield session
