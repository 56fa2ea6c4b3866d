"""Statements with named parameters (``:name``). Long statements read better with names than
with a row of ``?``; :class:`Database` takes a mapping for them on both backends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from db.connection import Database


async def write(db: Database, sql: str, parameters: Mapping[str, Any]) -> int:
    """Run one write statement (its own transaction); returns how many rows it changed."""
    return await db.execute_rowcount(sql, parameters)


async def fetch_one(db: Database, sql: str, parameters: Mapping[str, Any]) -> Any | None:
    return await db.fetch_one(sql, parameters)


async def fetch_all(db: Database, sql: str, parameters: Mapping[str, Any]) -> list[Any]:
    return await db.fetch_all(sql, parameters)
