"""Personal data on request (UU PDP 27/2022): find all of a user's rows, erase them, expire them.

Which tables hold a user's data is read from the schema itself (every table with a foreign key
to ``users``), so a table another feature adds later is included in /mydata and erased by
/forgetme (through ``ON DELETE CASCADE``) without this module having to learn about it.
"""

from __future__ import annotations

from typing import Any

from db import catalog
from db.catalog import quote as _quote
from db.connection import Database

ANONYMISE = """
    UPDATE inquiries
    SET question = '', answer = NULL, user_id = NULL, chat_id = 0, message_id = NULL,
        anonymised_at = ?
"""
"""What anonymising an inquiry means: its text and every link to the person go; the date,
language, topic, status and timings stay for anonymous counts."""


async def user_tables(db: Database) -> list[tuple[str, str]]:
    """``(table, column)`` of every column that references ``users(id)``."""
    found = []
    for table in await catalog.tables(db):
        for key in await catalog.foreign_keys(db, table):
            if key.parent == "users" and key.parent_column == "id":
                found.append((table, key.column))
    return found


async def personal_data(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about ``user_id``: the ``users`` row and each referencing table's rows."""
    data: dict[str, list[dict[str, Any]]] = {
        "users": [
            dict(row) for row in await db.fetch_all("SELECT * FROM users WHERE id = ?", (user_id,))
        ]
    }
    for table, column in await user_tables(db):
        rows = await db.fetch_all(
            f"SELECT * FROM {_quote(table)} WHERE {_quote(column)} = ?", (user_id,)
        )
        if rows:
            data.setdefault(table, []).extend(dict(row) for row in rows)
    audit = await db.fetch_all(
        "SELECT * FROM staff_audit WHERE actor_id = ? OR target_id = ? ORDER BY id",
        (user_id, user_id),
    )
    if audit:
        data["staff_audit"] = [dict(row) for row in audit]
    return data


async def forget_user(db: Database, user_id: int, now: str) -> int:
    """Anonymise the user's inquiries and delete the user (cascading to per-user tables).

    One transaction: a crash half-way must not leave questions that still name the user.
    Returns how many inquiries were anonymised.
    """
    async with db.transaction() as connection:
        count = await connection.execute_rowcount(ANONYMISE + " WHERE user_id = ?", (now, user_id))
        await connection.execute("DELETE FROM users WHERE id = ?", (user_id,))
    return count


async def anonymise_before(db: Database, cutoff: str, now: str) -> int:
    """Anonymise every inquiry created before ``cutoff`` that still holds personal data."""
    return await db.execute_rowcount(
        ANONYMISE + " WHERE created_at < ? AND anonymised_at IS NULL", (now, cutoff)
    )
