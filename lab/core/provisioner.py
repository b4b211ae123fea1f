"""PostgreSQL databases made ahead and dropped behind, in a process of their own.

`CREATE DATABASE` and `DROP DATABASE` take about 0.2 s each. Made on demand, in the process that forks the
runs, they would hold up every PostgreSQL run, and every other run waiting to start. Here a helper process
keeps a few fresh databases ready and drops used ones in the background, while the runs execute. Every run
still gets a database of its own, never used before. A process, not a thread: the parent forks runs, and
a thread's leftovers must never be forked into one.

The parent writes one JSON request a line; `create` and `used` are answered with one JSON line each,
`drop` is not answered. On `quit`, or when its input closes, the helper drops every database it made.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import select
import signal
import subprocess
import sys
import time
from typing import Any

from lab.core.interrupts import Held

# How long to wait for PostgreSQL to count a run's transactions: a backend reports them as it exits.
USED_WAIT = 2.0
# DROP DATABASE waits for a checkpoint; several at once share one, so drops keep up with the runs.
DROPPERS = 3


class ProvisionerError(RuntimeError):
    """The helper said no (its message says why), or stopped answering."""


class Provisioner:
    """The parent's side: a few blocking calls to the helper process."""

    def __init__(self, dsn: str, ahead: int, expected: int | None = None, timeout: float = 60.0) -> None:
        self.timeout = timeout
        # In every name it makes, so that a server shared by several lab runs tells whose is whose
        self.tag = secrets.token_hex(3)
        with Held() as held:  # started and known, so that `close` stops it, whenever Ctrl-C comes
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lab.core.provisioner", str(ahead), str(expected or 0), self.tag],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                # Its own session: Ctrl-C at the terminal reaches the lab alone, which then tells the
                # helper to drop what it made. Interrupted itself, the helper would leave them.
                start_new_session=True,
            )
        try:
            held.reraise()
            self._send({"dsn": dsn})  # on its input, not its command line, where any user could read it
            self._answer()  # connected, or why not
        except BaseException:
            self.close()
            raise

    def create(self) -> str:
        return str(self._ask({"op": "create"})["name"])

    def drop(self, name: str) -> None:
        self._send({"op": "drop", "name": name})

    def used(self, name: str) -> bool:
        return bool(self._ask({"op": "used", "name": name})["used"])

    def close(self) -> None:
        """Tell the helper to drop every database it made, and wait until it has (Ctrl-C waits too)."""
        with Held() as held:
            if self.process.poll() is None:
                try:
                    self._send({"op": "quit"})
                    self.process.wait(timeout=self.timeout)
                except (OSError, subprocess.TimeoutExpired):
                    self.process.kill()
                    self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
        held.reraise()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self._send(request)
        return self._answer()

    def _send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            status = self.process.poll()
            raise ProvisionerError(f"the database helper stopped answering (exit status {status})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise ProvisionerError(answer["error"])
        return answer


async def _serve(ahead: int, expected: int, tag: str) -> None:
    import asyncpg

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(data: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    first = await reader.readline()
    # Ctrl-C between starting the helper and telling it the server: the parent's first line is `quit`, or
    # its input closes. Nothing is made yet, so there is nothing to drop.
    dsn = json.loads(first).get("dsn") if first.strip() else None
    if dsn is None:
        return
    try:  # one connection each, since one asyncpg connection runs one statement at a time
        maker, asker, *droppers = [await asyncpg.connect(dsn, timeout=10) for _ in range(2 + DROPPERS)]
    except Exception as error:  # noqa: BLE001 - told to the parent, which names the server
        answer({"error": f"{type(error).__name__}: {error}"})
        return
    answer({"ok": True})
    made: set[str] = set()  # on the server now, and ours to drop
    ready: asyncio.Queue[str] = asyncio.Queue()
    drops: asyncio.Queue[str] = asyncio.Queue()
    failed: list[str] = []
    stopping = asyncio.Event()
    count = 0

    async def keep_ready() -> None:
        nonlocal count
        # Never cancelled in the middle of a CREATE: a database the server made must be in `made`.
        while not stopping.is_set():
            if ready.qsize() < ahead and not failed and (not expected or count < expected):
                name = f"lab_{tag}_{count}"
                try:
                    await maker.execute(f'CREATE DATABASE "{name}"')
                except Exception as error:  # noqa: BLE001 - the next `create` reports it
                    failed.append(f"{type(error).__name__}: {error}")
                    continue
                made.add(name)
                count += 1
                ready.put_nowait(name)
            else:
                await asyncio.sleep(0.005)

    async def drop_behind(connection: Any) -> None:
        while True:
            name = await drops.get()
            try:
                # FORCE: a run killed by its timeout may leave connections behind.
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                made.discard(name)
            finally:
                drops.task_done()

    async def used(name: str) -> bool:
        if await asker.fetchval("SELECT current_setting('track_counts') = 'on'") is False:
            return True  # a server that does not count cannot tell: assume it was used
        deadline = time.monotonic() + USED_WAIT
        query = ("SELECT coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database "
                 "WHERE datname = $1")
        while not await asker.fetchval(query, name):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    maker_task = asyncio.create_task(keep_ready())
    dropper_tasks = [asyncio.create_task(drop_behind(c)) for c in droppers]
    try:
        while line := await reader.readline():
            request = json.loads(line)
            try:
                if request["op"] == "create":
                    if failed and ready.empty():
                        raise ProvisionerError(failed.pop())
                    answer({"name": await ready.get()})
                elif request["op"] == "drop":
                    drops.put_nowait(request["name"])
                elif request["op"] == "used":
                    answer({"used": await used(request["name"])})
                elif request["op"] == "quit":
                    break
            except Exception as error:  # noqa: BLE001 - told to the parent
                answer({"error": f"{type(error).__name__}: {error}"})
    finally:
        stopping.set()
        await maker_task
        for name in list(made):  # the stock, and any never given back (IF EXISTS: some are queued already)
            drops.put_nowait(name)
        await drops.join()
        for task in dropper_tasks:
            task.cancel()
        for connection in (maker, asker, *droppers):
            await connection.close()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says when to stop (`quit`, or no more input)
    asyncio.run(_serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
