"""Report records: one live line per run, a summary table, a JSON file, RESULTS.md."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from lab.core.classify import Record, Status
from lab.core.expectations import Expectation, installed_version
from lab.core.scenarios import BACKENDS, PATTERN, VARIANTS, Scenario

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
    r'^\s+File ".*/(_pytest/.*|pluggy/.*|lab/(cli|__main__|core/(command|execute|runner))\.py|bin/lab)", '
    r"line \d+ in "
)

# RESULTS.md's part written by `lab matrix`; `lab run --markdown` rewrites the rest and keeps it.
MATRIX_SECTION = re.compile(r"<!-- matrix -->\n.*?<!-- matrix-end -->\n", re.S)
RECIPES_SECTION = re.compile(r"<!-- recipes -->\n.*?<!-- /recipes -->\n?", re.S)
# Sections other commands write into RESULTS.md (`lab matrix`, `python -m lab.recipes`): a run keeps them
KEPT_SECTIONS = (MATRIX_SECTION, RECIPES_SECTION)

# What a line of the lab's own output fits in; a live line's scenario name is cut to leave room for its error
COLUMNS = 100
LIVE_NAME = 30
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

    def __init__(self, stream: TextIO | None = None, colour: bool | None = None, width: int = 34,
                 verbosity: int = 0) -> None:
        self.stream = stream or sys.stdout  # looked up now, not at import: a test may have replaced it
        self.tty = self.stream.isatty()
        self.colour = _colour(self.tty) if colour is None else colour
        self.width = width  # of the scenario column: the longest name planned
        self.verbosity = verbosity  # -1 with -q, 1 with -v
        self.total = 0  # runs planned: with it, a terminal shows a live `N/M` line
        self.done = 0
        self._progress = False  # the progress line is showing, to be erased before the next line

    def paint(self, text: str, status: Status) -> str:
        if not self.colour:
            return text
        return f"\x1b[{_COLOURS.get(status, '31')}m{text}\x1b[0m"

    def line(self, text: str = "") -> None:
        try:
            if self._progress:
                self.stream.write("\r\x1b[K")
                self._progress = False
            print(text, file=self.stream, flush=True)
        except BrokenPipeError:  # `lab run | head`: the reader left; the runs and the exit status go on
            try:  # what is still buffered must not fail again when the interpreter exits
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            except (OSError, ValueError):
                self.stream = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    def live(self, record: Record) -> bool:
        """One line per finished run, as it finishes: on a terminal only the failures (all with -v), under
        a live `N/M` line; elsewhere every run (failures only with -q). True when the line was printed."""
        self.done += 1
        shown_all = self.verbosity > 0 or (self.verbosity == 0 and not self.tty)
        printed = shown_all or not record.ok
        if printed:
            name = min(self.width, LIVE_NAME)
            head = (f"{record.status.value:<18} {_short(record.scenario, name):<{name}} {record.variant:<6} "
                    f"{record.backend:<8} {record.seconds:6.2f}s  ")
            room = max(20, COLUMNS - len(head))
            shown = _excerpt(record, room) or _short(_said(record), room)
            self.line(self.paint(head[:18], record.status) + head[18:] + shown)
        if self.tty and self.total and self.verbosity >= 0:
            self.stream.write(f"\r\x1b[K{self.done}/{self.total} runs finished")
            self.stream.flush()
            self._progress = True
        return printed

    def tail(self, record: Record, lines: int = 60) -> None:
        """The end of a run's own output, indented: where a timeout hung, what a regression raised."""
        kept = [line for line in record.output.rstrip().splitlines() if not _RUNNER_FRAME.search(line)]
        for line in kept[-lines:]:
            self.line(f"    | {line}")

    def summary(self, records: Sequence[Record], wall: float) -> None:
        """A scenario × backend table of both variants' statuses, then the totals."""
        self.line()
        problems = [r for r in records if r.backend not in BACKENDS]
        records = [r for r in records if r.backend in BACKENDS]
        backends = sorted({r.backend for r in records}, key=lambda b: (b != "sqlite", b))
        # As wide as the longest status shown, and the name column cut so that a row fits 100 columns
        widths = [len(f"{b} broken") + 1 for b in backends] + [len(r.status.value) + 2 for r in records]
        cell = max(widths, default=8)
        name = max(len("scenario"), min(self.width, max(20, COLUMNS - 1 - cell * 2 * len(backends))))
        columns = "".join(f"{b + ' broken':<{cell}}{b + ' fixed':<{cell}}" for b in backends)
        header = f"{'scenario':<{name}} {columns}"
        self.line(header.rstrip())
        self.line("-" * len(header.rstrip()))
        by_key = {(r.scenario, r.variant, r.backend): r for r in records}
        for scenario in dict.fromkeys(r.scenario for r in records):
            cells = []
            for backend in backends:
                for variant in VARIANTS:
                    record = by_key.get((scenario, variant, backend))
                    text = f"{record.status.value if record else '-':<{cell}}"
                    cells.append(self.paint(text, record.status) if record else text)
            self.line(f"{_short(scenario, name):<{name}} " + "".join(cells).rstrip())
        for problem in problems:  # a folder that could not load: what went wrong, not a row of `-`
            said = _short(" ".join(problem.detail.split()), max(30, COLUMNS - name - 8))
            error = self.paint("error: ", problem.status)
            self.line(f"{_short(problem.scenario, name):<{name}} {error}{said}")
        records = records + problems
        counts: dict[str, int] = {}
        for record in records:
            counts[record.status.value] = counts.get(record.status.value, 0) + 1
        totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.line()
        self.line(f"{plural(len(records), 'run')}: {totals or 'none'}; {wall:.1f}s wall")


def plural(count: int, word: str) -> str:
    """`1 run`, `2 runs`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _colour(tty: bool) -> bool:
    """Colour on a terminal; never with NO_COLOR set, always with FORCE_COLOR (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return tty


def _said(record: Record) -> str:
    if record.hung:  # its detail holds the whole pattern the dump matched: too long for a line
        return "hung where expected (killed at its limit)"
    return record.detail or ("passed" if record.expected_match else "")


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
    write_whole(path, json.dumps([r.to_json() for r in records], indent=2) + "\n")


def write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all: into a file beside it, then renamed over it, so that a
    reader (or a Ctrl-C) never meets half a file."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(name, path.stat().st_mode & 0o777 if path.exists() else 0o644)  # mkstemp's is 0600
        os.replace(name, path)
    except BaseException:
        os.unlink(name)
        raise


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
    write_whole(path, text)


def put_section(text: str, section: str, pattern: re.Pattern[str]) -> str:
    """`text` with the section `pattern` finds replaced by `section`, or with `section` appended."""
    if pattern.search(text):
        return pattern.sub(lambda _: section, text, count=1)
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + section


def write_section(path: Path, section: str, pattern: re.Pattern[str] = MATRIX_SECTION) -> None:
    """Put `section` into `path`, replacing the one `pattern` finds there, keeping everything else."""
    write_whole(path, put_section(path.read_text() if path.is_file() else "", section, pattern))


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
