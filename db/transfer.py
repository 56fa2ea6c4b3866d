"""``smebot db migrate-to postgresql://…``: an SQLite deployment copied to PostgreSQL, checked.

The target is migrated to the same schema version first and must hold no data. Tables are
copied parents first (so every foreign key finds its row), all in one transaction on the
target: a failed copy leaves nothing behind. Identity sequences then continue after the
highest id copied. Finally every table is read back from both sides in primary-key order and
compared row by row, value by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db import catalog
from db.catalog import quote
from db.connection import Database

BATCH = 5_000
"""Rows read and written per round trip."""


class TransferError(Exception):
    """The copy cannot go ahead, or its check found a difference; the message says which."""


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def _ordered_tables(db: Database) -> list[str]:
    """Tables with every table a foreign key points to before the table itself."""
    names = await catalog.tables(db)
    parents = {
        table: {key.parent for key in await catalog.foreign_keys(db, table)} - {table}
        for table in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [t for t in names if t not in ordered and parents[t] <= set(ordered)]
        if not ready:
            raise TransferError(f"circular foreign keys among {sorted(set(names) - set(ordered))}")
        ordered.extend(ready)
    return ordered


async def _count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) FROM {quote(table)}")
    return int(row[0]) if row else 0


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """Rows in one order on both sides, whatever the databases' collations: sorted here."""
    return tuple(
        (value is None, 0 if value is None else float(value) if _numeric(value) else value)
        for value in row
    )


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


async def _rows(db: Database, table: str, names: Sequence[str]) -> list[tuple[Any, ...]]:
    """Every row of ``table``, its columns in ``names`` order, sorted by :func:`_sort_key`."""
    column_list = ", ".join(quote(name) for name in names)
    rows = await db.fetch_all(f"SELECT {column_list} FROM {quote(table)}")
    return sorted((tuple(row) for row in rows), key=_sort_key)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        return left is not None and right is not None and float(left) == float(right)
    return left == right


async def copy(source: Database, target: Database) -> list[Copied]:
    """Copy every row of ``source`` into the empty ``target``; returns the counts per table."""
    if await source.schema_version() != await target.schema_version():
        raise TransferError("the two databases are at different schema versions")
    tables = await _ordered_tables(source)
    if set(tables) != set(await catalog.tables(target)):
        raise TransferError("the two databases have different tables")
    for table in tables:
        if await _count(target, table):
            raise TransferError(f"the target already holds data (table {table}); use an empty one")
    copied = []
    async with target.transaction() as transaction:
        for table in tables:
            names = await catalog.columns(source, table)
            column_list = ", ".join(quote(name) for name in names)
            marks = ", ".join("?" for _ in names)
            rows = await _rows(source, table, names)
            for start in range(0, len(rows), BATCH):
                await transaction.executemany(
                    f"INSERT INTO {quote(table)} ({column_list}) VALUES ({marks})",
                    rows[start : start + BATCH],
                )
            copied.append(Copied(table, len(rows)))
            if "id" in names and target.dialect == "postgresql":
                # New rows must continue after the copied ids, not collide with them.
                sequence = await transaction.fetch_one(
                    "SELECT pg_get_serial_sequence(?, 'id')", (table,)
                )
                if sequence is None or sequence[0] is None:
                    continue  # a text id (kb_entries): nothing generates it
                await transaction.execute(
                    "SELECT setval(pg_get_serial_sequence(?, 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {quote(table)}), 0) + 1, false)",
                    (table,),
                )
    return copied


async def verify(source: Database, target: Database) -> int:
    """Compare every table row by row; returns the rows checked, raises on a difference."""
    checked = 0
    for table in await _ordered_tables(source):
        names = await catalog.columns(source, table)
        left, right = await _rows(source, table, names), await _rows(target, table, names)
        if len(left) != len(right):
            raise TransferError(f"{table}: {len(left)} rows in the source, {len(right)} copied")
        for number, (a, b) in enumerate(zip(left, right, strict=True), start=1):
            if len(a) != len(b) or not all(_same(x, y) for x, y in zip(a, b, strict=True)):
                raise TransferError(f"{table}: row {number} differs after the copy")
        checked += len(left)
    return checked
