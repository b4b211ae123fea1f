"""Stack sets: the library versions a matrix run installs, one uv venv each, declared in `stacks.toml`."""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STACKS_FILE = "stacks.toml"
_FIELDS = {"why", "pins", "python", "pre", "skip"}
_MAX_NAME = 80  # a set's name is a venv's folder and a file's name
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class StackError(ValueError):
    """A malformed `stacks.toml` or `--with` pin; the message names the file, the set and the field."""


@dataclass(frozen=True)
class Stack:
    """One set of versions to run the catalogue on: pins installed over the lab, on one interpreter."""

    name: str
    why: str
    pins: tuple[str, ...] = ()
    python: str | None = None  # "3.10"; None: the interpreter running the matrix
    pre: bool = False
    # Why the lab cannot run on this set, with the error seen: declared so, it is reported as skipped
    skip: str = ""

    def identity(self) -> tuple[str, tuple[str, ...], bool]:
        """What the set installs: two sets with the same identity give the same venv."""
        python = self.python or "{}.{}".format(*sys.version_info[:2])
        return (python, tuple(sorted(self.pins)), self.pre)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "why": self.why, "pins": list(self.pins), "python": self.python,
                "pre": self.pre, "skip": self.skip}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Stack:
        pins = data.get("pins") or []
        assert isinstance(pins, list)
        python = data.get("python")
        return cls(str(data["name"]), str(data["why"]), tuple(str(p) for p in pins),
                   str(python) if python else None, bool(data.get("pre")), str(data.get("skip") or ""))

    def describe(self) -> str:
        parts = [*self.pins] or ["newest releases"]
        if self.pre:
            parts.append("pre-releases allowed")
        if self.python:
            parts.append(f"Python {self.python}")
        return ", ".join(parts)


def load(path: Path) -> list[Stack]:
    """Every set `path` declares, in file order."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as error:
        raise StackError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise StackError(f"{path}: not valid TOML: {error}") from None
    return [_build(path, name, table) for name, table in data.items()]


def _build(path: Path, name: str, table: object) -> Stack:
    where = f"{path}: [{name}]"
    if not _NAME.match(name):
        raise StackError(f"{where}: a set's name is letters, digits, '.', '_' and '-'")
    if not isinstance(table, Mapping):
        raise StackError(f"{where}: expected a table, got {table!r}")
    unknown = set(table) - _FIELDS
    if unknown:
        raise StackError(f"{where}: unknown field {sorted(unknown)[0]!r}; known: {sorted(_FIELDS)}")
    why = table.get("why")
    if not isinstance(why, str) or not why.strip():
        raise StackError(f"{where}: why: expected one line on what the set shows, got {why!r}")
    pins = table.get("pins", [])
    if not isinstance(pins, list):
        raise StackError(f"{where}: pins: expected a list of requirements, got {pins!r}")
    python = table.get("python")
    if python is not None and (not isinstance(python, str) or not re.fullmatch(r"3\.\d+", python)):
        raise StackError(f"{where}: python: expected a version like \"3.12\", got {python!r}")
    pre = table.get("pre", False)
    if not isinstance(pre, bool):
        raise StackError(f"{where}: pre: expected true or false, got {pre!r}")
    skip = table.get("skip", "")
    if not isinstance(skip, str) or ("skip" in table and not skip.strip()):
        raise StackError(f"{where}: skip: expected why the lab cannot run there, got {skip!r}")
    return Stack(name, why.strip(), check_pins(pins, f"{where}: pins"), python, pre, skip.strip())


def check_pins(pins: Sequence[object], where: str) -> tuple[str, ...]:
    """The pins as given, once each is known to be a requirement pip understands."""
    for pin in pins:
        try:
            Requirement(str(pin)) if isinstance(pin, str) else None
        except InvalidRequirement as error:
            raise StackError(f"{where}: {pin!r} is not a requirement: {error}") from None
        if not isinstance(pin, str):
            raise StackError(f"{where}: expected a requirement string, got {pin!r}")
    return tuple(str(pin) for pin in pins)


def adhoc(pins: Sequence[str], python: str | None = None, pre: bool = False) -> Stack:
    """A set named on the command line (`--with PIN`), for a one-off upgrade preview.

    Named after its pins; a name too long for a folder is cut and ends in a digest of everything the set
    installs, so that two sets never share a venv or a records file.
    """
    pins = check_pins(pins, "--with")
    name = "with-" + "-".join(re.sub(r"[^A-Za-z0-9.-]+", "", pin) for pin in pins) if pins else "adhoc"
    if python:
        name += f"-py{python}"
    if pre:
        name += "-pre"
    stack = Stack(name, "named on the command line", pins, python, pre)
    if len(name) <= _MAX_NAME:
        return stack
    digest = hashlib.sha256(repr(stack.identity()).encode()).hexdigest()[:10]
    return Stack(f"{name[:_MAX_NAME - 11]}-{digest}", stack.why, pins, python, pre)


def find_python(version: str | None) -> str | None:
    """An interpreter for `version`: on PATH, or one pyenv installed but did not put on PATH."""
    if version is None:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}")))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        )  # a pyenv shim answers for an interpreter that is not installed, so ask it
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def uv_command() -> list[str]:
    """How to call uv: the `uv` package's binary beside this interpreter, else the one on PATH."""
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found, unused-ignore]

        return [find_uv_bin()]
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            raise StackError("uv not found: install it (`pip install uv`) or run `nox -s matrix`") from None
        return [found]


class InstallError(RuntimeError):
    """A set's venv could not be made; the message names the set, its pins and what uv said."""


def prepare(stack: Stack, project: Path, venvs: Path) -> Path:
    """The set's venv, made on first use and brought to its pins: returns its interpreter."""
    python = find_python(stack.python)
    assert python is not None, "the caller skips a set whose interpreter is missing"
    venv = venvs / stack.name
    interpreter = venv / "bin" / "python"
    uv = uv_command()
    # An interpreter comes from this machine or not at all: uv must not try to download one.
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    steps = []
    if not interpreter.exists():
        steps.append([*uv, "venv", "--quiet", "--python", python, str(venv)])
    # Compiled once here, or every fresh interpreter compiles the stack from source where
    # PYTHONDONTWRITEBYTECODE is set (many CI images and containers): its imports then take 3 times as long.
    install = [*uv, "pip", "install", "--quiet", "--python", str(interpreter), "--upgrade",
               "--compile-bytecode"]
    if stack.pre:
        install += ["--prerelease", "allow"]
    # The runner with the stack it runs: the set's pins decide the stack's versions, the stack extra the rest
    steps.append([*install, "-e", f"{project}[stack]", *stack.pins])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise InstallError(
                f"stack {stack.name!r} ({stack.describe()}) could not be installed:\n    "
                + "\n    ".join(said[-15:])
            )
    return interpreter
