"""`lab explain`: which scenarios a pasted error and traceback look like, best first.

The message alone cannot tell the scenarios apart ("attached to a different loop" is half the catalogue's);
the frames can: TestClient's portal thread, a session fixture's frame, asyncpg's protocol, the test that
failed first. So a paste becomes a set of features (each frame as module and function, each exception type,
the words of its messages, the tests that failed), weighed by how rare each is across the catalogue, and
compared with each scenario's *recorded* traceback: what its broken variant printed in a real run, kept in
`recorded/broken-BACKEND.txt` beside its manifest by `lab explain --record`. A scenario with no recording
is compared by its expectations only (the exception type and message pattern it is recorded to raise).
Nothing here reads a scenario's name.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lab.core.classify import same_type
from lab.core.report import Terminal
from lab.core.scenarios import BACKENDS, Catalogue, Scenario

_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)  # the CLI's own subclass, with its error messages

RECORDED = "recorded"  # the folder, beside scenario.toml, of each variant's recorded traceback per backend
BONUS = 0.25  # an exception the scenario's expectations name, with a message their pattern matches

_PATH = re.compile(r"""(?:[A-Za-z]:)?(?:[\w.~+-]*[/\\])+[\w.+-]+\.pyx?\b""")
_PYTEST_FRAME = re.compile(r"^(\S+\.pyx?):\d+: in (\S+)\s*$", re.M)
_PYTHON_FRAME = re.compile(r"""^\s*File "([^"]+\.py)", line \d+,? in (\S+)\s*$""", re.M)
_TASK_FRAME = re.compile(r"^\s*(\S+\.py):\d+ in (\S+)\s*$", re.M)  # the lab's await chains of a dump
_ERROR = re.compile(r"^(?:E\s+|\S+\.pyx?:\d+: )?((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Warning|"
                    r"Group|Greenlet|Interrupt|Timeout|Cancelled|Closed|Failure|Mismatch)\w*)(?::\s*(.*))?$",
                    re.M)
_E_LINE = re.compile(r"^E\s+(.*)$", re.M)
_SUMMARY = re.compile(r"^(?:FAILED|ERROR) (\S+?\.py)::(\w+)\S*(?: - (.*))?$", re.M)
_THREAD = re.compile(r"^(Thread 0x[0-9a-f]+|Current thread 0x[0-9a-f]+)", re.M)
_WORD = re.compile(r"[a-z_][a-z0-9_]{2,}")
_NOISE = re.compile(r"0x[0-9a-fA-F]+|\b\d+\b|'[^']*'|\"[^\"]*\"")
# How much each kind of feature counts beside its rarity: a frame or a type says more than a word
_WEIGHT = {"f": 1.0, "m": 0.5, "x": 1.0, "w": 0.4, "t": 0.6, "first": 1.0}


def short_path(path: str) -> str:
    """A path as it reads on every machine: inside site-packages or the stdlib, or relative to the run."""
    path = path.replace("\\", "/")
    if not re.match(r"(?:[A-Za-z]:)?/|\.\./|~", path):
        return path  # relative to the run's folder already, as pytest prints its own files
    for marker in ("site-packages/", "dist-packages/"):
        if marker in path:
            return path.rsplit(marker, 1)[1]
    stdlib = re.search(r"/lib/python\d+\.\d+/(.+)$", path)
    if stdlib:
        return stdlib.group(1)
    for root in ("shared_app/", "tests/"):
        if f"/{root}" in path or path.startswith(root):
            return root + path.rsplit(root, 1)[1]
    return path.rsplit("/", 1)[-1]


def normalize(output: str) -> str:
    """The output with every file path shortened, so that no machine's folders are in it or count, and
    pytest's `INTERNALERROR>` prefix dropped: a traceback reads the same with it or without."""
    output = re.sub(r"^INTERNALERROR> ?", "", output, flags=re.M)
    return _PATH.sub(lambda found: short_path(found.group(0)), output)


def traceback_lines(output: str) -> str:
    """The lines `features` reads (frames, errors, the short summary, the threads of a dump), in order:
    what `--record` keeps of a run's output. Source lines and pytest's header are left out."""
    normalized = normalize(output)
    keep = (_PYTEST_FRAME, _PYTHON_FRAME, _TASK_FRAME, _ERROR, _E_LINE, _SUMMARY, _THREAD)
    wanted = set()
    for pattern in keep:
        for found in pattern.finditer(normalized):
            wanted.add(normalized.count("\n", 0, found.start()))
    lines = normalized.splitlines()
    return "\n".join(lines[i] for i in sorted(wanted) if i < len(lines)) + "\n"


def _module(path: str) -> str:
    return re.sub(r"\.pyx?$", "", short_path(path))


def features(text: str) -> set[str]:
    """What a traceback says, as features: `f:` a frame (module:function), `m:` a module, `x:` an
    exception type, `w:` a word of an error message, `t:` a test that failed, `first:` the first one."""
    text = normalize(text)
    found: set[str] = set()
    for pattern in (_PYTEST_FRAME, _PYTHON_FRAME, _TASK_FRAME):
        for path, function in pattern.findall(text):
            module = _module(path)
            found |= {f"f:{module}:{function}", f"m:{module}"}
    raised = errors(text)
    found |= {"x:" + exc_type.rsplit(".", 1)[-1] for exc_type, _ in raised}
    for message in [message for _, message in raised] + _E_LINE.findall(text):
        found |= {"w:" + word for word in _WORD.findall(_NOISE.sub(" ", message.lower()))}
    failed = _SUMMARY.findall(text)
    found |= {f"t:{test}" for _, test, _ in failed}
    if failed:
        found.add(f"first:{failed[0][1]}")
    return found


def errors(text: str) -> list[tuple[str, str]]:
    """Each exception a traceback names, with its message: what a scenario's expectations are matched on.
    The short summary's too (`FAILED tests/x.py::test_y - Type: message`)."""
    text = normalize(text)
    summarized = "\n".join(rest for _, _, rest in _SUMMARY.findall(text) if rest)
    return _ERROR.findall(text) + _ERROR.findall(summarized)


@dataclass(frozen=True)
class Match:
    """A scenario and how well a paste matches it: its score, and what of it matched."""

    scenario: Scenario
    score: float
    shared: tuple[str, ...] = ()  # the rarest features paste and recording share, for the reader
    expected: bool = False  # the paste raises what the scenario's expectations name


def recordings(scenario: Scenario, variant: str = "broken") -> dict[str, str]:
    """The scenario's recorded tracebacks of `variant`, by backend; empty when none was recorded."""
    folder = scenario.path / RECORDED
    found = {}
    for backend in BACKENDS:
        path = folder / f"{variant}-{backend}.txt"
        if path.is_file():
            found[backend] = path.read_text()
    return found


class Index:
    """Every scenario's recorded features, and how rare each feature is across them."""

    def __init__(self, scenarios: Iterable[Scenario]) -> None:
        self.scenarios = [s for s in scenarios if not s.pattern]
        self.documents: list[tuple[Scenario, set[str]]] = [
            (scenario, features(text))
            for scenario in self.scenarios
            for text in recordings(scenario).values()
        ]
        # in how many scenarios (not recordings) a feature appears: two backends of one scenario agree
        per_scenario: dict[str, set[str]] = {}
        for scenario, document in self.documents:
            for feature in document:
                per_scenario.setdefault(feature, set()).add(scenario.name)
        total = max(1, len(self.scenarios))
        self.rarity = {f: math.log(1 + total / len(names)) for f, names in per_scenario.items()}
        self.unseen = math.log(1 + total)  # a feature no recording has

    def weight(self, feature: str) -> float:
        kind = feature.split(":", 1)[0]
        return _WEIGHT.get(kind, 0.5) * self.rarity.get(feature, self.unseen)

    def _norm(self, document: set[str]) -> float:
        return math.sqrt(sum(self.weight(f) ** 2 for f in document)) or 1.0

    def rank(self, pasted: str) -> list[Match]:
        """Every scenario, the likeliest first: the cosine of the weighed features of the paste and of
        the closest of the scenario's recordings, plus `BONUS` where its expectations match the error."""
        query = features(pasted)
        raised = errors(pasted)
        norm = self._norm(query)
        best: dict[str, tuple[float, tuple[str, ...]]] = {}
        for scenario, document in self.documents:
            shared = query & document
            score = sum(self.weight(f) ** 2 for f in shared) / (norm * self._norm(document))
            if score > best.get(scenario.name, (-1.0, ()))[0]:
                best[scenario.name] = (score, tuple(sorted(shared, key=lambda f: (-self.weight(f), f))[:5]))
        matches = []
        for scenario in self.scenarios:
            score, shared_most = best.get(scenario.name, (0.0, ()))
            expected = _expected(scenario, raised, pasted)
            matches.append(Match(scenario, score + (BONUS if expected else 0.0), shared_most, expected))
        return sorted(matches, key=lambda m: -m.score)


def _expected(scenario: Scenario, raised: Sequence[tuple[str, str]], pasted: str) -> bool:
    """The paste raises an exception the broken variant is expected to raise, with a matching message
    (or shows the hang it is expected to hang in)."""
    for options in scenario.expectations.get("broken", {}).values():
        for option in [each for o in options for each in (o.tests.values() if o.tests else [o])]:
            if option.hangs and re.search(option.match, pasted):
                return True
            if option.raises and any(
                same_type(exc_type, option.raises) and re.search(option.match, message)
                for exc_type, message in raised
            ):
                return True
    return False


def record(catalogue: Catalogue, names: Sequence[str], terminal: Terminal, *, workers: int = 1,
           timeout: float | None = None) -> int:
    """Run the broken variants and keep each one's traceback lines in its scenario's `recorded/`."""
    from lab.core.plan import plan
    from lab.core.runner import run_all

    runs = plan(catalogue.scenarios, names, BACKENDS, ["broken"])
    by_name = {s.name: s for s in catalogue.scenarios}
    written = 0

    def keep(result: object) -> None:
        nonlocal written
        from lab.core.classify import Record, Status

        assert isinstance(result, Record)
        if result.status is not Status.AS_EXPECTED or not (result.error_type or result.hung):
            # a run not as expected, or the bug hiding on this backend (it passes, as recorded)
            terminal.line(f"{result.scenario} {result.backend}: {result.status}, no failure recorded")
            return
        kept = traceback_lines(result.output)
        folder = by_name[result.scenario].path / RECORDED
        folder.mkdir(exist_ok=True)
        (folder / f"broken-{result.backend}.txt").write_text(kept)
        written += 1
        terminal.line(f"{result.scenario} {result.backend}: recorded")

    run_all(runs, keep, workers=workers, timeout=timeout)
    terminal.line(f"{written} tracebacks recorded")
    return 0 if written else 1


def explain(catalogue: Catalogue, pasted: str, terminal: Terminal, *, top: int = 5) -> int:
    """Print the scenarios the paste most looks like; 1 when nothing in it matches any."""
    ranked = [m for m in Index(catalogue.scenarios).rank(pasted) if m.score > 0][:top]
    if not ranked:
        terminal.line("no scenario's recorded failure looks like this (paste the traceback too)")
        return 1
    for place, match in enumerate(ranked, 1):
        why = ", ".join(map(_said, match.shared[:3]))
        if match.expected:
            why = "raises what it is expected to" + (f"; {why}" if why else "")
        terminal.line(f"{place}. {match.score:4.2f}  {match.scenario.name}: {match.scenario.title}")
        terminal.line(f"         {why}")
    return 0


def _said(feature: str) -> str:
    """A feature as a reader names it: `frame conftest in client`, `RuntimeError`, `"loop"`."""
    kind, _, value = feature.partition(":")
    if kind == "f":
        return "frame " + value.replace(":", " in ", 1)
    return {"m": f"module {value}", "x": value, "w": f'"{value}"', "t": f"test {value}",
            "first": f"first failing test {value}"}.get(kind, feature)


def explain_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """`lab explain [FILE]` (stdin without one, or `-`); `lab explain --record [NAME ...]`."""
    from lab.core.command import UsageError, catalogue

    found = catalogue(options)
    if options.record is not None:
        return record(found, options.record, terminal, workers=options.workers)
    if options.file in (None, "-"):
        pasted = sys.stdin.read()
    else:
        try:
            pasted = Path(options.file).read_text(errors="replace")
        except OSError as error:
            raise UsageError(f"{options.file}: cannot read: {error.strerror}") from None
    return explain(found, pasted, terminal, top=options.top)


def add_parser(sub: argparse._SubParsersAction[_Parser], parents: Sequence[_Parser]) -> None:
    """`lab explain`'s options, kept here so that the CLI only names the command."""
    parser = sub.add_parser("explain", parents=list(parents),
                            help="which scenarios a pasted error and traceback look like, best first")
    parser.add_argument("file", nargs="?", help="the pasted output (default: stdin)")
    parser.add_argument("--top", type=int, default=5, help="how many scenarios to show (default: 5)")
    parser.add_argument("--record", nargs="*", metavar="NAME", default=None,
                        help="instead: run the broken variants (all, or these) and record their tracebacks")
    parser.add_argument("-j", "--workers", type=int, default=1, help="with --record: parallel runs")


def frames_of(texts: Mapping[str, str]) -> Counter[str]:
    """The frames of some recordings, counted: what the site lists on a scenario's page."""
    return Counter(f for text in texts.values() for f in features(text) if f.startswith("f:"))
