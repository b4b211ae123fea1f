"""The versions a project pins (lock files, requirements, pyproject), or those of the running environment."""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class Pins:
    """package -> exact version (None: named but not pinned to one version), and where each came from."""

    versions: dict[str, str | None] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    # package -> the range a requirement allows where it pins no one version (`httpx<0.26`, poetry's `^8.3`;
    # "" for a bare name)
    ranges: dict[str, str] = field(default_factory=dict)

    def get(self, package: str) -> str | None:
        return self.versions.get(canonicalize_name(package))

    def have(self, packages: Iterable[str]) -> dict[str, str | None]:
        """What `Rule.fails_on` takes: each package's pinned version, None where unknown."""
        return {p: self.get(p) for p in packages}

    def _set(self, name: str, version: str | None, source: str) -> None:
        # Lock files are read first: an exact version found earlier wins over a later file's.
        key = canonicalize_name(name)
        if self.versions.get(key) is None:
            self.versions[key] = version
            self.sources[key] = source

    def _range(self, name: str, allowed: str) -> None:
        # A bound said anywhere beats a bare name elsewhere (`httpx` in one file, `httpx<0.26` in another).
        key = canonicalize_name(name)
        if not self.ranges.get(key):
            self.ranges[key] = allowed


def _text(path: Path) -> str:
    """A pins file's text: UTF-8, or UTF-16 where a byte-order mark says so (PowerShell's `pip freeze >`
    writes UTF-16)."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _lock(path: Path, pins: Pins) -> None:
    """uv.lock and poetry.lock: `[[package]]` tables with `name` and `version`."""
    try:
        data = tomllib.loads(_text(path))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return
    for package in data.get("package", []):
        if isinstance(package, dict) and "name" in package and "version" in package:
            pins._set(str(package["name"]), str(package["version"]), path.name)


def _requirement(text: str, pins: Pins, source: str) -> None:
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return
    exact = [s.version for s in requirement.specifier if s.operator in ("==", "===") and "*" not in s.version]
    pins._set(requirement.name, exact[0] if exact else None, source)
    if not exact:  # "" where it names no version at all: what installs is today's release
        pins._range(requirement.name, str(requirement.specifier))


def _requirements(path: Path, pins: Pins) -> None:
    try:
        lines = _text(path).splitlines()
    except (UnicodeDecodeError, OSError):
        return
    for line in lines:
        line = re.split(r"\s+#", line)[0].strip()
        if line and not line.startswith(("-", "#")):
            _requirement(line, pins, path.name)


def _pyproject(path: Path, pins: Pins) -> None:
    try:
        data = tomllib.loads(_text(path))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return
    project = data.get("project", {})
    found: list[str] = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        found.extend(extra)
    for group in data.get("dependency-groups", {}).values():
        found.extend(item for item in group if isinstance(item, str))
    for text in found:
        _requirement(text, pins, path.name)
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [group.get("dependencies", {}) for group in poetry.get("group", {}).values()]
    for table in tables:
        for name, spec in table.items():
            version = spec.get("version") if isinstance(spec, dict) else spec
            exact = str(version).lstrip("=") if isinstance(version, str) and re.fullmatch(
                r"(?:==?)?\d[\w.]*", version) else None
            if name != "python":
                pins._set(name, exact, path.name)
                if exact is None and isinstance(version, str):
                    pins._range(name, _poetry_range(version) or "")


def _poetry_range(spec: str) -> str | None:
    """Poetry's `^X.Y.Z` and `~X.Y` as PEP 440 ranges (`^0.26.0` is `>=0.26.0,<0.27`); other forms as they
    are when PEP 440 reads them, else None."""
    caret = re.fullmatch(r"\^(\d+)(?:\.(\d+))?(?:\.(\d+))?", spec.strip())
    if caret:
        parts = [int(p) if p else 0 for p in caret.groups()]
        first = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
        upper = parts[:first] + [parts[first] + 1]
        return f">={'.'.join(map(str, parts))},<{'.'.join(map(str, upper))}"
    try:
        return str(SpecifierSet(spec)) or None
    except InvalidSpecifier:
        return None


def read_pins(root: Path, folders: Iterable[Path] = ()) -> Pins:
    """The project's pins: lock files first (exact), then requirements files and pyproject.toml; in `root`,
    then in `folders` (where a repository keeps its Python project below the top: `backend/`)."""
    pins = Pins()
    places = list(dict.fromkeys([root, *folders]))
    for folder in places:
        for name in ("uv.lock", "poetry.lock", "pdm.lock"):
            if (folder / name).is_file():
                _lock(folder / name, pins)
    for folder in places:
        for path in sorted(folder.glob("requirements*.txt")) + sorted(folder.glob("requirements/*.txt")):
            _requirements(path, pins)
        if (folder / "pyproject.toml").is_file():
            _pyproject(folder / "pyproject.toml", pins)
    return pins


def installed(packages: Iterable[str]) -> Pins:
    """The versions of the running environment, for `--installed`."""
    pins = Pins()
    for package in packages:
        if package == "python":
            pins._set("python", platform.python_version(), "the running interpreter")
            continue
        try:
            pins._set(package, metadata.version(package), "installed")
        except metadata.PackageNotFoundError:
            continue
    return pins
