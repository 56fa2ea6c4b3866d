"""The PostgreSQL backend (``DATABASE_URL=postgresql://…``): a pool of asyncpg connections.

Several workers, on one host or many, share the database; each task borrows a connection for
one statement (or one transaction), so unlike SQLite nothing needs to queue behind another
task's transaction. asyncpg prepares and caches each statement per connection, and its rows
(``asyncpg.Record``) index by name and position like ``sqlite3.Row``, so the table modules
see no difference.

Migrations run in one transaction under an advisory lock: of several workers starting at
once, one migrates and the others wait for it, then find nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from db.connection import Database, Dialect, Parameters, _migrations
from db.dialects import to_numbered

logger = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10
"""Connections per process: the handlers, the sender and the housekeeping jobs share them."""
MIGRATION_LOCK = 0x7E3A_2026
"""First key of the advisory lock taken while migrating (the second is the schema's hash,
so two deployments in one database, in different schemas, do not wait for each other)."""


def _rowcount(status: str) -> int:
    """``UPDATE 3`` / ``INSERT 0 1`` / ``DELETE 0``: the last word is the count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PostgresTransaction:
    """One borrowed connection inside ``BEGIN … COMMIT``."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, parameters: Parameters = ()) -> int:
        sql, values = to_numbered(sql, parameters)
        await self.connection.execute(sql, *values)
        return 0

    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int:
        sql, values = to_numbered(sql, parameters)
        return _rowcount(await self.connection.execute(sql, *values))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        sql, _ = to_numbered(sql, ())
        await self.connection.executemany(sql, [tuple(row) for row in rows])

    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> Any | None:
        sql, values = to_numbered(sql, parameters)
        return await self.connection.fetchrow(sql, *values)

    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[Any]:
        sql, values = to_numbered(sql, parameters)
        return list(await self.connection.fetch(sql, *values))


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        pool = await asyncpg.create_pool(url, min_size=POOL_MIN, max_size=POOL_MAX)
        database = cls(pool)
        try:
            await database.migrate()
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        await self.pool.close()

    async def schema_version(self) -> int:
        row = await self.fetch_one(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        )
        if row is None:
            return 0
        row = await self.fetch_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every migration not yet recorded in ``schema_migrations``, all in one
        transaction (PostgreSQL's DDL is transactional) under the migration lock."""
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", MIGRATION_LOCK
            )
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = await connection.fetchval(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
            )
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for number, script in _migrations("postgresql"):
                if number <= current:
                    continue
                logger.info("Applying database migration %04d (PostgreSQL)", number)
                await connection.execute(script)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    number,
                    now,
                )

    async def execute(self, sql: str, parameters: Parameters = ()) -> int:
        sql, values = to_numbered(sql, parameters)
        await self.pool.execute(sql, *values)
        return 0

    async def execute_rowcount(self, sql: str, parameters: Parameters = ()) -> int:
        sql, values = to_numbered(sql, parameters)
        return _rowcount(await self.pool.execute(sql, *values))

    async def fetch_one(self, sql: str, parameters: Parameters = ()) -> Any | None:
        sql, values = to_numbered(sql, parameters)
        return await self.pool.fetchrow(sql, *values)

    async def fetch_all(self, sql: str, parameters: Parameters = ()) -> list[Any]:
        sql, values = to_numbered(sql, parameters)
        return list(await self.pool.fetch(sql, *values))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PostgresTransaction]:
        """A connection of its own: other tasks carry on on the pool's other connections."""
        async with self.pool.acquire() as connection, connection.transaction():
            yield _PostgresTransaction(connection)
