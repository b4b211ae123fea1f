"""Each rule's positive and negative snippets, in the style of ruff's and flake8-async's rule tests.

`tests/doctor_cases/LABnnn*.py` is a conftest: a line ending in `# error: LABnnn` must be flagged with that
rule (`# possible: LABnnn`: flagged as possible), every other line must be quiet, the defused look-alikes
included. `#: FILE: LINE` comments at its top write the other files of the tiny project (pytest.ini, tests);
an annotation on such a line is about that line of that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.doctor import check
from lab.doctor.pins import Pins

CASES = sorted((Path(__file__).parent / "doctor_cases").glob("LAB*.py"))
_EXPECT = re.compile(r"#\s*(error|possible):\s*(LAB\d{3}(?:\s*,\s*LAB\d{3})*)")


def project(case: Path, into: Path) -> Path:
    text = case.read_text()
    extra: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#: "):
            name, _, content = line[3:].partition(": ")
            extra.setdefault(name, []).append(content)
    (into / "conftest.py").write_text(text)
    for name, lines in extra.items():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        (into / name).write_text("\n".join(lines) + "\n")
    return into


def expected(case: Path) -> set[tuple[str, str, int, str]]:
    """(rule, file, line, kind) for every annotation: in the case itself (conftest.py) or in a file its
    `#: FILE: LINE` comments write."""
    found = set()
    written: dict[str, int] = {}
    for number, line in enumerate(case.read_text().splitlines(), 1):
        where, at = "conftest.py", number
        if line.startswith("#: "):
            where = line[3:].partition(": ")[0]
            written[where] = at = written.get(where, 0) + 1
        for kind, codes in _EXPECT.findall(line):
            found |= {(code.strip(), where, at, kind) for code in codes.split(",")}
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_exactly_the_annotated_lines_are_flagged(case: Path, tmp_path: Path) -> None:
    report = check([project(case, tmp_path)], pins=Pins())
    got = {(f.rule, f.path, f.line, "possible" if f.severity == "possible" else "error")
           for f in report.findings}
    assert got == expected(case)


def test_every_case_names_a_rule_the_doctor_has() -> None:
    from lab.doctor.rules import CHECKS

    for case in CASES:
        assert case.stem[:6] in CHECKS, case.name


# An ini line cannot carry the annotation: configparser reads an inline comment as part of the value.
NO_CASE = {"LAB023": "its finding is on pytest.ini's filterwarnings line; scenario 23's pair tests it"}


def test_every_rule_has_a_case() -> None:
    from lab.doctor.rules import CHECKS

    have = {code for case in CASES for code, *_ in expected(case)}
    assert sorted(set(CHECKS) - have - set(NO_CASE)) == []
