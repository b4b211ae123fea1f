"""Sessions of the async-testing failure lab. `nox -l` lists them; `nox -s scenarios` is the main job."""

from __future__ import annotations

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["scenarios"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_lab(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def scenarios(session: nox.Session) -> None:
    """Run every scenario's broken and fixed variant on SQLite and PostgreSQL; check each as expected."""
    install_lab(session)
    session.run("lab", "run", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """Run the catalogue on every stack set of stacks.toml (`-- --stack NAME`, `-- --with PIN`), report drift."""
    install_lab(session, "matrix")
    session.run("lab", "matrix", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The lab's own tests, including the whole catalogue on both backends."""
    install_lab(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Print seconds per variant, the wall time beside a bare import, and the version matrix's wall time."""
    install_lab(session, "matrix")
    session.run("python", "-m", "lab.bench", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the runner, the shared app and the tests; mypy --strict over the runner and the app."""
    install_lab(session, "lint")
    session.run("ruff", "check", "lab", "shared_app", "tests", "noxfile.py")
    session.run("mypy")
