"""The knowledge base tables: the published entries the bot answers from, and staff drafts."""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.knowledge.entries import Entry, EntryText, Source
from db.connection import Database

ONE_LOADER_AT_A_TIME = "LOCK TABLE kb_entries IN SHARE ROW EXCLUSIVE MODE"
"""PostgreSQL: several workers starting together each load the files; one after the other,
or the second one's inserts collide with the first one's (its DELETE could not see them yet).
On SQLite ``BEGIN IMMEDIATE`` already holds the only write lock."""


async def replace_file_entries(db: Database, entries: Iterable[Entry]) -> None:
    """Make the table match the files; entries staff wrote in the bot (other ids) are kept."""
    async with db.transaction() as connection:
        if db.dialect == "postgresql":
            await connection.execute(ONE_LOADER_AT_A_TIME)
        await connection.execute("DELETE FROM kb_entries WHERE origin = 'file'")
        for entry in entries:
            # A staff entry with the same id gives way, texts and all (ON DELETE CASCADE).
            await connection.execute("DELETE FROM kb_entries WHERE id = ?", (entry.id,))
            await connection.execute(
                """
                INSERT INTO kb_entries (id, topic, reviewed, related, keywords, sources,
                                        parent, origin, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'file', 'published')
                """,
                (
                    entry.id,
                    entry.topic,
                    entry.reviewed,
                    json.dumps(list(entry.related)),
                    json.dumps(list(entry.keywords), ensure_ascii=False),
                    json.dumps([{"title": s.title, "url": s.url} for s in entry.sources]),
                    entry.parent,
                ),
            )
            await connection.executemany(
                """
                INSERT INTO kb_texts (entry_id, language, title, answer, details, questions)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    (
                        entry.id,
                        locale,
                        text.title,
                        text.answer,
                        text.details,
                        json.dumps(list(text.questions), ensure_ascii=False),
                    )
                    for locale, text in entry.texts.items()
                ],
            )


async def published(db: Database) -> list[Entry]:
    """Every published entry with its texts, in id order."""
    texts: dict[str, dict[str, EntryText]] = {}
    for row in await db.fetch_all(
        "SELECT entry_id, language, title, answer, details, questions FROM kb_texts"
    ):
        texts.setdefault(row["entry_id"], {})[row["language"]] = EntryText(
            title=row["title"],
            answer=row["answer"],
            details=row["details"],
            questions=tuple(json.loads(row["questions"])),
        )
    rows = await db.fetch_all(
        """
        SELECT id, topic, reviewed, related, keywords, sources, parent, origin, status
        FROM kb_entries WHERE status = 'published' ORDER BY id
        """
    )
    return [
        Entry(
            id=row["id"],
            topic=row["topic"],
            reviewed=row["reviewed"],
            texts=texts.get(row["id"], {}),
            related=tuple(json.loads(row["related"])),
            keywords=tuple(json.loads(row["keywords"])),
            sources=tuple(Source(**source) for source in json.loads(row["sources"])),
            parent=row["parent"],
            origin=row["origin"],
            status=row["status"],
        )
        for row in rows
        if texts.get(row["id"])
    ]
