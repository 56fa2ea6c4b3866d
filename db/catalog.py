"""What the schema holds, read from the database itself, in the same terms on both backends.

/mydata and /forgetme find a user's tables here (every foreign key to ``users``), ``smebot db
migrate-to`` finds what to copy, and the tests compare whole databases before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database

BOOKKEEPING = frozenset({"schema_migrations"})
"""PostgreSQL's record of applied migrations: not data (SQLite keeps it in a pragma)."""


@dataclass(frozen=True, slots=True)
class ForeignKey:
    column: str
    parent: str
    parent_column: str


_TABLES = {
    "sqlite": """
        SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
        ORDER BY name
    """,
    "postgresql": """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        ORDER BY table_name
    """,
}
_OBJECTS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')",
    "postgresql": """
        SELECT relname FROM pg_class
        WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'i')
        UNION ALL
        SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
    """,
}
_FOREIGN_KEYS = """
    SELECT k.table_name, k.column_name, u.table_name AS parent, u.column_name AS parent_column
    FROM information_schema.referential_constraints r
    JOIN information_schema.key_column_usage k
      ON k.constraint_schema = r.constraint_schema AND k.constraint_name = r.constraint_name
    JOIN information_schema.key_column_usage u
      ON u.constraint_schema = r.unique_constraint_schema
     AND u.constraint_name = r.unique_constraint_name
     AND u.ordinal_position = k.position_in_unique_constraint
    WHERE r.constraint_schema = current_schema()
    ORDER BY k.table_name, k.column_name
"""
"""PostgreSQL's catalogue of foreign keys (SQLite has ``PRAGMA foreign_key_list``)."""
_COLUMNS = """
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
"""


def quote(identifier: str) -> str:
    """An identifier from the schema, quoted (it is not user input, but be exact)."""
    return '"' + identifier.replace('"', '""') + '"'


async def tables(db: Database) -> list[str]:
    """Every table holding data, by name."""
    return [row[0] for row in await db.fetch_all(_TABLES[db.dialect]) if row[0] not in BOOKKEEPING]


async def schema_objects(db: Database) -> frozenset[str]:
    """Names of every table, index and trigger (a test's proof the schema did not change)."""
    return frozenset(row[0] for row in await db.fetch_all(_OBJECTS[db.dialect]))


async def foreign_keys(db: Database, table: str) -> list[ForeignKey]:
    if db.dialect == "postgresql":
        return [
            ForeignKey(row[1], row[2], row[3])
            for row in await db.fetch_all(_FOREIGN_KEYS)
            if row[0] == table
        ]
    rows = await db.fetch_all(f"PRAGMA foreign_key_list({quote(table)})")
    return [ForeignKey(row["from"], row["table"], row["to"] or "id") for row in rows]


async def columns(db: Database, table: str) -> list[str]:
    if db.dialect == "postgresql":
        return [row[0] for row in await db.fetch_all(_COLUMNS, (table,))]
    return [row["name"] for row in await db.fetch_all(f"PRAGMA table_info({quote(table)})")]


async def integrity(db: Database) -> str:
    """``ok`` when the database is intact. PostgreSQL checks its pages itself (and refuses a
    broken one outright), so there it is ``ok`` while it answers at all."""
    if db.dialect == "postgresql":
        row = await db.fetch_one("SELECT 'ok'")
    else:
        row = await db.fetch_one("PRAGMA integrity_check")
    assert row is not None
    return str(row[0])
