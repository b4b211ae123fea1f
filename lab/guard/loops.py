"""Where each library keeps the loop an object belongs to: private attributes, read only where present.

- asyncio Lock/Semaphore/Event/Condition/Queue: `_loop` (`asyncio.mixins._LoopBoundMixin`), None until bound
- aiohttp ClientSession: `_loop`
- asyncpg Connection: `_loop`
- httpcore's pooled connection: `_connection._network_stream._stream`, anyio's stream, its transport's `_loop`
"""

from __future__ import annotations

import asyncio
from typing import Any

# (what to call it, the rule when it is used from another loop than its own)
ASYNCIO_PRIMITIVE = ("asyncio primitive", "LAB039")
AIOHTTP_SESSION = ("aiohttp ClientSession", "LAB040")
HTTP_POOL_CONNECTION = ("pooled HTTP connection", "LAB030")


def kind(obj: Any) -> tuple[str, str] | None:
    """What sort of loop-bound resource `obj` is, if the guard knows it."""
    module = type(obj).__module__
    if module.startswith("asyncio.") and _is_loop_bound(obj):
        return ASYNCIO_PRIMITIVE
    if module == "aiohttp.client" and type(obj).__name__ == "ClientSession":
        return AIOHTTP_SESSION
    if module == "httpcore" or module.startswith("httpcore."):  # its classes say `httpcore`
        return HTTP_POOL_CONNECTION
    return None


def loop_of(obj: Any) -> asyncio.AbstractEventLoop | None:
    """The loop `obj` is bound to, or None (unbound, or a version that keeps it elsewhere)."""
    loop = getattr(obj, "_loop", None)
    if isinstance(loop, asyncio.AbstractEventLoop):
        return loop
    # httpcore: a pool connection wraps an HTTP/1.1 or HTTP/2 connection, which holds the network stream
    stream = getattr(obj, "_connection", None) or obj
    stream = getattr(stream, "_network_stream", None) or stream
    for attribute in ("_stream", "transport_stream"):  # anyio's stream, or the stream under its TLS
        while getattr(stream, "_transport", None) is None and hasattr(stream, attribute):
            stream = getattr(stream, attribute)
    loop = getattr(getattr(stream, "_transport", None), "_loop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def _is_loop_bound(obj: Any) -> bool:
    try:
        from asyncio.mixins import _LoopBoundMixin  # Python 3.10+
    except ImportError:
        return False
    return isinstance(obj, _LoopBoundMixin)
