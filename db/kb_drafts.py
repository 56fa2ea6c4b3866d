"""Knowledge-base drafts written by staff from answered inquiries, until they are published.

They live in the same ``kb_entries``/``kb_texts`` tables as the entries from the files
(``origin = 'staff'``), so publishing is one status change and the knowledge base serves them
the next time it is rebuilt from :func:`db.knowledge.published`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.knowledge.entries import Entry, EntryText
from db.connection import Database, Transaction


async def create(
    db: Database,
    entry_id: str,
    topic: str,
    reviewed: str,
    language: str,
    text: EntryText,
) -> bool:
    """A new staff draft with its first language; False if the id is taken."""
    async with db.transaction() as connection:
        created_row = await connection.execute_rowcount(
            """
            INSERT INTO kb_entries (id, topic, reviewed, origin, status)
            VALUES (?, ?, ?, 'staff', 'draft')
            ON CONFLICT (id) DO NOTHING
            """,
            (entry_id, topic, reviewed),
        )
        created = created_row == 1
        if created:
            await _write_text(connection, entry_id, language, text)
    return created


async def _write_text(
    connection: Transaction, entry_id: str, language: str, text: EntryText
) -> None:
    await connection.execute(
        """
        INSERT INTO kb_texts (entry_id, language, title, answer, details, questions)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (entry_id, language) DO UPDATE SET
            title = excluded.title, answer = excluded.answer, details = excluded.details,
            questions = excluded.questions
        """,
        (
            entry_id,
            language,
            text.title,
            text.answer,
            text.details,
            json.dumps(list(text.questions), ensure_ascii=False),
        ),
    )


async def set_text(db: Database, entry_id: str, language: str, text: EntryText) -> bool:
    """Write one language of a draft; False if ``entry_id`` is not a staff draft."""
    async with db.transaction() as connection:
        found_row = await connection.fetch_one(
            "SELECT 1 FROM kb_entries WHERE id = ? AND origin = 'staff' AND status = 'draft'",
            (entry_id,),
        )
        found = found_row is not None
        if found:
            await _write_text(connection, entry_id, language, text)
    return found


async def set_topic(db: Database, entry_id: str, topic: str) -> bool:
    changed = await db.execute_rowcount(
        "UPDATE kb_entries SET topic = ? WHERE id = ? AND origin = 'staff' AND status = 'draft'",
        (topic, entry_id),
    )
    return changed == 1


async def get(db: Database, entry_id: str) -> Entry | None:
    """A staff entry (draft or published) with its texts."""
    row = await db.fetch_one(
        "SELECT id, topic, reviewed, status FROM kb_entries WHERE id = ? AND origin = 'staff'",
        (entry_id,),
    )
    if row is None:
        return None
    texts = {
        text["language"]: EntryText(
            title=text["title"],
            answer=text["answer"],
            details=text["details"],
            questions=tuple(json.loads(text["questions"])),
        )
        for text in await db.fetch_all(
            "SELECT language, title, answer, details, questions FROM kb_texts "
            "WHERE entry_id = ? ORDER BY language",
            (entry_id,),
        )
    }
    return Entry(
        id=row["id"],
        topic=row["topic"],
        reviewed=row["reviewed"],
        texts=texts,
        origin="staff",
        status=row["status"],
    )


async def draft_ids(db: Database) -> list[str]:
    rows = await db.fetch_all(
        "SELECT id FROM kb_entries WHERE origin = 'staff' AND status = 'draft' ORDER BY id"
    )
    return [row[0] for row in rows]


async def publish(db: Database, entry_id: str, reviewed: str, languages: Sequence[str]) -> bool:
    """Publish a draft, but only if it has a text in every one of ``languages``."""
    placeholders = ", ".join("?" for _ in languages)
    changed = await db.execute_rowcount(
        f"""
        UPDATE kb_entries SET status = 'published', reviewed = ?
        WHERE id = ? AND origin = 'staff' AND status = 'draft'
          AND (SELECT COUNT(DISTINCT language) FROM kb_texts
               WHERE entry_id = kb_entries.id AND language IN ({placeholders})) = ?
        """,
        (reviewed, entry_id, *languages, len(languages)),
    )
    return changed == 1


async def delete(db: Database, entry_id: str) -> bool:
    changed = await db.execute_rowcount(
        "DELETE FROM kb_entries WHERE id = ? AND origin = 'staff' AND status = 'draft'",
        (entry_id,),
    )
    return changed == 1
