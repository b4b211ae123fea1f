"""Ctrl-C held back while the lab cleans up: a database dropped halfway is a database left on the server.

`with Held() as held:` runs its block with SIGINT noted instead of raised; afterwards `held.pressed` says
whether one came, and the caller stops as it would have. Inside another `Held` block, it is that block's
Ctrl-C: the outer caller decides. Only the main thread can set a signal handler; elsewhere the block runs
as it is.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class Held:
    def __init__(self) -> None:
        self.pressed = False
        self._previous: Any = None
        self._holding = False
        self._outer: Held | None = None

    def __enter__(self) -> Held:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._note)
            self._holding = True
            outer = getattr(self._previous, "__self__", None)
            self._outer = outer if isinstance(outer, Held) else None
        return self

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._holding:
            previous = self._previous if self._previous is not None else signal.default_int_handler
            signal.signal(signal.SIGINT, previous)
            self._holding = False

    def reraise(self) -> None:
        """Stop now, as Ctrl-C would have during the block; inside another, leave it to that one."""
        if self.pressed and self._outer is not None:
            self._outer.pressed = True
        elif self.pressed:
            raise KeyboardInterrupt
