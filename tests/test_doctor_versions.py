"""Versions the new rules depend on: the interpreter is judged like a package (LAB054 fails from Python
3.12, against the Python the project runs with `--installed`), and a pin is named once per finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.doctor import check
from lab.doctor.api import verdict
from lab.doctor.pins import Pins
from lab.rules import rule_for

CONFTEST = "import uvloop\n\nuvloop.install()\n"
INI = "[pytest]\nfilterwarnings = error\n"


def test_the_python_range_is_judged_like_a_packages() -> None:
    rule = rule_for("LAB054")
    assert verdict(rule, {"python": "3.12.1"}) == (
        "pinned", "fails with python >=3.12; this project pins python 3.12.1")
    assert verdict(rule, {"python": "3.11.7"}) == (
        "upgrade", "fails with python >=3.12; this project pins python 3.11.7")
    assert verdict(rule, {"python": None}) == (
        "possible", "fails with python >=3.12; this project's python version is unknown")


@pytest.mark.parametrize(("python", "severity", "fails"), [("3.13.0", "error", "pinned"),
                                                           ("3.11.7", "warning", "upgrade")])
def test_uvloop_install_fails_on_the_pinned_python_or_after_an_upgrade(
        tmp_path: Path, python: str, severity: str, fails: str) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "pytest.ini").write_text(INI)
    (finding,) = check([tmp_path], root=tmp_path, pins=Pins({"python": python})).findings
    assert (finding.rule, finding.line, finding.severity, finding.fails) == ("LAB054", 3, severity, fails)
    assert "python >=3.12" in finding.versions


def test_a_pin_is_named_once_where_the_mode_fails_on_both_backends() -> None:
    rule = rule_for("LAB055")  # fails from pytest-asyncio 1.1, on SQLite and PostgreSQL alike
    assert verdict(rule, {"pytest-asyncio": "1.1.1"}) == (
        "pinned", "fails with pytest-asyncio >=1.1; this project pins pytest-asyncio 1.1.1")
    assert verdict(rule, {"pytest-asyncio": "1.0.0"})[0] == "upgrade"  # type: ignore[index]
