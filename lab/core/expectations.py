"""What a variant is expected to do on a backend: pass, or fail with a given exception."""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import InvalidSpecifier, SpecifierSet


class ExpectationError(ValueError):
    """A malformed expectation; the message names the field and the bad value."""


@dataclass(frozen=True)
class Expectation:
    """One acceptable outcome: pass, raise `raises` matching `match`, crash with signal `crashes`, or hang."""

    raises: str | None = None
    match: str = ""
    crashes: str | None = None  # e.g. "SIGSEGV": the interpreter itself died
    # Never finishes: the run times out, and `match` is searched in the stack dump taken at the timeout
    hangs: bool = False
    versions: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    # the per-test form: each named test function must do what its own expectation says, all at once
    tests: Mapping[str, Expectation] = field(default_factory=dict)

    @property
    def passes(self) -> bool:
        return self.raises is None and self.crashes is None and not self.hangs and not self.tests

    def describe(self) -> str:
        if self.hangs:
            return f"hangs in /{self.match}/"
        if self.crashes:
            return f"crashes ({self.crashes})"
        if self.tests:
            return "; ".join(f"{name} {each.describe()}" for name, each in self.tests.items())
        return "passes" if self.passes else f"{self.raises}: /{self.match}/"

    def applies(self) -> bool:
        """True if every version range of this expectation holds for what is installed."""
        return versions_hold(self.versions)


PASSES = Expectation()


def versions_hold(versions: Mapping[str, str]) -> bool:
    """True if every package is installed in its range (pre-releases count as their release)."""
    for package, spec in versions.items():
        have = installed_version(package)
        if have is None or not SpecifierSet(spec).contains(have, prereleases=True):
            return False
    return True


def parse_versions(value: object, where: str) -> dict[str, str]:
    """`{ package = "range", ... }`, each range checked; `python` means the interpreter."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ExpectationError(f"{where}: expected a table, got {value!r}")
    for package, spec in value.items():
        try:
            SpecifierSet(str(spec))
        except InvalidSpecifier:
            raise ExpectationError(f"{where}.{package}: bad version range {spec!r}") from None
    return {str(package): str(spec) for package, spec in value.items()}


def parse(value: object, where: str) -> tuple[Expectation, ...]:
    """Parse one backend's expectation: "passes", a table, or a list of tables (acceptable outcomes)."""
    if value == "passes":
        return (PASSES,)
    if isinstance(value, Mapping):
        return (_parse_table(value, where),)
    if isinstance(value, list) and value:
        return tuple(_parse_table(item, f"{where}[{i}]") for i, item in enumerate(value))
    raise ExpectationError(
        f"{where}: expected \"passes\", a table {{raises, match}} or a list of tables, got {value!r}"
    )


def _parse_table(table: object, where: str) -> Expectation:
    if not isinstance(table, Mapping):
        raise ExpectationError(f"{where}: expected a table, got {table!r}")
    unknown = set(table) - {"raises", "match", "crashes", "hangs", "versions", "passes", "note", "tests"}
    if unknown:
        raise ExpectationError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    versions = parse_versions(table.get("versions"), f"{where}.versions")
    note = str(table.get("note", ""))
    if "tests" in table:
        tests = _per_test(table["tests"], f"{where}.tests")
        return Expectation(versions=dict(versions), note=note, tests=tests)
    if table.get("passes") is True:
        return Expectation(versions=dict(versions), note=note)
    if "crashes" in table:
        crashes = table["crashes"]
        if not isinstance(crashes, str) or not crashes.startswith("SIG"):
            raise ExpectationError(f'{where}.crashes: expected a signal name like "SIGSEGV", got {crashes!r}')
        return Expectation(crashes=crashes, versions=dict(versions), note=note)
    if "hangs" in table:
        if table["hangs"] is not True:
            raise ExpectationError(f"{where}.hangs: expected true, got {table['hangs']!r}")
        if not table.get("match"):
            raise ExpectationError(f"{where}.match: a hang needs the frame it hangs in, got nothing")
        return Expectation(hangs=True, match=_pattern(table, where), versions=dict(versions), note=note)
    raises = table.get("raises")
    if not isinstance(raises, str) or not raises:
        raise ExpectationError(f"{where}.raises: expected an exception type name, got {raises!r}")
    return Expectation(raises=raises, match=_pattern(table, where), versions=dict(versions), note=note)


def _pattern(table: Mapping[str, object], where: str) -> str:
    match = table.get("match", "")
    if not isinstance(match, str):
        raise ExpectationError(f"{where}.match: expected a regular expression, got {match!r}")
    try:
        re.compile(match)
    except re.error as error:
        raise ExpectationError(f"{where}.match: bad regular expression {match!r}: {error}") from None
    return match


def _per_test(value: object, where: str) -> dict[str, Expectation]:
    """`tests = { test_a = "passes", test_b = { raises = "E", match = "..." } }`: every entry must hold."""
    if not isinstance(value, Mapping) or not value:
        raise ExpectationError(f"{where}: expected a table of test name = outcome, got {value!r}")
    found = {}
    for name, outcome in value.items():
        if not str(name).startswith("test"):
            raise ExpectationError(f"{where}: {name!r} is not a test function's name")
        whole_entry = isinstance(outcome, Mapping) and bool({"versions", "tests"} & set(outcome))
        if isinstance(outcome, list) or whole_entry:
            raise ExpectationError(
                f"{where}.{name}: expected \"passes\" or one table {{raises, match}}, got {outcome!r}"
            )
        (found[str(name)],) = parse(outcome, f"{where}.{name}")
    return found


def choose(options: tuple[Expectation, ...]) -> tuple[Expectation, ...]:
    """The outcomes acceptable with the installed versions; empty if no entry covers them."""
    return tuple(option for option in options if option.applies())


@cache
def installed_version(package: str) -> str | None:
    """The installed version of a distribution ("python": the interpreter); None if absent."""
    if package == "python":
        return platform.python_version()
    try:
        return version(package)
    except PackageNotFoundError:
        return None
