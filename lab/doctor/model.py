"""What a test setup declares, read from its syntax: fixtures (scope, loop scope, async-ness), tests, the
loops pytest-asyncio runs them in, and what names resolve to through each module's imports."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from lab.doctor.project import Project, Source

SCOPES = ("function", "class", "module", "package", "session")
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def rank(scope: str | None) -> int:
    return SCOPES.index(scope) if scope in SCOPES else 0


class Names:
    """A module's imports: local name -> dotted origin, so `qual(expr)` reads `create_async_engine` as
    `sqlalchemy.ext.asyncio.create_async_engine` however it was imported."""

    def __init__(self, tree: ast.Module) -> None:
        self.imports: dict[str, str] = {}
        self._quals: dict[int, str] = {}  # the trees live as long as this: ids are not reused meanwhile
        found = by_type(tree)
        for node in [*found.get(ast.Import, []), *found.get(ast.ImportFrom, [])]:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qual(self, expr: ast.AST) -> str:
        known = self._quals.get(id(expr))
        if known is None:
            known = self._quals[id(expr)] = self._qual(expr)
        return known

    def _qual(self, expr: ast.AST) -> str:
        if isinstance(expr, ast.Name):
            return self.imports.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qual(expr.value)
            return f"{base}.{expr.attr}" if base else ""
        if isinstance(expr, ast.Call):
            return self.qual(expr.func) + "()"
        return ""


def ends(qual: str, *suffixes: str) -> bool:
    """Whether a dotted name is one of these, or ends with one of them at a dot."""
    if qual.rpartition(".")[2] not in _last_parts(suffixes):  # the common case, answered by a set
        return False
    return any(qual == s or qual.endswith("." + s) for s in suffixes)


@cache
def _last_parts(suffixes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(s.rpartition(".")[2] for s in suffixes)


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def literal(expr: ast.AST | None) -> object:
    if expr is None:
        return None
    try:
        return ast.literal_eval(expr)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


@dataclass
class Fixture:
    name: str
    source: Source
    node: FunctionNode
    scope: str
    loop_scope: str | None  # as declared (`loop_scope=` or an `asyncio` mark's); None: the default
    is_async: bool
    autouse: bool
    via: str  # "pytest" or "pytest_asyncio"
    marks: list[ast.expr]  # `@pytest.mark.X` decorators on the fixture itself
    params: list[str]

    @property
    def is_generator(self) -> bool:
        return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in walk_own(self.node))


@dataclass
class Test:
    name: str
    source: Source
    node: FunctionNode
    is_async: bool
    marks: list[str]  # mark names on the test, its class and its module
    loop_scope: str | None
    params: list[str]


def _index(tree: ast.AST) -> None:
    """One walk of a tree, in source order: every node (`_lab_all`), and each function's own nodes, not
    those of functions nested in it (`_lab_own`). The rules then never walk a tree again."""
    every: list[ast.AST] = []
    own: list[ast.AST] = []
    tree._lab_own = own  # type: ignore[attr-defined]
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    stack: list[tuple[ast.AST, list[ast.AST]]] = [(tree, own)]
    node_type, push = ast.AST, stack.append  # the loop runs once per node of every file: no lookups in it
    while stack:
        node, owner = stack.pop()
        every.append(node)
        inner = owner
        if node is not tree:
            owner.append(node)
            if isinstance(node, scopes):
                inner = []
                setattr(node, "_lab_own", inner)  # noqa: B010 (an attribute ast does not declare)
        children: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                children += [item for item in value if isinstance(item, node_type)]
            elif isinstance(value, node_type):
                children.append(value)
        for child in reversed(children):
            push((child, inner))
    tree._lab_all = every  # type: ignore[attr-defined]


def walk_own(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's own body, not those of functions nested in it."""
    cached: list[ast.AST] | None = getattr(node, "_lab_own", None)
    if cached is None:
        _index(node)
        cached = node._lab_own  # type: ignore[attr-defined]
    return cached


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node` (itself included), as `ast.walk` gives them, computed once."""
    cached: list[ast.AST] | None = getattr(node, "_lab_all", None)
    if cached is None:
        _index(node)
        cached = node._lab_all  # type: ignore[attr-defined]
    return cached


def by_type(node: ast.AST) -> dict[type, list[ast.AST]]:
    """Every node under `node`, grouped by class: one walk of a module serves every rule."""
    cached: dict[type, list[ast.AST]] | None = getattr(node, "_lab_types", None)
    if cached is None:
        cached = {}
        for child in walk(node):
            cached.setdefault(type(child), []).append(child)
        node._lab_types = cached  # type: ignore[attr-defined]
    return cached


def functions_in(tree: ast.AST) -> list[FunctionNode]:
    found = by_type(tree)
    return [*found.get(ast.FunctionDef, []), *found.get(ast.AsyncFunctionDef, [])]  # type: ignore[list-item]


def calls(node: ast.AST, own: bool = False) -> list[ast.Call]:
    if not own:
        return by_type(node).get(ast.Call, [])  # type: ignore[return-value]
    cached: list[ast.Call] | None = getattr(node, "_lab_own_calls", None)
    if cached is None:
        cached = [n for n in walk_own(node) if isinstance(n, ast.Call)]
        node._lab_own_calls = cached  # type: ignore[attr-defined]
    return cached


def _mark_name(names: Names, expr: ast.expr) -> str | None:
    target = expr.func if isinstance(expr, ast.Call) else expr
    qual = names.qual(target)
    match = re.fullmatch(r"(?:pytest\.)?mark\.(\w+)", qual) or re.search(r"pytest\.mark\.(\w+)$", qual)
    return match.group(1) if match else None


def _mark_loop_scope(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Call):
        value = literal(kwarg(expr, "loop_scope") or kwarg(expr, "scope"))
        return value if isinstance(value, str) else None
    return None


@dataclass
class Module:
    source: Source
    names: Names
    fixtures: list[Fixture] = field(default_factory=list)
    tests: list[Test] = field(default_factory=list)
    functions: dict[str, FunctionNode] = field(default_factory=dict)  # module-level defs, by name
    marks: list[tuple[str, str | None]] = field(default_factory=list)  # `pytestmark`: (name, loop scope)


def _fixture_decorator(names: Names, decorator: ast.expr) -> tuple[str, ast.Call | None] | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    qual = names.qual(target)
    if ends(qual, "pytest_asyncio.fixture"):
        return "pytest_asyncio", decorator if isinstance(decorator, ast.Call) else None
    if ends(qual, "pytest.fixture", "_pytest.fixtures.fixture"):
        return "pytest", decorator if isinstance(decorator, ast.Call) else None
    return None


def _params(node: FunctionNode) -> list[str]:
    args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    return [a.arg for a in args if a.arg not in ("self", "cls")]


def read_module(source: Source) -> Module:
    walk(source.tree)  # one walk for the module: each function's own nodes come with it
    names = Names(source.tree)
    module = Module(source, names)
    for node in source.tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                for t in node.targets):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            module.marks += [(m, _mark_loop_scope(v)) for v in values if (m := _mark_name(names, v))]
    for node, cls_marks in _functions(source.tree, names):
        module.functions.setdefault(node.name, node)
        found = [_fixture_decorator(names, d) for d in node.decorator_list]
        fixture = next((f for f in found if f), None)
        marks = [d for d in node.decorator_list if _mark_name(names, d)]
        if fixture is not None:
            via, call = fixture
            scope = literal(kwarg(call, "scope")) if call else None
            if call and scope is None and call.args and isinstance(literal(call.args[0]), str):
                scope = literal(call.args[0])
            loop_scope = literal(kwarg(call, "loop_scope")) if call else None
            name = literal(kwarg(call, "name")) if call else None
            module.fixtures.append(Fixture(
                name if isinstance(name, str) else node.name, source, node,
                scope if isinstance(scope, str) else "function",
                loop_scope if isinstance(loop_scope, str) else None,
                isinstance(node, ast.AsyncFunctionDef),
                bool(call) and literal(kwarg(call, "autouse")) is True,  # type: ignore[arg-type]
                via, marks, _params(node)))
        elif node.name.startswith("test"):
            own = [(m, _mark_loop_scope(d)) for d in node.decorator_list if (m := _mark_name(names, d))]
            every = own + cls_marks + module.marks
            loop = next((scope for name, scope in every if name == "asyncio" and scope), None)
            module.tests.append(Test(node.name, source, node, isinstance(node, ast.AsyncFunctionDef),
                                     [m for m, _ in every], loop, _params(node)))
    return module


def _functions(tree: ast.Module,
               names: Names) -> Iterator[tuple[FunctionNode, list[tuple[str, str | None]]]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, []
        elif isinstance(node, ast.ClassDef):
            marks = [(m, _mark_loop_scope(d)) for d in node.decorator_list if (m := _mark_name(names, d))]
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item, marks
        elif isinstance(node, ast.If):  # `if sys.platform == "win32": def hook(...)`: conditional, left out
            continue


class Setup:
    """The whole project's fixtures, tests and configuration, as the rules query them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.config = project.config
        self.modules = [read_module(s) for s in project.sources]
        self._by_source = {id(m.source): m for m in self.modules}
        self.fixtures: dict[str, list[Fixture]] = {}
        for module in self.modules:
            if module.source.kind != "module":
                for fixture in module.fixtures:
                    self.fixtures.setdefault(fixture.name, []).append(fixture)

    @cached_property
    def test_modules(self) -> list[Module]:
        return [m for m in self.modules if m.source.kind in ("test", "conftest")]

    @cached_property
    def tests(self) -> list[Test]:
        return [t for m in self.modules if m.source.kind == "test" for t in m.tests]

    def module_of(self, source: Source) -> Module:
        return self._by_source[id(source)]

    # --- pytest-asyncio's view ---
    @cached_property
    def addopts(self) -> str:
        return self.config.get("addopts") or ""

    @cached_property
    def asyncio_plugin(self) -> bool:
        return not re.search(r"-p\s*no:asyncio\b", self.addopts)

    @cached_property
    def mode(self) -> str:
        found = re.search(r"--asyncio-mode[= ](\w+)", self.addopts)
        return found.group(1) if found else (self.config.get("asyncio_mode") or "strict").strip()

    @cached_property
    def fixture_loop_default(self) -> str | None:
        value = self.config.get("asyncio_default_fixture_loop_scope")
        return value.strip() if value else None

    @cached_property
    def test_loop_default(self) -> str:
        value = self.config.get("asyncio_default_test_loop_scope")
        return value.strip() if value else "function"

    @cached_property
    def uses_anyio(self) -> bool:
        """Tests run by AnyIO's plugin: marked `anyio`, or an `anyio_backend` fixture declared."""
        return "anyio_backend" in self.fixtures or any("anyio" in t.marks for t in self.tests) or any(
            "anyio" in [m for m, _ in module.marks] for module in self.modules)

    @cached_property
    def uses_pytest_asyncio(self) -> bool:
        """pytest-asyncio in play: imported, configured, or its mark used."""
        return (any("pytest_asyncio" in m.names.imports.values() or any(
                    v.startswith("pytest_asyncio") for v in m.names.imports.values()) for m in self.modules)
                or any(k.startswith("asyncio_") for k in self.config.options)
                or any("asyncio" in t.marks for t in self.tests) or "asyncio-mode" in self.addopts)

    def loop_of(self, fixture: Fixture) -> str:
        """The loop scope pytest-asyncio (0.24 and later) runs an async fixture in."""
        # A mark on the fixture is no part of it: pytest ignores it (and pytest 9 refuses it), see LAB031.
        return fixture.loop_scope or self.fixture_loop_default or fixture.scope

    @cached_property
    def hooked_test_loop(self) -> str | None:
        """The loop scope a `pytest_collection_modifyitems` hook marks every async test with, if any."""
        for module in self.modules:
            hook = module.functions.get("pytest_collection_modifyitems")
            if hook is None:
                continue
            for call in calls(hook):
                if _mark_name(module.names, call) == "asyncio" and (scope := _mark_loop_scope(call)):
                    return scope
        return None

    @cache  # noqa: B019 (one Setup per check: it lives no longer than the check)
    def test_loops(self) -> set[str]:
        """Every loop scope the project's async tests run in (the default one when it has none)."""
        if self.hooked_test_loop:
            return {self.hooked_test_loop}
        found = {t.loop_scope or self.test_loop_default for t in self.tests if t.is_async}
        return found or {self.test_loop_default}

    @cache  # noqa: B019
    def single_loop(self) -> bool:
        """Every async test and fixture runs in the one session-wide loop."""
        return self.anyio_session_loop or (self.test_loops() == {"session"} and all(
            self.loop_of(f) == "session" for group in self.fixtures.values() for f in group if f.is_async))

    @cached_property
    def anyio_session_loop(self) -> bool:
        """AnyIO's plugin alone, a session-scoped `anyio_backend`, and an autouse session-scoped async
        fixture: AnyIO keeps its runner, and so its loop, until the last fixture set up in it is torn down
        (a coroutine fixture too: the plugin wraps both kinds in a generator), so that fixture holds one
        loop for every test and fixture of the session."""
        if not self.uses_anyio or self.uses_pytest_asyncio:
            return False
        backends = self.fixtures.get("anyio_backend", [])
        return bool(backends) and all(f.scope == "session" for f in backends) and any(
            f.autouse and f.is_async and f.scope == "session"
            for group in self.fixtures.values() for f in group)

    def requested(self, fixture: Fixture) -> list[Fixture]:
        """The fixtures a fixture asks for, by name (every definition of each)."""
        return [f for name in fixture.params for f in self.fixtures.get(name, []) if f is not fixture]

    def closure(self, params: list[str]) -> list[Fixture]:
        """Every fixture these names need, directly or through others, plus the autouse ones."""
        seen: dict[int, Fixture] = {}
        pending = [f for name in params for f in self.fixtures.get(name, [])]
        pending += [f for group in self.fixtures.values() for f in group if f.autouse]
        while pending:
            fixture = pending.pop()
            if id(fixture) in seen:
                continue
            seen[id(fixture)] = fixture
            pending.extend(self.requested(fixture))
        return list(seen.values())
