"""What a variant is expected to do on a backend: pass, or fail with a given exception."""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from lab.capture import Failure, Observation


class ExpectationError(ValueError):
    """A malformed expectation; the message names the field and the bad value."""


@dataclass(frozen=True)
class Expectation:
    """One acceptable outcome: pass, raise `raises` matching `match`, or crash with signal `crashes`."""

    raises: str | None = None
    match: str = ""
    crashes: str | None = None  # e.g. "SIGSEGV": the interpreter itself died
    versions: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def passes(self) -> bool:
        return self.raises is None and self.crashes is None

    def describe(self) -> str:
        if self.crashes:
            return f"crashes ({self.crashes})"
        return "passes" if self.passes else f"{self.raises}: /{self.match}/"

    def applies(self) -> bool:
        """True if every version range of this expectation holds for what is installed."""
        for package, spec in self.versions.items():
            have = installed_version(package)
            if have is None or have not in SpecifierSet(spec):
                return False
        return True

    def matching_failure(self, observation: Observation) -> Failure | None:
        """The first failure whose exception (or one it wraps) matches, told as that exception."""
        for failure in observation.failures:
            for depth, (exc_type, message) in enumerate(failure.chain):
                if _same_type(exc_type, self.raises or "") and re.search(self.match, message):
                    if depth == 0:  # the exception pytest reported itself
                        return failure
                    return replace(failure, exc_type=exc_type, message=message, raised_as=failure.exc_type)
        return None


PASSES = Expectation()


def _same_type(observed: str, expected: str) -> bool:
    """`RuntimeError` matches `builtins.RuntimeError`; `exc.MissingGreenlet` matches the full path."""
    return observed == expected or observed.endswith("." + expected)


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
    unknown = set(table) - {"raises", "match", "crashes", "versions", "passes", "note"}
    if unknown:
        raise ExpectationError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    versions = table.get("versions", {})
    if not isinstance(versions, Mapping):
        raise ExpectationError(f"{where}.versions: expected a table, got {versions!r}")
    for package, spec in versions.items():
        try:
            SpecifierSet(str(spec))
        except InvalidSpecifier:
            raise ExpectationError(f"{where}.versions.{package}: bad version range {spec!r}") from None
    note = str(table.get("note", ""))
    if table.get("passes") is True:
        return Expectation(versions=dict(versions), note=note)
    if "crashes" in table:
        crashes = table["crashes"]
        if not isinstance(crashes, str) or not crashes.startswith("SIG"):
            raise ExpectationError(f'{where}.crashes: expected a signal name like "SIGSEGV", got {crashes!r}')
        return Expectation(crashes=crashes, versions=dict(versions), note=note)
    raises = table.get("raises")
    if not isinstance(raises, str) or not raises:
        raise ExpectationError(f"{where}.raises: expected an exception type name, got {raises!r}")
    match = table.get("match", "")
    if not isinstance(match, str):
        raise ExpectationError(f"{where}.match: expected a regular expression, got {match!r}")
    try:
        re.compile(match)
    except re.error as error:
        raise ExpectationError(f"{where}.match: bad regular expression {match!r}: {error}") from None
    return Expectation(raises=raises, match=match, versions=dict(versions), note=note)


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
