"""A project's test setup as files: conftests, test modules, the local modules they import, pytest config."""

from __future__ import annotations

import ast
import configparser
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Folders no test setup lives in; walking them would only cost time (a venv holds thousands of modules).
_SKIP_DIRS = {".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__", "site-packages",
              "build", "dist", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".eggs"}


@dataclass
class Source:
    """One Python file of the project, parsed."""

    path: Path
    rel: str  # relative to the project's root, with `/`: what findings and SARIF name
    kind: str  # "conftest", "test" or "module" (a local module a conftest imports)
    text: str
    tree: ast.Module
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Skipped:
    rel: str
    why: str


@dataclass
class Config:
    """pytest's configuration as pytest reads it: the one file it picks, and its options."""

    rel: str = ""  # "" when the project has none
    options: dict[str, str | list[str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # option -> its line in `rel`
    # Files that hold pytest options pytest does not read, because `rel` wins: (file, line of the table)
    shadowed: list[tuple[str, int, list[str]]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        value = self.options.get(name)
        if isinstance(value, list):
            return " ".join(value)
        return value

    def values(self, name: str) -> list[str]:
        value = self.options.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [line.strip() for line in value.splitlines() if line.strip()]

    def line(self, name: str) -> int:
        return self.lines.get(name, 1)


@dataclass
class Project:
    root: Path
    sources: list[Source]
    config: Config
    skipped: list[Skipped]
    files_read: int = 0

    def of_kind(self, *kinds: str) -> Iterator[Source]:
        return (source for source in self.sources if source.kind in kinds)


def _is_test_file(name: str) -> bool:
    return name == "conftest.py" or (name.endswith(".py") and (name.startswith("test_") or
                                                              name.endswith("_test.py")))


def _walk(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if _is_test_file(name):
                yield Path(folder) / name


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def parse(path: Path, root: Path, kind: str) -> Source | Skipped:
    """The file parsed, or why it was skipped (not UTF-8, not Python: a template, a syntax error)."""
    rel = _rel(path, root)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return Skipped(rel, f"not UTF-8 ({error.reason} at byte {error.start})")
    except OSError as error:
        return Skipped(rel, f"cannot be read ({error.strerror})")
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        return Skipped(rel, f"does not parse ({getattr(error, 'msg', error)}, line {line})")
    kind = "conftest" if path.name == "conftest.py" else kind
    return Source(path, rel, kind, text, tree, text.splitlines())


def _imported_modules(tree: ast.Module) -> Iterator[str]:
    """What a module imports at its top level (inside `if`/`try`/`with` blocks too, not in functions)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:  # `from pkg import module`
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.If | ast.Try | ast.With):
            pending.extend(node.body)
            pending.extend(getattr(node, "orelse", []))
            for handler in getattr(node, "handlers", []):
                pending.extend(handler.body)


def _module_file(name: str, bases: Sequence[Path]) -> Path | None:
    parts = name.split(".")
    for base in bases:
        candidate = base.joinpath(*parts)
        for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
            if path.is_file():
                return path
    return None


_CONFIGS = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def find_root(paths: Sequence[Path]) -> Path:
    """As pytest finds its rootdir: from the paths' common folder up to the first holding a config file
    (not past a repository's top); the common folder itself when none does."""
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    common = Path(os.path.commonpath([str(f) for f in folders]))
    for folder in (common, *common.parents):
        if any((folder / name).is_file() for name in _CONFIGS):
            return folder
        if (folder / ".git").exists():
            break
    return common


def read_project(paths: Sequence[Path] = (Path("."),), root: Path | None = None) -> Project:
    """Every conftest and test module under `paths`, the local modules they import, and pytest's config."""
    paths = [Path(p) for p in paths] or [Path(".")]
    root = Path(root) if root is not None else find_root(paths)
    sources: list[Source] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for path in paths:
        for file in _walk(path):
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            parsed = parse(file, root, "test")
            (sources if isinstance(parsed, Source) else skipped).append(parsed)  # type: ignore[arg-type]
    config_folder = _config_folder(root, [s.path for s in sources if s.kind == "conftest"])
    # The project's own modules that conftests import: an engine or an app built at import lives there.
    # pytest puts its rootdir (the config's folder) on sys.path via `rootdir/conftest.py`, `pythonpath = .`.
    bases = list(dict.fromkeys([root, root / "src", config_folder, config_folder / "src"]))
    pending = [s for s in sources if s.kind == "conftest"]
    while pending:
        source = pending.pop()
        for name in _imported_modules(source.tree):
            module = _module_file(name, [source.path.parent, *bases])
            if module is None or module.resolve() in seen:
                continue
            seen.add(module.resolve())
            parsed = parse(module, root, "module")
            if isinstance(parsed, Source):
                sources.append(parsed)
                pending.append(parsed)
            else:
                skipped.append(parsed)
    config = read_config(config_folder)
    if config_folder != root:
        prefix = _rel(config_folder, root) + "/"
        config.rel = prefix + config.rel if config.rel else ""
        config.shadowed = [(prefix + name, line, options) for name, line, options in config.shadowed]
    return Project(root, sources, config, skipped, len(sources) + len(skipped))


def _config_folder(root: Path, conftests: Sequence[Path]) -> Path:
    """Where pytest finds its configuration for these conftests: `root` when it holds one; otherwise the
    folder nearest `root` on the way to the conftests that does (a repository whose Python project is
    `backend/`, run as `cd backend && pytest`)."""
    if read_config(root).rel:
        return root
    resolved = root.resolve()
    for conftest in sorted(conftests, key=lambda p: len(p.parts)):
        folder = conftest.resolve().parent
        chain = [folder, *folder.parents]
        if resolved not in chain:
            continue
        for step in reversed(chain[:chain.index(resolved)]):
            if read_config(step).rel:
                return step
    return root


# --- pytest's configuration -------------------------------------------------------------------------------

def _ini_lines(text: str, section: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == f"[{section}]"
            continue
        match = re.match(r"([A-Za-z_][\w-]*)\s*[=:]", line)
        if inside and match:
            lines.setdefault(match.group(1), number)
    return lines


def _from_ini(path: Path, section: str, rel: str) -> Config | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text()
        parser.read_string(text, source=rel)
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    if not parser.has_section(section):
        return None
    options: dict[str, str | list[str]] = {k: v for k, v in parser.items(section)}
    return Config(rel, options, _ini_lines(text, section))


def _toml_table(path: Path) -> tuple[Mapping[str, object] | None, str]:
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None, ""
    tool = data.get("tool", {})
    pytest_table = tool.get("pytest", {}) if isinstance(tool, dict) else {}
    if isinstance(pytest_table, dict) and isinstance(pytest_table.get("ini_options"), dict):
        return pytest_table["ini_options"], "tool.pytest.ini_options"
    if isinstance(pytest_table, dict) and pytest_table:  # pytest 9's native `[tool.pytest]`
        return pytest_table, "tool.pytest"
    return None, ""


def _from_pyproject(path: Path, rel: str) -> Config | None:
    table, name = _toml_table(path)
    if table is None:
        return None
    options: dict[str, str | list[str]] = {}
    for key, value in table.items():
        options[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    text = path.read_text()
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.strip("[]").strip() == name
            continue
        match = re.match(r"([A-Za-z_][\w-]*)\s*=", stripped)
        if inside and match:
            lines.setdefault(match.group(1), number)
    return Config(rel, options, lines)


def _table_line(path: Path, header: str) -> int:
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if line.split("#")[0].strip().replace(" ", "") == header:
            return number
    return 1


def read_config(root: Path) -> Config:
    """The file pytest reads in `root`, in its order: pytest.ini (even empty), pyproject.toml, tox.ini,
    setup.cfg; with the pytest options of those it ignores because another came first."""
    candidates: list[tuple[str, Config | None]] = []
    for name in ("pytest.ini", ".pytest.ini"):
        path = root / name
        if path.is_file():
            found = _from_ini(path, "pytest", name) or Config(name)
            candidates.append((name, found))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        candidates.append(("pyproject.toml", _from_pyproject(pyproject, "pyproject.toml")))
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = root / name
        if path.is_file():
            candidates.append((name, _from_ini(path, section, name)))
    present = [(name, config) for name, config in candidates if config is not None]
    if not present:
        return Config()
    chosen = present[0][1]
    assert chosen is not None
    for name, config in present[1:]:
        assert config is not None
        header = {"pyproject.toml": "[tool.pytest.ini_options]", "tox.ini": "[pytest]",
                  "setup.cfg": "[tool:pytest]"}.get(name, "")
        line = _table_line(root / name, header) if header else 1
        if name == "pyproject.toml" and line == 1:
            line = _table_line(root / name, "[tool.pytest]")
        chosen.shadowed.append((name, line, _lost(chosen, config)))
    return chosen


def _lost(chosen: Config, shadowed: Config) -> list[str]:
    """The asyncio_* options `shadowed` sets that pytest, reading `chosen`, does not get: the same value
    set in both files loses nothing, and only pytest-asyncio's options change how async tests run."""
    return sorted(name for name in shadowed.options
                  if name.startswith("asyncio_") and chosen.get(name) != shadowed.get(name))


def iter_sources(projects: Iterable[Project]) -> Iterator[Source]:
    for project in projects:
        yield from project.sources
