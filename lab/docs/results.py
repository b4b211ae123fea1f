"""The committed RESULTS.md read back: what the catalogue's recorded run saw, per scenario and backend.

The site shows this, never `.lab/` files: those hold whatever ran last on this machine (one scenario, with
`--timeout 1`, say), while RESULTS.md is the reviewed record of a whole run of the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lab.core.report import MATRIX_SECTION

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LINK = re.compile(r"^\[([^\]]+)\]\(")


@dataclass(frozen=True)
class Row:
    """One row of the main table: a scenario on one backend, both variants."""

    scenario: str
    backend: str
    broken: str  # the broken variant's status
    error: str  # what it raised, as RESULTS.md words it
    fixed: str


@dataclass(frozen=True)
class Cell:
    """One cell of the matrix section: what a variant did on one stack set."""

    stack: str
    scenario: str
    backend: str
    variant: str
    outcome: str  # `passes`, `hangs`, an exception's short type; `!` when not as expected


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)

    def of(self, scenario: str) -> list[Row]:
        return [row for row in self.rows if row.scenario == scenario]

    def across(self, scenario: str) -> list[Cell]:
        return [cell for cell in self.cells if cell.scenario == scenario]


def read_results(path: Path) -> Results:
    """The tables of RESULTS.md; empty when the file is missing. Unknown tables are skipped."""
    if not path.is_file():
        return Results()
    text = path.read_text()
    found = re.search(MATRIX_SECTION, text)
    matrix = found.group(0) if found else ""
    main = text.replace(matrix, "") if matrix else text
    results = Results()
    for header, rows in _tables(main):
        if header[:2] == ["package", "version"]:
            results.versions = {row[0]: row[1] for row in rows if len(row) >= 2}
        elif header[:3] == ["scenario", "backend", "broken variant"]:
            results.rows += [Row(_name(r[0]), r[1], r[2], _unescape(r[3]), r[4]) for r in rows if len(r) >= 5]
    stacks: dict[str, str] = {}
    for header, rows in _tables(matrix):
        if header[:2] == ["#", "stack set"]:
            stacks = {row[0]: row[1] for row in rows if len(row) >= 2}
        elif header[:3] == ["scenario", "backend", "variant"]:
            for row in rows:
                for number, outcome in zip(header[3:], row[3:], strict=False):
                    results.cells.append(Cell(stacks.get(number, number), _name(row[0]), row[1], row[2],
                                              outcome))
    return results


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each Markdown table: its header's cells, and its rows' cells (the `|---|` line dropped)."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        starts = line.startswith("|") and (number == 0 or not lines[number - 1].startswith("|"))
        if not starts:
            continue
        block = []
        for each in lines[number:]:
            if not each.startswith("|"):
                break
            block.append(_cells(each))
        if len(block) >= 2:
            tables.append((block[0], block[2:]))
    return tables


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _CELL_SPLIT.split(line.strip().strip("|"))]


def _name(cell: str) -> str:
    found = _LINK.match(cell)
    return found.group(1) if found else cell


def _unescape(cell: str) -> str:
    return cell.replace("\\|", "|")
