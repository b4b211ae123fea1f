"""Sessions of the async-testing failure lab. `nox -l` lists them; `nox -s scenarios` is the main job."""

from __future__ import annotations

import re
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["scenarios"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


# uv installs without compiling bytecode, and where PYTHONDONTWRITEBYTECODE is set nothing ever writes
# it: then every fresh interpreter (a pytest-xdist worker, a run with --isolation subprocess, the lab
# itself) compiles SQLAlchemy, FastAPI and pydantic from source again, 1.9 s instead of 0.65 s of imports.
COMPILED = {"UV_COMPILE_BYTECODE": "1"}


def install_lab(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".[stack]", env=COMPILED)
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group), env=COMPILED)


@nox.session
def scenarios(session: nox.Session) -> None:
    """Run every scenario's broken and fixed variant on SQLite and PostgreSQL; check each as expected."""
    install_lab(session)
    session.run("lab", "run", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """Run the catalogue on each stack set in stacks.toml (`-- --stack NAME`, `-- --with PIN`); show drift."""
    install_lab(session, "matrix")
    session.run("lab", "matrix", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The lab's own tests, including the whole catalogue on both backends."""
    install_lab(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the catalogue site into site/ (MkDocs, offline); `-- --serve` serves it on 127.0.0.1:8000."""
    install_lab(session, "docs")
    written = session.run("python", "-m", "lab.docs.site", ".lab/site-src", silent=True)
    config = written.strip().splitlines()[-1]
    site = str(Path(__file__).parent / "site")
    quiet = {"NO_MKDOCS_2_WARNING": "1"}  # MkDocs 1.x's notice about a 2.0, which this build does not use
    session.run("mkdocs", "build", "--quiet", "--clean", "-f", config, "-d", site, env=quiet)
    if "--serve" in session.posargs:
        session.run("python", "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", "site")
    else:
        session.log("site/ is built: `python -m http.server --directory site` serves it, no network needed")


@nox.session
def wheelhouse(session: nox.Session) -> None:
    """Download what the lab, its tests and its site install into wheelhouse/, for an offline classroom."""
    session.install("pip")
    groups = [r for group in ("test", "docs") for r in nox.project.dependency_groups(PYPROJECT, group)]
    build = PYPROJECT["build-system"]["requires"]  # `pip install -e .` builds the lab with these
    wanted = [".[stack]", "nox[uv]", *build, *groups]
    session.run("python", "-m", "pip", "wheel", "--quiet", "--wheel-dir", "wheelhouse", *wanted)


@nox.session
def bench(session: nox.Session) -> None:
    """Print where a run's time goes, the lab's overhead, forked vs fresh interpreters, the matrix's time."""
    install_lab(session, "matrix")
    session.run("python", "-m", "lab.bench", *session.posargs)


@nox.session
def doctor_corpus(session: nox.Session) -> None:
    """Precision and recall of `lab doctor` on the labelled corpus of public setups (`-- --corpus DIR`)."""
    install_lab(session)
    session.run("python", "tests/doctor_corpus/measure.py", *session.posargs)


@nox.session
def recipes(session: nox.Session) -> None:
    """Time each test-isolation recipe on one 233-test suite, on SQLite and PostgreSQL, in ms per test."""
    plotting = any(arg.split("=")[0] == "--plot" for arg in session.posargs)
    install_lab(session, *(["plot"] if plotting else []))  # matplotlib only for who wants the chart
    session.run("python", "-m", "lab.recipes", *session.posargs)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation-test the modules that decide verdicts and write reports; print the score of each."""
    install_lab(session, "mutants")
    session.run("mutmut", "run", external=False, success_codes=[0, 1])
    listing = session.run("mutmut", "results", "--all", "true", silent=True) or ""
    equivalent = _equivalent_mutants()
    per_module: dict[str, dict[str, int]] = {}
    survivors = []
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name.startswith("lab."):
            continue
        module = re.split(r"\.x[_\u01c1]", name, maxsplit=1)[0]  # mutmut names a mutant module.x_function...
        counts = per_module.setdefault(module, {"killed": 0, "equivalent": 0, "other": 0})
        if status == "killed":
            counts["killed"] += 1
        elif name in equivalent:
            counts["equivalent"] += 1
        else:
            counts["other"] += 1
            survivors.append(f"{name}: {status}")
    total = {"killed": 0, "equivalent": 0, "other": 0}
    for module, counts in sorted(per_module.items()):
        for key in total:
            total[key] += counts[key]
        session.log(_score(module, counts))
    session.log(_score("all", total))
    for survivor in survivors:
        session.log(f"not killed: {survivor}  (`mutmut show` it; kill it, or list it in {EQUIVALENT})")
    if total["other"] > (total["killed"] + total["other"]) * (1 - MUTATION_TARGET):
        session.error(f"mutation score below {MUTATION_TARGET:.0%}")


MUTATION_TARGET = 0.90
EQUIVALENT = "tests/equivalent_mutants.txt"


def _equivalent_mutants() -> set[str]:
    """Mutants that no test can kill because they change nothing observable; each line says why."""
    lines = open(EQUIVALENT).read().splitlines()
    return {line.split(":")[0].strip() for line in lines if line.strip() and not line.startswith("#")}


def _score(name: str, counts: dict[str, int]) -> str:
    scored = counts["killed"] + counts["other"]
    percent = 100.0 * counts["killed"] / scored if scored else 100.0
    return (f"{name:<20} {percent:5.1f}% killed ({counts['killed']} of {scored}; "
            f"{counts['equivalent']} listed as equivalent)")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff, mypy --strict, the layers of `lab/` (import-linter), and the CI workflows (actionlint)."""
    install_lab(session, "lint")
    session.run("ruff", "check", "lab", "shared_app", "recipes", "tests", "noxfile.py")
    session.run("mypy")
    session.run("lint-imports")
    session.run("actionlint", *map(str, Path(".github/workflows").glob("*.yml")))
