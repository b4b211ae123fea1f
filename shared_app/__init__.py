"""A small, realistic FastAPI + async SQLAlchemy app: the system under test of every scenario.

It knows nothing about the lab. Its shape is the one tutorials and real services share: an app factory,
settings from the environment, a lazily built engine, a lifespan that opens an aiohttp session and creates
the schema, and dependencies (`get_db`, `verify_auth`) that tests override.
"""

from shared_app.app import create_app
from shared_app.db import Database, get_db
from shared_app.models import Base, Post, User
from shared_app.security import verify_auth
from shared_app.settings import Settings

__all__ = ["Base", "Database", "Post", "Settings", "User", "create_app", "get_db", "verify_auth"]
