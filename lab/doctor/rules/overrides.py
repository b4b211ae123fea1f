"""Checks: FastAPI's `dependency_overrides`: left on an app that outlives the test, or keyed on another
function than the one the routes depend on."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from lab.doctor.model import FunctionNode, Module, Setup, calls, rank, walk, walk_own
from lab.doctor.rules.base import Hit, hit, rule
from lab.doctor.rules.common import fixtures, top_assignments


def _override_sets(node: ast.AST) -> Iterator[tuple[ast.Assign, str, ast.expr]]:
    """`X.dependency_overrides[key] = ...`: (the statement, X's name, the key)."""
    for child in walk_own(node) if not isinstance(node, ast.Module) else walk(node):
        if not isinstance(child, ast.Assign):
            continue
        for target in child.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
                    and target.value.attr == "dependency_overrides":
                owner = target.value.value
                name = owner.id if isinstance(owner, ast.Name) else (
                    owner.attr if isinstance(owner, ast.Attribute) else "")
                yield child, name, target.slice


def _removes_overrides(node: FunctionNode, owner: str) -> bool:
    """Teardown that takes overrides off: `.clear()`, `.pop(...)`, `del ...[k]`, `= {}`, a `with` patch."""
    for child in walk_own(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                and child.func.attr in ("clear", "pop", "popitem") \
                and isinstance(child.func.value, ast.Attribute) \
                and child.func.value.attr == "dependency_overrides":
            return True
        if isinstance(child, ast.Delete) and any(
                isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute)
                and t.value.attr == "dependency_overrides" for t in child.targets):
            return True
        if isinstance(child, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "dependency_overrides" for t in child.targets):
            return True
    return False


def _app_lifetime(setup: Setup, module: Module, owner: str) -> str | None:
    """How long the app named `owner` lives: a fixture's scope, "import" for a module-level app; None
    when it is made in the function itself (then it dies with the test)."""
    found = setup.fixtures.get(owner)
    if found:
        return max((f.scope for f in found), key=rank)
    if owner in top_assignments(module) or owner in module.names.imports:
        return "import"
    return None


def _cleared_elsewhere(setup: Setup, owner: str) -> bool:
    """An autouse or app-yielding fixture that clears the overrides at teardown."""
    return any(_removes_overrides(f.node, owner) and (f.autouse or f.name == owner) for f in fixtures(setup))


_CLIENTS = ("AsyncClient", "TestClient", "ASGITransport", "LifespanManager")


def _client_fixtures(setup: Setup, owner: str) -> list[FunctionNode]:
    """The fixtures that put a client on the app named `owner`: each test talks to the app through one."""
    found = []
    for fixture in fixtures(setup):
        module = setup.module_of(fixture.source)
        for call in calls(fixture.node):
            if module.names.qual(call.func).split(".")[-1] not in _CLIENTS:
                continue
            given = [*call.args, *(k.value for k in call.keywords)]
            if any(isinstance(n, ast.Name) and n.id == owner for arg in given for n in walk(arg)):
                found.append(fixture.node)
                break
    return found


def _reset_by_every_client(setup: Setup, node: FunctionNode, owner: str, key: ast.expr) -> bool:
    """An override every client fixture sets again for its own test (the `get_db` one a `client` fixture
    installs): the next test replaces it before its first request, so nothing of the last one is left."""
    clients = _client_fixtures(setup, owner)
    wanted = ast.dump(key)
    return node in clients and all(
        any(o == owner and ast.dump(k) == wanted for _, o, k in _override_sets(c)) for c in clients)


@rule("LAB012")
def overrides_leak(setup: Setup) -> Iterator[Hit]:
    """An override set on an app that outlives the test, never removed: later tests run with it.

    Defused by: an app built per test; the override removed at teardown (`clear()`, `pop()`), in that
    fixture or an autouse one; the override set again by every fixture that gives a test a client."""
    for module in setup.test_modules:
        owners = [(f.node, f.name) for f in module.fixtures] + [(t.node, t.name) for t in module.tests]
        for node, name in owners:
            for statement, owner, key in _override_sets(node):
                local = any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == owner
                                                             for t in n.targets) for n in walk_own(node))
                lifetime = None if local else _app_lifetime(setup, module, owner)
                if lifetime is None or (lifetime != "import" and rank(lifetime) == 0):
                    continue
                if _removes_overrides(node, owner) or _cleared_elsewhere(setup, owner):
                    continue
                if _reset_by_every_client(setup, node, owner, key):
                    continue
                where = "an app imported once" if lifetime == "import" else f"the {lifetime}-scoped `{owner}`"
                yield hit("LAB012", module.source, statement,
                          f"`{name}` sets an override on {where} and nothing removes it")


def _canonical(setup: Setup, qual: str, depth: int = 0) -> str:
    """Follow re-exports through the project's own modules: `shared_app.get_db` -> `shared_app.db.get_db`."""
    if depth > 5 or "." not in qual:
        return qual
    module_name, name = qual.rsplit(".", 1)
    path = module_name.replace(".", "/")
    for module in setup.modules:
        rel = module.source.rel
        if rel.endswith((f"{path}.py", f"{path}/__init__.py")):
            if name in module.functions:
                return qual
            if name in module.names.imports:
                return _canonical(setup, module.names.imports[name], depth + 1)
    return qual


def _depends(setup: Setup) -> dict[str, set[str]]:
    """Function name -> the canonical names of what `Depends(...)` is given across the project."""
    found: dict[str, set[str]] = {}
    for module in setup.modules:
        for call in calls(module.source.tree):
            if module.names.qual(call.func).endswith("Depends") and call.args:
                qual = module.names.qual(call.args[0])
                if not qual:
                    continue
                if "." not in qual:  # defined in this module
                    base = module.source.rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                    qual = f"{base}.{qual}"
                found.setdefault(qual.rsplit(".", 1)[-1], set()).add(_canonical(setup, qual))
    return found


@rule("LAB037")
def override_on_wrong_function(setup: Setup) -> Iterator[Hit]:
    """An override keyed on a function of the same name as the routes' dependency, but another one.

    Defused by: the key imported from where the routes import it. Only decided when both are the
    project's own functions."""
    depends = _depends(setup)
    local = {m.source.rel for m in setup.modules}
    for module in setup.test_modules:
        for statement, _owner, key in _override_sets(module.source.tree):
            qual = module.names.qual(key)
            if not qual or "." not in qual:
                continue
            name = qual.rsplit(".", 1)[-1]
            targets = depends.get(name)
            mine = _canonical(setup, qual)
            if not targets or mine in targets:
                continue
            own = mine.rsplit(".", 1)[0].replace(".", "/")
            if not any(rel.endswith((f"{own}.py", f"{own}/__init__.py")) for rel in local):
                continue
            yield hit("LAB037", module.source, statement,
                      f"override keyed on `{mine}`, but the routes depend on `{sorted(targets)[0]}`")
