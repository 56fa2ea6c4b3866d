"""The test suite on PostgreSQL: ``TEST_BACKEND=postgresql`` with ``TEST_DATABASE_URL`` set.

Tests name their databases as files (``tmp_path / "bot.db"``), in fixtures and in the tests
themselves. On the PostgreSQL pass each such path becomes a fresh schema of the test database
(``search_path``), created on first use and dropped after the test: opening the same path again
(a "restart") finds the same data, and no test sees another's. Tests that are about the SQLite
file itself (permissions, WAL, the backup API, damaged files) are marked ``sqlite_only``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from db.connection import Database, is_postgres_url

BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
POSTGRES = BACKEND == "postgresql"
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")


def schema_url(schema: str) -> str:
    return f"{SERVER_URL}{'&' if '?' in SERVER_URL else '?'}{urlencode({'search_path': schema})}"


async def _run(statements: list[str]) -> None:
    import asyncpg  # the dev extra has it; only the PostgreSQL pass needs it

    connection = await asyncpg.connect(SERVER_URL)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


class Schemas:
    """Test database paths → PostgreSQL schemas, for one test."""

    def __init__(self) -> None:
        self.by_path: dict[str, str] = {}

    async def url_for(self, target: str | Path) -> str:
        key = str(Path(target).resolve()) if str(target) != ":memory:" else uuid.uuid4().hex
        schema = self.by_path.get(key)
        if schema is None:
            schema = self.by_path[key] = f"test_{uuid.uuid4().hex[:16]}"
            await _run([f"CREATE SCHEMA {schema}"])
        return schema_url(schema)

    async def new_url(self) -> str:
        """A database of its own (a second deployment, a migration target)."""
        return await self.url_for(f"/nonexistent/{uuid.uuid4().hex}")

    def drop(self) -> None:
        if self.by_path:
            drops = [f"DROP SCHEMA {schema} CASCADE" for schema in self.by_path.values()]
            asyncio.run(_run(drops))


@pytest.fixture(autouse=True)
def database_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Schemas | None]:
    """On the PostgreSQL pass, every database a test opens by path is a schema instead."""
    if not POSTGRES:
        yield None
        return
    if not SERVER_URL:
        pytest.fail("TEST_BACKEND=postgresql needs TEST_DATABASE_URL")
    schemas = Schemas()
    open_database = Database.open.__func__  # type: ignore[attr-defined]

    async def open_on_postgres(cls: type[Database], target: str | Path) -> Database:
        url = str(target) if is_postgres_url(target) else await schemas.url_for(target)
        return await open_database(cls, url)

    monkeypatch.setattr(Database, "open", classmethod(open_on_postgres))
    try:
        yield schemas
    finally:
        monkeypatch.undo()
        schemas.drop()


def skip_other_backend(items: list[pytest.Item]) -> None:
    """``sqlite_only`` tests are skipped on the PostgreSQL pass, ``postgresql_only`` ones on
    the SQLite pass; each says why."""
    skipped, other = ("sqlite_only", "SQLite") if POSTGRES else ("postgresql_only", "PostgreSQL")
    for item in items:
        marker = item.get_closest_marker(skipped)
        if marker is not None:
            reason = marker.args[0] if marker.args else "about that backend"
            item.add_marker(pytest.mark.skip(reason=f"{other} only: {reason}"))
