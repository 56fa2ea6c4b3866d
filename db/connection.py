"""One SQLite connection per process, opened with the settings that make writes durable.

aiosqlite runs the connection on its own thread, so every statement is serialised; the
pragmas below make that single writer safe to share with readers (WAL) and to survive a
crash or power cut (``synchronous=FULL``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
"""How long a statement waits for another process's lock (a backup, say) before failing."""

MIGRATIONS_PACKAGE = "db.migrations"


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only: it holds personal data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _migrations() -> list[tuple[int, str]]:
    """Numbered ``NNNN_name.sql`` scripts shipped with the package, in order."""
    scripts = []
    for item in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            scripts.append((int(name[:4]), item.read_text(encoding="utf-8")))
    return sorted(scripts)


class MigrationError(Exception):
    """A migration that would break the database; nothing of it was applied."""


class Database:
    """The open connection plus the few helpers every table module needs."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        # One connection is shared by concurrent tasks (users' updates, the broadcast sender,
        # the retention job). While one task is inside ``transaction()`` every other task's
        # statement waits, or it would silently join (and share the fate of) that transaction.
        self._transaction_lock = asyncio.Lock()
        self._transaction_owner: asyncio.Task[Any] | None = None
        self._no_transaction = asyncio.Event()
        self._no_transaction.set()

    async def wait_for_turn(self) -> None:
        """Wait until no other task has a transaction open. aiosqlite queues statements in
        the order they are issued, and nothing else runs between this check and the caller's
        enqueueing its statement, so the statement cannot land inside another transaction."""
        while (
            self._transaction_owner is not None
            and self._transaction_owner is not asyncio.current_task()
        ):
            await self._no_transaction.wait()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        if str(path) != ":memory:":
            _create_private_file(Path(path))
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=FULL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        database = cls(connection)
        await database.migrate()
        return database

    @classmethod
    @asynccontextmanager
    async def opened(cls, path: str | Path) -> AsyncIterator[Database]:
        """The database for one command-line job, closed however the job ends."""
        database = await cls.open(path)
        try:
            yield database
        finally:
            await database.close()

    async def close(self) -> None:
        await self.connection.close()

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every migration newer than the stored ``user_version``, each atomically.

        Foreign keys are off while a migration runs, as SQLite's procedure for rebuilding a
        table asks: with them on, dropping the old copy of a table would cascade-delete the
        rows that point at it. They are checked before the migration commits instead.
        """
        current = await self.schema_version()
        pending = [(number, script) for number, script in _migrations() if number > current]
        if not pending:
            return
        await self.connection.execute("PRAGMA foreign_keys=OFF")
        try:
            for number, script in pending:
                logger.info("Applying database migration %04d", number)
                await self.connection.executescript(f"BEGIN IMMEDIATE;\n{script}")
                broken = await self.connection.execute_fetchall("PRAGMA foreign_key_check")
                if broken:
                    await self.connection.execute("ROLLBACK")
                    raise MigrationError(
                        f"migration {number:04d} would leave {len(broken)} broken references"
                    )
                # Not executescript: it would commit first, outside the migration.
                await self.connection.execute(f"PRAGMA user_version = {number}")
                await self.connection.execute("COMMIT")
        finally:
            await self.connection.execute("PRAGMA foreign_keys=ON")

    # Each call below is one round trip to aiosqlite's thread (a hop costs tens of
    # microseconds, and a few run on every update). A write statement has run to completion
    # and been reset when ``execute`` returns, so its cursor needs no second hop to close.

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the last row id."""
        await self.wait_for_turn()
        cursor = await self.connection.execute(sql, tuple(parameters))
        return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Run one write statement; returns how many rows it changed."""
        await self.wait_for_turn()
        cursor = await self.connection.execute(sql, tuple(parameters))
        return cursor.rowcount

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row (it reads them all: meant for queries of one row, or ``LIMIT 1``)."""
        await self.wait_for_turn()
        rows = await self.connection.execute_fetchall(sql, tuple(parameters))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        await self.wait_for_turn()
        return list(await self.connection.execute_fetchall(sql, tuple(parameters)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that must land together (or not at all), one task at a time."""
        async with self._transaction_lock:
            await self.wait_for_turn()
            self._transaction_owner = asyncio.current_task()
            self._no_transaction.clear()
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield self.connection
                except BaseException:
                    await self.connection.execute("ROLLBACK")
                    raise
                await self.connection.execute("COMMIT")
            finally:
                self._transaction_owner = None
                self._no_transaction.set()
