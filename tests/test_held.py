"""Ctrl-C held back while the lab cleans up, then acted on: once, by the outermost holder."""

from __future__ import annotations

import os
import signal
import time

import pytest

from lab.core.interrupts import Held
from lab.core.report import write_whole


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # the handler runs between bytecodes of the main thread


def test_ctrl_c_inside_is_noted_then_raised():
    with Held() as held:
        ctrl_c()
        finished = True  # the block is not cut short
    assert finished and held.pressed
    with pytest.raises(KeyboardInterrupt):
        held.reraise()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_inside_another_the_outer_one_decides():
    with Held() as outer:
        with Held() as inner:
            ctrl_c()
        inner.reraise()  # does not raise: the cleanup around it goes on
    assert outer.pressed
    with pytest.raises(KeyboardInterrupt):
        outer.reraise()


def test_a_file_is_written_whole_with_the_usual_mode(tmp_path):
    path = tmp_path / "records.json"
    write_whole(path, "[]\n")
    assert path.read_text() == "[]\n" and path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["records.json"]  # no temporary file beside it
