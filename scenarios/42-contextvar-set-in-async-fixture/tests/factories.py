"""Test data factories, as a real project keeps them beside its tests.

They add rows through the test's database session, which they find in a ContextVar, so that a test writes
`await create_user("Ada")` without passing the session around (the way factory libraries bind a session).
The conftest sets the ContextVar.
"""

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared_app import Post, User
from shared_app.security import hash_password

current_session: ContextVar[AsyncSession] = ContextVar("current_session")


async def create_user(name: str) -> User:
    session = current_session.get()
    user = User(email=f"{name.lower()}@example.com", name=name, password_hash=hash_password("correct horse"))
    session.add(user)
    await session.flush()
    return user


async def create_post(author: User, title: str) -> Post:
    session = current_session.get()
    post = Post(author=author, title=title)
    session.add(post)
    await session.flush()
    return post
