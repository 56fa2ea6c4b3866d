"""The inquiries table: every question a user sends, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database

STATUSES = ("open", "auto_answered", "answered", "resolved", "spam")


@dataclass(frozen=True, slots=True)
class InquiryRecord:
    id: int
    user_id: int | None
    chat_id: int
    message_id: int | None
    language: str
    question: str
    created_at: str
    status: str
    entry_id: str | None
    score: float | None
    topic: str | None
    answer: str | None
    answered_by: int | None
    answered_at: str | None
    helpful: bool | None


_COLUMNS = (
    "id, user_id, chat_id, message_id, language, question, created_at, status, entry_id, "
    "score, topic, answer, answered_by, answered_at, helpful"
)


def _record(row) -> InquiryRecord:
    values = dict(row)
    helpful = values.pop("helpful")
    return InquiryRecord(**values, helpful=None if helpful is None else bool(helpful))


async def insert(
    db: Database,
    user_id: int,
    chat_id: int,
    message_id: int | None,
    language: str,
    question: str,
    now: str,
) -> int:
    """Store a question as ``open`` (waiting for staff) before anything else happens to it."""
    return await db.execute(
        """
        INSERT INTO inquiries (user_id, chat_id, message_id, language, question, created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        (user_id, chat_id, message_id, language, question, now),
    )


async def set_best_guess(
    db: Database, inquiry_id: int, entry_id: str | None, score: float | None, topic: str | None
) -> None:
    await db.execute(
        "UPDATE inquiries SET entry_id = ?, score = ?, topic = ? WHERE id = ?",
        (entry_id, score, topic, inquiry_id),
    )


async def mark_auto_answered(db: Database, inquiry_id: int, entry_id: str, topic: str) -> None:
    """Only an open inquiry becomes auto-answered: a staff answer is never overwritten."""
    await db.execute(
        """
        UPDATE inquiries SET status = 'auto_answered', entry_id = ?, topic = ?
        WHERE id = ? AND status = 'open'
        """,
        (entry_id, topic, inquiry_id),
    )


async def set_helpful(db: Database, inquiry_id: int, user_id: int, helpful: bool) -> bool:
    """Record the user's verdict; an unhelpful automatic answer goes back to staff.

    Returns False when the inquiry is not this user's (callback data is never trusted).
    """
    changed = await db.execute_rowcount(
        """
        UPDATE inquiries
        SET helpful = ?,
            status = CASE WHEN ? = 0 AND status = 'auto_answered' THEN 'open' ELSE status END
        WHERE id = ? AND user_id = ?
        """,
        (int(helpful), int(helpful), inquiry_id, user_id),
    )
    return changed == 1


async def get(db: Database, inquiry_id: int) -> InquiryRecord | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM inquiries WHERE id = ?", (inquiry_id,))
    return _record(row) if row else None


async def for_user(db: Database, user_id: int) -> list[InquiryRecord]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM inquiries WHERE user_id = ? ORDER BY created_at, id", (user_id,)
    )
    return [_record(row) for row in rows]


async def count_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM inquiries GROUP BY status")
    return {row[0]: row[1] for row in rows}
