"""Discover scenarios: one folder each, with `scenario.toml`, `tests/`, `broken/` and `fixed/`."""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lab.core.database_use import uses_database
from lab.core.expectations import PASSES, Expectation, ExpectationError, parse, parse_versions, versions_hold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BACKENDS = ("sqlite", "postgres")
VARIANTS = ("broken", "fixed")
MANIFEST = "scenario.toml"
# The folder beside `scenarios/` holding the recommended conftest: run like a scenario with no broken variant.
PATTERN = "recommended"
# What a run folder's pytest.ini holds when neither the scenario nor the variant gives one.
DEFAULT_INI = "[pytest]\n"
_FIELDS = {"title", "symptom", "tags", "difficulty", "backends", "timeout", "requires", "exercise", "idiom",
           "uses_database", *VARIANTS}
DIFFICULTIES = ("intro", "intermediate", "advanced")
_REQUIRES_FIELDS = {"versions", "why", "variants", "idiom"}
_IDIOM_FIELDS = {"folder", "versions", "why"}
# What an idiom's folder may hold, each replacing the scenario's own: the files of a run.
_IDIOM_PARTS = ("tests", "pytest.ini", *VARIANTS)


def default_scenarios_dir() -> Path:
    """`./scenarios` when run from a checkout, else the folder beside the installed package."""
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


class ScenarioError(ValueError):
    """A scenario folder that cannot be run; the message names the file and the field."""


@dataclass(frozen=True)
class Requirement:
    """Versions outside which a variant cannot apply at all (it uses an API they lack); `why` says so.

    It is about the files of the scenario itself, or, with `idiom`, about those of that idiom.
    """

    versions: Mapping[str, str]
    why: str
    variants: tuple[str, ...] = VARIANTS
    idiom: str = ""

    def unmet(self) -> bool:
        return not versions_hold(self.versions)


@dataclass(frozen=True)
class Idiom:
    """The same mistake and fix written as users of older releases wrote them (`[[idiom]]`).

    A folder of the scenario holding any of `tests/`, `pytest.ini`, `broken/`, `fixed/`: each replaces the
    scenario's own in runs where `versions` hold. The first idiom whose versions hold is the one run.
    """

    folder: str
    versions: Mapping[str, str]
    why: str
    # its own tests/' test functions; None when it runs the scenario's tests
    test_functions: tuple[str, ...] | None = None

    def applies(self) -> bool:
        return versions_hold(self.versions)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    title: str
    symptom: str
    backends: tuple[str, ...]
    # variant -> backend -> options, first whose version ranges hold wins
    expectations: Mapping[str, Mapping[str, tuple[Expectation, ...]]]
    tags: tuple[str, ...] = ()
    difficulty: str = ""
    timeout: float | None = None
    requires: tuple[Requirement, ...] = ()
    # the test functions of the pristine tests/: a variant passes only if each of them ran and passed
    test_functions: tuple[str, ...] = ()
    # the recommended conftest: one variant, "fixed", whose files sit in the folder itself
    pattern: bool = False
    # `[exercise]`: pytest.ini lines a learner's fix must keep, and hints given before the diff
    keep: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    idioms: tuple[Idiom, ...] = ()
    # a pass must have used the database the run was given (`uses_database`, else read from the files)
    uses_database: bool = True

    @property
    def variants(self) -> tuple[str, ...]:
        return ("fixed",) if self.pattern else VARIANTS

    def idiom(self) -> Idiom | None:
        """The idiom the installed versions call for; None for the scenario's own files."""
        return next((idiom for idiom in self.idioms if idiom.applies()), None)

    def _source(self, part: str, idiom: Idiom | None) -> Path:
        """Where the run takes `part` from: the idiom's folder where it holds one, else the scenario's."""
        if idiom is not None and (self.path / idiom.folder / part).exists():
            return self.path / idiom.folder / part
        return self.path / part

    def variant_dir(self, variant: str, idiom: Idiom | None = None) -> Path:
        if self.pattern:  # the recommended conftest: its files sit in the folder itself
            return self.path / idiom.folder if idiom is not None else self.path
        return self._source(variant, idiom)

    def tests_dir(self, idiom: Idiom | None = None) -> Path:
        return self._source("tests", idiom)

    def ini(self, idiom: Idiom | None = None) -> Path:
        """The scenario's pytest.ini (the idiom's, where it has one); it may not exist."""
        return self._source("pytest.ini", idiom)

    def functions(self, idiom: Idiom | None = None) -> tuple[str, ...]:
        """The test functions a pass must run: the idiom's own tests', where it has tests."""
        if idiom is not None and idiom.test_functions is not None:
            return idiom.test_functions
        return self.test_functions

    def not_applicable(self, variant: str) -> str | None:
        """Why `variant` cannot run with the installed versions; None when it can."""
        chosen = self.idiom()
        name = chosen.folder if chosen else ""
        unmet = [r.why for r in self.requires if r.idiom == name and variant in r.variants and r.unmet()]
        return "; ".join(unmet) or None


@dataclass(frozen=True)
class Problem:
    """A folder under `scenarios/` that could not be loaded, kept so the run can report it."""

    name: str
    path: Path
    message: str


@dataclass
class Catalogue:
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def discover(root: Path) -> Catalogue:
    """Load every scenario folder under `root`, then the recommended conftest beside it if there is one.

    A broken folder becomes a Problem, not an abort.
    """
    catalogue = Catalogue()
    if not root.is_dir():
        raise ScenarioError(f"{root}: no such scenarios directory")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if (root.parent / PATTERN).is_dir():
        folders.append(root.parent / PATTERN)
    for path in folders:
        try:
            catalogue.scenarios.append(load(path, pattern=path.name == PATTERN))
        except ScenarioError as error:
            catalogue.problems.append(Problem(path.name, path, str(error)))
    return catalogue


def load(path: Path, *, pattern: bool = False) -> Scenario:
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise ScenarioError(f"{manifest}: missing")
    try:
        data = tomllib.loads(manifest.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{manifest}: not valid TOML: {error}") from None
    for missing in [p for p in ("tests", *([] if pattern else VARIANTS)) if not (path / p).is_dir()]:
        raise ScenarioError(f"{path / missing}: missing folder")
    if pattern and not (path / "conftest.py").is_file():
        raise ScenarioError(f"{path / 'conftest.py'}: missing")
    try:
        return _build(path, data, pattern)
    except ExpectationError as error:
        raise ScenarioError(f"{manifest}: {error}") from None


def _build(path: Path, data: Mapping[str, object], pattern: bool = False) -> Scenario:
    unknown = set(data) - _FIELDS
    if unknown:
        raise ExpectationError(f"unknown field {sorted(unknown)[0]!r}")
    title, symptom = (_text(data, key) for key in ("title", "symptom"))
    backends = data.get("backends", list(BACKENDS))
    if not isinstance(backends, list) or not backends or any(b not in BACKENDS for b in backends):
        raise ExpectationError(f"backends: expected a list from {list(BACKENDS)}, got {backends!r}")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ExpectationError(f"tags: expected a list of strings, got {tags!r}")
    difficulty = data.get("difficulty", "")
    if difficulty and difficulty not in DIFFICULTIES:
        raise ExpectationError(f"difficulty: expected one of {list(DIFFICULTIES)}, got {difficulty!r}")
    keep, hints = _exercise(data.get("exercise", {}))
    timeout = data.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise ExpectationError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    idioms = _idioms(path, data.get("idiom", []), pattern)
    requires = _requirements(data.get("requires", []), {idiom.folder for idiom in idioms})
    variants = ("fixed",) if pattern else VARIANTS
    if pattern and "broken" in data:
        raise ExpectationError("broken: the recommended conftest has no broken variant")
    expectations = {
        variant: _variant_expectations(data.get(variant, {}), variant, backends) for variant in variants
    }
    if not pattern and all(opt == (PASSES,) for opt in expectations["broken"].values()):
        raise ExpectationError("broken: no backend expects a failure; this scenario shows nothing")
    database = data.get("uses_database")
    if database is not None and not isinstance(database, bool):
        raise ExpectationError(f"uses_database: expected true or false, got {database!r}")
    return Scenario(
        name=path.name,
        path=path,
        title=title,
        symptom=symptom,
        backends=tuple(backends),
        expectations=expectations,
        tags=tuple(tags),
        difficulty=str(difficulty),
        timeout=float(timeout) if timeout is not None else None,
        requires=requires,
        test_functions=test_functions(path / "tests"),
        pattern=pattern,
        keep=keep,
        hints=hints,
        idioms=idioms,
        uses_database=uses_database(path, () if pattern else VARIANTS) if database is None else database,
    )


def test_functions(folder: Path) -> tuple[str, ...]:
    """`test*` functions of the test modules under `folder`, at module level or in `Test*` classes.

    Read from the source, not from a run: a conftest that hides tests from collection cannot hide them here.
    """
    found = []
    for module in sorted([*folder.rglob("test_*.py"), *folder.rglob("*_test.py")]):
        try:
            tree = ast.parse(module.read_text(), str(module))
        except SyntaxError:
            continue  # the run reports it, as a collection error
        for node in tree.body:
            bodies = [node] if not isinstance(node, ast.ClassDef) else (
                node.body if node.name.startswith("Test") else [])
            for item in bodies:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    found.append(item.name)
    return tuple(found)


def _idioms(path: Path, value: object, pattern: bool) -> tuple[Idiom, ...]:
    """`[[idiom]]`: folders of files for older releases, each with the versions it is for."""
    if not isinstance(value, list):
        raise ExpectationError(f"idiom: expected a list of tables ([[idiom]]), got {value!r}")
    found: list[Idiom] = []
    for i, table in enumerate(value):
        where = f"idiom[{i}]"
        if not isinstance(table, Mapping):
            raise ExpectationError(f"{where}: expected a table, got {table!r}")
        unknown = set(table) - _IDIOM_FIELDS
        if unknown:
            raise ExpectationError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        folder = table.get("folder")
        if not isinstance(folder, str) or not folder or "/" in folder or folder in (*_IDIOM_PARTS, "."):
            raise ExpectationError(f"{where}.folder: expected a subfolder's name, got {folder!r}")
        if pattern and not (path / folder / "conftest.py").is_file():  # it replaces the whole folder
            raise ExpectationError(f"{where}.folder: {path / folder / 'conftest.py'} is missing")
        if not any((path / folder / part).exists() for part in _IDIOM_PARTS):
            raise ExpectationError(f"{where}.folder: {path / folder} holds none of {', '.join(_IDIOM_PARTS)}")
        if folder in {idiom.folder for idiom in found}:
            raise ExpectationError(f"{where}.folder: {folder!r} is declared twice")
        versions = parse_versions(table.get("versions"), f"{where}.versions")
        if not versions:
            raise ExpectationError(f"{where}.versions: expected at least one package = \"range\"")
        why = table.get("why")
        if not isinstance(why, str) or not why.strip():
            raise ExpectationError(f"{where}.why: expected one line on what these releases need, got {why!r}")
        tests = path / folder / "tests"
        found.append(Idiom(folder, versions, why.strip(), test_functions(tests) if tests.is_dir() else None))
    return tuple(found)


def _requirements(value: object, idioms: set[str] | None = None) -> tuple[Requirement, ...]:
    """`[[requires]]`: version ranges a variant needs, each with the reason shown when unmet."""
    if not isinstance(value, list):
        raise ExpectationError(f"requires: expected a list of tables ([[requires]]), got {value!r}")
    found = []
    for i, table in enumerate(value):
        where = f"requires[{i}]"
        if not isinstance(table, Mapping):
            raise ExpectationError(f"{where}: expected a table, got {table!r}")
        unknown = set(table) - _REQUIRES_FIELDS
        if unknown:
            raise ExpectationError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        versions = parse_versions(table.get("versions"), f"{where}.versions")
        if not versions:
            raise ExpectationError(f"{where}.versions: expected at least one package = \"range\"")
        why = table.get("why")
        if not isinstance(why, str) or not why.strip():
            raise ExpectationError(f"{where}.why: expected the reason a reader sees, got {why!r}")
        variants = table.get("variants", list(VARIANTS))
        if not isinstance(variants, list) or not variants or any(v not in VARIANTS for v in variants):
            raise ExpectationError(
                f"{where}.variants: expected a list from {list(VARIANTS)}, got {variants!r}"
            )
        idiom = table.get("idiom", "")
        if idiom and idiom not in (idioms or set()):
            raise ExpectationError(f"{where}.idiom: no [[idiom]] has folder {idiom!r}")
        found.append(Requirement(versions, why.strip(), tuple(variants), str(idiom)))
    return tuple(found)


def _exercise(value: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`[exercise]`: `keep` (pytest.ini lines a fix must not remove) and `hints` (shown before the diff)."""
    if not isinstance(value, Mapping):
        raise ExpectationError(f"exercise: expected a table, got {value!r}")
    unknown = set(value) - {"keep", "hints"}
    if unknown:
        raise ExpectationError(f"exercise: unknown field {sorted(unknown)[0]!r}")
    found = []
    for key in ("keep", "hints"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ExpectationError(f"exercise.{key}: expected a list of non-empty strings, got {items!r}")
        found.append(tuple(i.strip() for i in items))
    return found[0], found[1]


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExpectationError(f"{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def _variant_expectations(
    table: object, variant: str, backends: list[str]
) -> dict[str, tuple[Expectation, ...]]:
    """`[broken]` maps a backend (or `default`) to what that variant does there; unset means passes."""
    if not isinstance(table, Mapping):
        raise ExpectationError(f"{variant}: expected a table, got {table!r}")
    unknown = set(table) - {*BACKENDS, "default"}
    if unknown:
        raise ExpectationError(f"{variant}: unknown backend {sorted(unknown)[0]!r}")
    default = parse(table["default"], f"{variant}.default") if "default" in table else (PASSES,)
    return {
        backend: parse(table[backend], f"{variant}.{backend}") if backend in table else default
        for backend in backends
    }
