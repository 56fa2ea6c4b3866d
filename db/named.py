"""Statements with named parameters (``:name``), which :class:`Database`'s helpers (positional
tuples) do not take. Long statements read better with names than with a row of ``?``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiosqlite

from db.connection import Database


async def write(db: Database, sql: str, parameters: Mapping[str, Any]) -> tuple[int, int]:
    """Run one write statement (its own transaction); returns ``(rowcount, lastrowid)``."""
    await db.wait_for_turn()
    cursor = await db.connection.execute(sql, dict(parameters))
    result = (cursor.rowcount, cursor.lastrowid or 0)
    await cursor.close()
    return result


async def fetch_all(db: Database, sql: str, parameters: Mapping[str, Any]) -> list[aiosqlite.Row]:
    await db.wait_for_turn()
    async with db.connection.execute(sql, dict(parameters)) as cursor:
        return list(await cursor.fetchall())
