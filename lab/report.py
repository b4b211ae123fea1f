"""Report records: one live line per run, a summary table, a JSON file, RESULTS.md."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from lab.classify import Record, Status
from lab.expectations import Expectation, installed_version
from lab.scenarios import BACKENDS, PATTERN, VARIANTS, Scenario

PACKAGES = (
    "pytest",
    "pytest-asyncio",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "httpx",
    "fastapi",
    "starlette",
    "aiohttp",
    "asgi-lifespan",
    "greenlet",
    "anyio",
    "pytest-xdist",
    "python",
)

# A stack dump's frames of pytest's and the lab's own machinery: the same in every dump, never the answer.
_RUNNER_FRAME = re.compile(
    r'^\s+File ".*/(_pytest/.*|pluggy/.*|lab/(cli|execute|runner)\.py|bin/lab)", line \d+ in '
)

# RESULTS.md's part written by `lab matrix`; `lab run --markdown` rewrites the rest and keeps it.
MATRIX_SECTION = re.compile(r"<!-- matrix -->\n.*?<!-- matrix-end -->\n", re.S)
RECIPES_SECTION = re.compile(r"<!-- recipes -->\n.*?<!-- /recipes -->\n?", re.S)
# Sections other commands write into RESULTS.md (`lab matrix`, `python -m lab.recipes`): a run keeps them
KEPT_SECTIONS = (MATRIX_SECTION, RECIPES_SECTION)

# Green: as expected; yellow: worth a look; dim: not applicable; red (the default): a failure.
_COLOURS = {
    Status.AS_EXPECTED: "32", Status.BROKEN_PASSED: "33", Status.TIMEOUT: "33", Status.NOT_APPLICABLE: "2",
}


def versions() -> dict[str, str | None]:
    return {package: installed_version(package) for package in PACKAGES}


def order(record: Record) -> tuple[str, str, int, int]:
    """Reports list runs by scenario, SQLite first, broken first: the same order whatever finished first."""
    return (
        record.scenario,
        record.stack,
        BACKENDS.index(record.backend) if record.backend in BACKENDS else -1,
        VARIANTS.index(record.variant) if record.variant in VARIANTS else -1,
    )


class Terminal:
    """Writes to a stream; colour only when it is a terminal."""

    def __init__(self, stream: TextIO | None = None, colour: bool | None = None, width: int = 34) -> None:
        self.stream = stream or sys.stdout  # looked up now, not at import: a test may have replaced it
        self.colour = self.stream.isatty() if colour is None else colour
        self.width = width  # of the scenario column: the longest name planned

    def paint(self, text: str, status: Status) -> str:
        if not self.colour:
            return text
        return f"\x1b[{_COLOURS.get(status, '31')}m{text}\x1b[0m"

    def line(self, text: str = "") -> None:
        try:
            print(text, file=self.stream, flush=True)
        except BrokenPipeError:  # `lab run | head`: the reader left; the runs and the exit status go on
            try:  # what is still buffered must not fail again when the interpreter exits
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            except (OSError, ValueError):
                self.stream = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    def live(self, record: Record) -> None:
        """One line per finished run, as it finishes."""
        status = self.paint(f"{record.status.value:<18}", record.status)
        shown = _excerpt(record, 90) or record.detail or ("passed" if record.expected_match else "")
        self.line(
            f"{status} {record.scenario:<{self.width}} {record.variant:<6} {record.backend:<8} "
            f"{record.seconds:6.2f}s  {shown}"
        )

    def tail(self, record: Record, lines: int = 60) -> None:
        """The end of a run's own output, indented: where a timeout hung, what a regression raised."""
        kept = [line for line in record.output.rstrip().splitlines() if not _RUNNER_FRAME.search(line)]
        for line in kept[-lines:]:
            self.line(f"    | {line}")

    def summary(self, records: Sequence[Record], wall: float) -> None:
        """A scenario × backend table of both variants' statuses, then the totals."""
        self.line()
        backends = sorted({r.backend for r in records}, key=lambda b: (b != "sqlite", b))
        columns = " ".join(f"{b + ' broken':<24}{b + ' fixed':<20}" for b in backends)
        header = f"{'scenario':<{self.width}} {columns}"
        self.line(header.rstrip())
        self.line("-" * len(header.rstrip()))
        by_key = {(r.scenario, r.variant, r.backend): r for r in records}
        for scenario in dict.fromkeys(r.scenario for r in records):
            cells = []
            for backend in backends:
                for variant, width in (("broken", 24), ("fixed", 20)):
                    record = by_key.get((scenario, variant, backend))
                    text = record.status.value if record else "-"
                    cell = f"{text:<{width}}"
                    cells.append(self.paint(cell, record.status) if record else cell)
            self.line(f"{scenario:<{self.width}} " + "".join(cells).rstrip())
        counts: dict[str, int] = {}
        for record in records:
            counts[record.status.value] = counts.get(record.status.value, 0) + 1
        totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.line()
        self.line(f"{len(records)} runs: {totals or 'none'}; {wall:.1f}s wall")


def _error(record: Record) -> str:
    if not record.error_type:
        return ""
    return f"{record.error_type}: {' '.join((record.error_message or '').split())}"


_PATH = re.compile(r"(?:/[\w.@+-]+)+/(site-packages|lib/python3\.\d+|lab-runs-\w+)/")


# An object's address in a repr: different in every run, so RESULTS.md would change for nothing.
_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")


def portable(text: str) -> str:
    """Drop what belongs to this machine and run (paths, object addresses) from text written to the repo."""
    text = _PATH.sub(lambda m: "" if m.group(1).startswith("lab-runs-") else "…/", text)
    return _ADDRESS.sub("0x…", text)


def _excerpt(record: Record, width: int, for_repo: bool = False) -> str:
    """`Type: message`, cut to `width` around the part the expectation matched, if it matched."""
    text = portable(_error(record)) if for_repo else _error(record)
    if len(text) <= width:
        return text
    found = re.search(record.pattern, text) if record.pattern else None
    if found is None or found.end() <= width - 1:  # what matched fits: cut the end
        return text[: width - 1] + "…"
    head = f"{record.error_type}: …"
    start = max(len(head), found.end() - (width - len(head)))
    return head + text[start : start + width - len(head)]


def write_json(path: Path, records: Iterable[Record]) -> None:
    path.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n")


def read_json(path: Path) -> list[Record]:
    """Records a `--json` file holds; a clear error naming the file when it holds something else."""
    try:
        data = json.loads(path.read_text())
        return [Record.from_json(item) for item in data]
    except OSError as error:
        raise ValueError(f"{path}: cannot read: {error.strerror}") from None
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{path}: not a file of lab records (`lab run --json`): {error}") from None


def write_markdown(path: Path, records: Sequence[Record]) -> None:
    """RESULTS.md: what one run observed, per scenario and backend, with the versions it used."""
    found = versions()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        "# Results",
        "",
        f"Generated by `lab run --markdown RESULTS.md` on {stamp}, from the run it describes. "
        "Do not edit by hand: run the lab again.",
        "",
        "| package | version |",
        "|---|---|",
        *(f"| {name} | {value or 'not installed'} |" for name, value in found.items()),
        "",
        "| scenario | backend | broken variant | observed error (broken) | fixed variant |",
        "|---|---|---|---|---|",
    ]
    by_key = {(r.scenario, r.variant, r.backend): r for r in records}
    for scenario, backend in dict.fromkeys((r.scenario, r.backend) for r in records):
        broken, fixed = by_key.get((scenario, "broken", backend)), by_key.get((scenario, "fixed", backend))
        error = _excerpt(broken, 160, for_repo=True).replace("|", "\\|") if broken else ""
        if broken and broken.hung:
            error = "(hangs, as expected: killed at its time limit)"
        elif broken and not error and broken.status is Status.AS_EXPECTED:
            error = "(passes here, as expected)"
        lines.append(
            f"| [{scenario}]({_readme(scenario)}) | {backend} | "
            f"{broken.status.value if broken else '-'} | {error or '-'} | "
            f"{fixed.status.value if fixed else '-'} |"
        )
    ok = sum(r.status is Status.AS_EXPECTED for r in records)
    lines += ["", f"{ok} of {len(records)} runs as expected.", ""]
    old = path.read_text() if path.is_file() else ""
    text = "\n".join(lines)
    for pattern in KEPT_SECTIONS:
        kept = pattern.search(old)
        if kept:
            text = put_section(text, kept.group(0), pattern)
    path.write_text(text)


def put_section(text: str, section: str, pattern: re.Pattern[str]) -> str:
    """`text` with the section `pattern` finds replaced by `section`, or with `section` appended."""
    if pattern.search(text):
        return pattern.sub(lambda _: section, text, count=1)
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + section


def write_section(path: Path, section: str, pattern: re.Pattern[str] = MATRIX_SECTION) -> None:
    """Put `section` into `path`, replacing the one `pattern` finds there, keeping everything else."""
    path.write_text(put_section(path.read_text() if path.is_file() else "", section, pattern))


def index_markdown(scenarios: Sequence[Scenario]) -> str:
    """The README's scenario index: one row per scenario, its symptom, and what the broken variant raises."""
    lines = ["| scenario | symptom | broken variant, by backend |", "|---|---|---|"]
    for scenario in (s for s in scenarios if not s.pattern):
        by_outcome: dict[str, list[str]] = {}
        for backend, options in scenario.expectations["broken"].items():
            by_outcome.setdefault(" or ".join(map(_expected, options)), []).append(backend)
        shows = "; ".join(f"{', '.join(backends)}: {outcome}" for outcome, backends in by_outcome.items())
        lines.append(
            f"| [{scenario.name}](scenarios/{scenario.name}/README.md) | "
            f"{_cell(scenario.symptom)} | {_cell(shows)} |"
        )
    return "\n".join(lines) + "\n"


def _readme(scenario: str) -> str:
    return f"{PATTERN}/README.md" if scenario == PATTERN else f"scenarios/{scenario}/README.md"


def _expected(option: Expectation) -> str:
    if option.tests:
        raised = dict.fromkeys(f"`{each.raises}`" for each in option.tests.values() if each.raises)
        shown = "per test: " + (", ".join(raised) or "passes")
    else:
        shown = option.crashes or ("hangs" if option.hangs else f"`{option.raises}`")
        shown = "passes" if option.passes else shown
    versions = ", ".join(f"{name} {spec}" for name, spec in option.versions.items())
    return f"{shown} ({versions})" if versions else shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
