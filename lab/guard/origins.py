"""Where a resource was made: the line of the user's code, the fixture or test then running, the loop.

Origins and loop names are kept in weak maps, so that remembering a resource never keeps it alive.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import sysconfig
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

# Frames in these folders are the libraries' and Python's own; the first other frame is the user's line.
_LIBRARY_DIRS = tuple(
    str(Path(p).resolve()) + os.sep
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
) + (str(Path(__file__).resolve().parent) + os.sep,)


@dataclass
class Context:
    """What is running now, as the plugin's hooks see it."""

    fixtures: list[tuple[str, str]] = field(default_factory=list)  # (name, scope), innermost last
    test: str = ""  # the running test's name
    nodeid: str = ""
    phase: str = ""  # setup, call, teardown; "" between tests (collection, import)


@dataclass(frozen=True)
class Origin:
    what: str  # "AsyncEngine", "asyncpg connection", ...
    where: str  # conftest.py:19
    fixture: str  # the fixture being set up, "" if none
    scope: str  # that fixture's scope
    test: str  # the test being run, "" if none
    loop: weakref.ref[asyncio.AbstractEventLoop] | None
    loop_name: str
    thread: str

    def made(self) -> str:
        """`made by fixture `engine` (session scope, conftest.py:44)`, or at import."""
        if self.fixture:
            by = f"by fixture `{self.fixture}` ({self.scope} scope, {self.where})"
        elif self.test:
            by = f"in test `{self.test}` ({self.where})"
        else:
            by = f"at import ({self.where}), outside any fixture or test"
        return f"made {by}"


def user_line() -> str:
    """`file:line` of the innermost frame that is neither a library's, Python's, nor the guard's."""
    frame = sys._getframe(1)
    while frame is not None:
        shown = _shown(frame.f_code.co_filename)
        if shown:
            return f"{shown}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


@functools.lru_cache(maxsize=512)
def _shown(name: str) -> str:
    """The user's file as shown (relative where under the current folder); "" for a library's."""
    if name.startswith("<") or name.startswith(_LIBRARY_DIRS):
        return ""
    try:
        shown = os.path.relpath(name)
    except ValueError:  # another drive
        return name
    return name if shown.startswith("..") else shown


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Loops:
    """A name for each event loop seen: `the function loop of test_x`, `the session loop`, ..."""

    def __init__(self) -> None:
        self._names: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, str] = weakref.WeakKeyDictionary()
        self._runners: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    def name(self, loop: asyncio.AbstractEventLoop, given: str, runner: bool = False) -> None:
        self._names[loop] = given
        if runner:
            self._runners.add(loop)

    def is_runners(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether pytest-asyncio's runner fixtures made this loop."""
        return loop in self._runners

    def of(self, loop: asyncio.AbstractEventLoop | None, context: Context) -> str:
        """The loop's name; a loop the test runner did not make is named by where it was first seen."""
        if loop is None:
            return "no running loop"
        try:
            return self._names[loop]
        except KeyError:
            pass
        thread = threading.current_thread()
        if thread is not threading.main_thread():
            given = f"a loop in thread {thread.name!r}"
        elif context.fixtures:
            given = f"a loop run inside fixture `{context.fixtures[-1][0]}` (asyncio.run or the like)"
        elif context.test:
            given = f"a loop run inside test `{context.test}`"
        else:
            given = "a loop started at import"
        self._names[loop] = given
        return given


def origin(
    what: str, context: Context, loops: Loops, loop: asyncio.AbstractEventLoop | None = None
) -> Origin:
    """The origin of a resource made now (on `loop`, default the running one)."""
    loop = loop or running_loop()
    fixture, scope = context.fixtures[-1] if context.fixtures else ("", "")
    return Origin(what, user_line(), fixture, scope, context.test, weakref.ref(loop) if loop else None,
                  loops.of(loop, context), threading.current_thread().name)
