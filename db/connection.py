"""The database seam: one small API for the table modules, on SQLite or on PostgreSQL.

:meth:`Database.open` takes either a file path (SQLite, the default: one process, one file,
the right size for one office) or a ``postgresql://`` URL (:mod:`db.postgres`: several
workers and hosts on one managed server). Table modules call only what is defined here:
``execute``, ``execute_rowcount``, ``fetch_one``, ``fetch_all`` and ``transaction()`` (whose
object offers the same calls plus ``executemany``), with ``?`` placeholders or, given a
mapping, ``:name`` ones. Where the two dialects need different SQL, a module keeps the two
statements side by side in a dict keyed by :attr:`Database.dialect`.

The SQLite connection is opened with the settings that make writes durable: aiosqlite runs
it on its own thread, so every statement is serialised; WAL lets that single writer share the
file with readers, and ``synchronous=FULL`` makes a commit survive a crash or power cut.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
"""How long a statement waits for another process's lock (a backup, say) before failing."""

MIGRATIONS_PACKAGE = "db.migrations"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

Dialect = Literal["sqlite", "postgresql"]
Parameters = Iterable[Any] | Mapping[str, Any]
"""Positional values for ``?`` placeholders, or a mapping for ``:name`` ones."""


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only: it holds personal data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str]]:
    """Numbered migration scripts shipped with the package, in order, for ``dialect``.

    The convention is explained in ``db/migrations/__init__.py``: ``NNNN_name.sql`` is shared;
    ``NNNN_name.postgresql.sql``, when present, replaces it on PostgreSQL; otherwise the shared
    script is used there with :func:`db.dialects.postgresql_ddl`'s type rewrites.
    """
    from db.dialects import postgresql_ddl

    shared: dict[int, str] = {}
    overrides: dict[int, str] = {}
    for item in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = item.name
        if not (name.endswith(".sql") and name[:4].isdigit()):
            continue
        number = int(name[:4])
        if name.endswith(".postgresql.sql"):
            overrides[number] = item.read_text(encoding="utf-8")
        elif name.count(".") == 1:
            shared[number] = item.read_text(encoding="utf-8")
    if dialect == "sqlite":
        return sorted(shared.items())
    return sorted(
        (number, overrides.get(number) or postgresql_ddl(script))
        for number, script in shared.items()
    )


def positional(parameters: Parameters) -> tuple[Any, ...] | dict[str, Any]:
    """What the drivers take: a tuple for ``?``, a dict for ``:name``."""
    if isinstance(parameters, Mapping):
        return dict(parameters)
    return tuple(parameters)


class MigrationError(Exception):
    """A migration that would break the database; nothing of it was applied."""


class Transaction(Protocol):
    """Statements inside :meth:`Database.transaction`: they commit or roll back together."""

    async def execute(self, sql: str, parameters: Parameters = ()) -> int: ...

    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> Any | None: ...

    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[Any]: ...


class Database(abc.ABC):
    """The open database plus the few helpers every table module needs.

    Rows index by column name and by position, and ``dict(row)`` gives the columns in order,
    on both backends. Timestamps stay ISO 8601 text on both, so nothing above ``db/`` knows
    which one it runs on.
    """

    dialect: Dialect

    @classmethod
    async def open(cls, target: str | Path) -> Database:
        """A PostgreSQL URL opens a pool (:mod:`db.postgres`); anything else is a file path."""
        if is_postgres_url(target):
            from db.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target))
        return await SqliteDatabase.connect(target)

    @classmethod
    @asynccontextmanager
    async def opened(cls, target: str | Path) -> AsyncIterator[Database]:
        """The database for one command-line job, closed however the job ends."""
        database = await cls.open(target)
        try:
            yield database
        finally:
            await database.close()

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def schema_version(self) -> int: ...

    @abc.abstractmethod
    async def migrate(self) -> None: ...

    @abc.abstractmethod
    async def execute(self, sql: str, parameters: Parameters = ()) -> int:
        """Run one write statement in its own transaction. On SQLite it returns the last row
        id; on PostgreSQL 0: a statement that needs the new id says ``RETURNING id``."""

    @abc.abstractmethod
    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int:
        """Run one write statement; returns how many rows it changed."""

    @abc.abstractmethod
    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> Any | None:
        """The first row (it reads them all: meant for queries of one row, or ``LIMIT 1``)."""

    @abc.abstractmethod
    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[Any]: ...

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Several statements that must land together (or not at all)."""


class _SqliteTransaction:
    """The shared aiosqlite connection while one task holds its transaction."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, parameters: Parameters = ()) -> int:
        cursor = await self.connection.execute(sql, positional(parameters))
        row_id = cursor.lastrowid or 0
        await cursor.close()
        return row_id

    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int:
        cursor = await self.connection.execute(sql, positional(parameters))
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.connection.executemany(sql, [tuple(row) for row in rows])

    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> Any | None:
        rows = await self.connection.execute_fetchall(sql, positional(parameters))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[Any]:
        return list(await self.connection.execute_fetchall(sql, positional(parameters)))


class SqliteDatabase(Database):
    """One SQLite connection per process (aiosqlite's thread), shared by every task."""

    dialect: Dialect = "sqlite"

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
    async def connect(cls, path: str | Path) -> SqliteDatabase:
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

    async def execute(self, sql: str, parameters: Parameters = ()) -> int:
        await self.wait_for_turn()
        cursor = await self.connection.execute(sql, positional(parameters))
        return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int:
        await self.wait_for_turn()
        cursor = await self.connection.execute(sql, positional(parameters))
        return cursor.rowcount

    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> aiosqlite.Row | None:
        await self.wait_for_turn()
        rows = await self.connection.execute_fetchall(sql, positional(parameters))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[aiosqlite.Row]:
        await self.wait_for_turn()
        return list(await self.connection.execute_fetchall(sql, positional(parameters)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One task at a time: ``BEGIN IMMEDIATE`` takes the write lock at once."""
        async with self._transaction_lock:
            await self.wait_for_turn()
            self._transaction_owner = asyncio.current_task()
            self._no_transaction.clear()
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield _SqliteTransaction(self.connection)
                except BaseException:
                    await self.connection.execute("ROLLBACK")
                    raise
                await self.connection.execute("COMMIT")
            finally:
                self._transaction_owner = None
                self._no_transaction.set()
