"""The libraries' own hooks the guard listens on, and the two constructors it wraps where a library has none.

SQLAlchemy: pool events (`connect`, `checkout`, `close`, `close_detached`) and `before_cursor_execute`, on
the classes, so every engine is covered. SQLAlchemy has no hook for an engine being made, and aiohttp none for
a session: their `__init__` is wrapped, only to note where each was made. Every probe swallows its own
errors: the guard must never change what it observes.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, Protocol


class Sink(Protocol):
    def engine_made(self, engine: Any) -> None: ...
    def session_made(self, session: Any) -> None: ...
    def connected(self, driver: Any, record: Any) -> None: ...
    def closed(self, driver: Any) -> None: ...
    def used(self, driver: Any) -> None: ...


def _quiet(probe: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(probe)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            probe(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a probe that fails must not fail the user's code
            pass

    return run


def driver_of(dbapi_connection: Any) -> Any:
    """The driver's own connection (asyncpg's, aiosqlite's) behind SQLAlchemy's adapter."""
    return getattr(dbapi_connection, "driver_connection", None) or dbapi_connection


def install(sink: Sink) -> Callable[[], None]:
    """Listen and wrap; the function returned undoes all of it."""
    undo: list[Callable[[], None]] = []
    if "sqlalchemy" in sys.modules or _importable("sqlalchemy"):
        undo += _sqlalchemy(sink)
    if "aiohttp" in sys.modules or _importable("aiohttp"):
        undo += _aiohttp(sink)

    def uninstall() -> None:
        for step in reversed(undo):
            try:
                step()
            except Exception:  # noqa: BLE001
                pass

    return uninstall


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _sqlalchemy(sink: Sink) -> list[Callable[[], None]]:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    undo: list[Callable[[], None]] = []

    @_quiet
    def connect(dbapi_connection: Any, record: Any) -> None:
        sink.connected(driver_of(dbapi_connection), record)

    @_quiet
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        sink.used(driver_of(dbapi_connection))

    @_quiet
    def close(dbapi_connection: Any, record: Any) -> None:
        sink.closed(driver_of(dbapi_connection))

    @_quiet
    def close_detached(dbapi_connection: Any) -> None:
        sink.closed(driver_of(dbapi_connection))

    @_quiet
    def before_cursor_execute(conn: Any, *args: Any) -> None:
        fairy = conn._dbapi_connection  # read, never `conn.connection`, which would reconnect
        if fairy is not None:
            sink.used(driver_of(fairy.dbapi_connection))

    for target, name, listener in ((Pool, "connect", connect), (Pool, "checkout", checkout),
                                   (Pool, "close", close), (Pool, "close_detached", close_detached),
                                   (Engine, "before_cursor_execute", before_cursor_execute)):
        event.listen(target, name, listener)
        undo.append(functools.partial(event.remove, target, name, listener))
    try:
        from sqlalchemy.ext.asyncio import AsyncEngine
    except ImportError:  # SQLAlchemy without its asyncio extension (no greenlet)
        return undo
    undo.append(_after_init(AsyncEngine, sink.engine_made))
    return undo


def _aiohttp(sink: Sink) -> list[Callable[[], None]]:
    import aiohttp

    return [_after_init(aiohttp.ClientSession, sink.session_made)]


def _after_init(cls: type, seen: Callable[[Any], None]) -> Callable[[], None]:
    """Call `seen(instance)` after each `cls(...)`; returns the undo."""
    original = cls.__init__  # type: ignore[misc]
    quiet = _quiet(seen)

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        quiet(self)

    cls.__init__ = __init__  # type: ignore[misc]

    def undo() -> None:
        cls.__init__ = original  # type: ignore[misc]

    return undo
