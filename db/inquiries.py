"""The inquiries table: every question a user sends, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database

STATUSES = (
    "open",
    "auto_answered",
    "answered",
    "resolved",
    "spam",
    "pending_choice",
    "small_talk",
)
"""``pending_choice``: the user was offered entries to tap and has not yet; ``small_talk``:
thanks, greetings and the like, logged but never work for staff."""

QUESTIONS_ONLY = "status != 'small_talk'"
"""The statistics count questions; small talk is logged but is not one."""


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
    status: str = "open",
) -> int:
    """Store a message before anything else happens to it: a question as ``open`` (waiting
    for staff until the bot answers it), small talk as ``small_talk``."""
    row = await db.fetch_one(
        """
        INSERT INTO inquiries (user_id, chat_id, message_id, language, question, created_at,
                               status)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        RETURNING id
        """,
        (user_id, chat_id, message_id, language, question, now, status),
    )
    assert row is not None
    return int(row[0])


async def set_best_guess(
    db: Database, inquiry_id: int, entry_id: str | None, score: float | None, topic: str | None
) -> None:
    await db.execute(
        "UPDATE inquiries SET entry_id = ?, score = ?, topic = ? WHERE id = ?",
        (entry_id, score, topic, inquiry_id),
    )


async def await_choice(
    db: Database, inquiry_id: int, entry_id: str, score: float, topic: str | None
) -> None:
    """The user was offered entries to tap: the inquiry waits as ``pending_choice``, with the
    bot's best guess, instead of landing in the staff inbox."""
    await db.execute(
        """
        UPDATE inquiries SET status = 'pending_choice', entry_id = ?, score = ?, topic = ?
        WHERE id = ? AND status = 'open'
        """,
        (entry_id, score, topic, inquiry_id),
    )


async def release_choice(db: Database, inquiry_id: int) -> bool:
    """The user wants staff after all ("none of these"): ``pending_choice`` becomes ``open``.
    False if it was not waiting (already released, answered or expired)."""
    changed = await db.execute_rowcount(
        "UPDATE inquiries SET status = 'open' WHERE id = ? AND status = 'pending_choice'",
        (inquiry_id,),
    )
    return changed == 1


async def expire_choices(db: Database, asked_before: str) -> list[int]:
    """Choice prompts asked before ``asked_before`` and never tapped go to staff as ``open``;
    returns their ids, oldest first. One statement, so a restart between two sweeps can
    neither lose a prompt nor release it twice."""
    rows = await db.fetch_all(
        """
        UPDATE inquiries SET status = 'open'
        WHERE status = 'pending_choice' AND created_at < ?
        RETURNING id
        """,
        (asked_before,),
    )
    return sorted(int(row[0]) for row in rows)


async def mark_auto_answered(
    db: Database, inquiry_id: int, entry_id: str, topic: str, score: float | None = None
) -> None:
    """Only an inquiry still waiting (``open``, or ``pending_choice`` when the user tapped an
    offered entry) becomes auto-answered: a staff answer is never overwritten. ``score``
    (when given) is the retrieval score, recorded in the same write."""
    await db.execute(
        """
        UPDATE inquiries SET status = 'auto_answered', entry_id = ?, topic = ?,
                             score = COALESCE(?, score)
        WHERE id = ? AND status IN ('open', 'pending_choice')
        """,
        (entry_id, topic, score, inquiry_id),
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


# -- the staff desk ------------------------------------------------------------------------
ANSWERABLE = ("open", "auto_answered")
"""Statuses a staff answer may claim: an automatic answer can still be improved on."""


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """What the inbox shows; ``None`` means any. ``topic=""`` means "no topic known"."""

    status: str | None = "open"
    topic: str | None = None
    language: str | None = None
    since: str | None = None
    """Created at or after this UTC timestamp (the web desk's date filter)."""
    until: str | None = None
    """Created before this UTC timestamp."""
    search: str | None = None
    """Words the question contains (case-insensitive for ASCII letters, as SQLite's LIKE)."""


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own ``%`` and ``_`` literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_CONTAINS = {
    "sqlite": "question LIKE ? ESCAPE '\\'",
    "postgresql": "question ILIKE ? ESCAPE '\\'",
}
"""The desk's word search: SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's
ILIKE does the same (for every letter)."""


def _desk_where(desk_filter: DeskFilter, dialect: str) -> tuple[str, list[object]]:
    """A WHERE clause from fixed fragments; only the values are parameters."""
    clauses = ["anonymised_at IS NULL"]
    values: list[object] = []
    if desk_filter.status is not None:
        clauses.append("status = ?")
        values.append(desk_filter.status)
    if desk_filter.topic == "":
        clauses.append("topic IS NULL")
    elif desk_filter.topic is not None:
        clauses.append("topic = ?")
        values.append(desk_filter.topic)
    if desk_filter.language is not None:
        clauses.append("language = ?")
        values.append(desk_filter.language)
    if desk_filter.since is not None:
        clauses.append("created_at >= ?")
        values.append(desk_filter.since)
    if desk_filter.until is not None:
        clauses.append("created_at < ?")
        values.append(desk_filter.until)
    if desk_filter.search:
        clauses.append(_CONTAINS[dialect])
        values.append(like_pattern(desk_filter.search))
    return " AND ".join(clauses), values


async def desk_page(
    db: Database, desk_filter: DeskFilter, limit: int, offset: int
) -> list[InquiryRecord]:
    """Inquiries matching ``desk_filter``, oldest first (the longest wait is served first)."""
    where, values = _desk_where(desk_filter, db.dialect)
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM inquiries WHERE {where} ORDER BY created_at, id LIMIT ? OFFSET ?",
        (*values, limit, offset),
    )
    return [_record(row) for row in rows]


async def desk_count(db: Database, desk_filter: DeskFilter) -> int:
    where, values = _desk_where(desk_filter, db.dialect)
    row = await db.fetch_one(f"SELECT COUNT(*) FROM inquiries WHERE {where}", values)
    return int(row[0]) if row else 0


async def claim_answer(
    db: Database, inquiry_id: int, staff_id: int, answer: str, now: str
) -> bool:
    """Mark the inquiry answered by ``staff_id`` *before* the answer is sent.

    One statement, so of two staff members answering at once exactly one gets True and sends;
    the other is told it is taken. :func:`release_answer` undoes a claim whose send failed.
    """
    changed = await db.execute_rowcount(
        """
        UPDATE inquiries
        SET status = 'answered', answer = ?, answered_by = ?, answered_at = ?
        WHERE id = ? AND status IN ('open', 'auto_answered')
          AND user_id IS NOT NULL AND anonymised_at IS NULL
        """,
        (answer, staff_id, now, inquiry_id),
    )
    return changed == 1


async def release_answer(db: Database, inquiry_id: int, staff_id: int, claimed_at: str) -> bool:
    """Give back a claim whose answer never reached the user: the inquiry is open again."""
    changed = await db.execute_rowcount(
        """
        UPDATE inquiries
        SET status = 'open', answer = NULL, answered_by = NULL, answered_at = NULL
        WHERE id = ? AND status = 'answered' AND answered_by = ? AND answered_at = ?
        """,
        (inquiry_id, staff_id, claimed_at),
    )
    return changed == 1


async def set_status(
    db: Database, inquiry_id: int, status: str, allowed_from: tuple[str, ...]
) -> bool:
    """Move the inquiry to ``status`` only from one of ``allowed_from``."""
    placeholders = ", ".join("?" for _ in allowed_from)
    changed = await db.execute_rowcount(
        f"UPDATE inquiries SET status = ? WHERE id = ? AND status IN ({placeholders})",
        (status, inquiry_id, *allowed_from),
    )
    return changed == 1


async def recent_for_user(db: Database, user_id: int, limit: int) -> list[InquiryRecord]:
    """The user's newest ``limit`` inquiries, newest first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM inquiries WHERE user_id = ? ORDER BY created_at DESC, id DESC "
        "LIMIT ?",
        (user_id, limit),
    )
    return [_record(row) for row in rows]


async def count_for_user(db: Database, user_id: int) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM inquiries WHERE user_id = ?", (user_id,))
    return int(row[0]) if row else 0


# -- statistics ------------------------------------------------------------------------------
GROUPABLE = ("topic", "language", "status")
"""Columns the statistics may group by (column names cannot be bound parameters)."""


_DAILY_COUNTS = {
    "sqlite": """
        SELECT date(created_at, ?) AS day, COUNT(*) FROM inquiries
        WHERE created_at >= ? AND status != 'small_talk' GROUP BY day
    """,
    "postgresql": """
        SELECT to_char((created_at::timestamptz + CAST(? AS TEXT)::interval) AT TIME ZONE 'UTC',
                       'YYYY-MM-DD') AS day, COUNT(*)
        FROM inquiries WHERE created_at >= ? AND status != 'small_talk' GROUP BY day
    """,
}
"""Questions (not small talk: :data:`QUESTIONS_ONLY`) per local day, in each dialect."""


async def daily_counts(db: Database, since: str, utc_offset: str) -> dict[str, int]:
    """Inquiries per local calendar day since ``since``; ``utc_offset`` like ``'+7 hours'``."""
    rows = await db.fetch_all(_DAILY_COUNTS[db.dialect], (utc_offset, since))
    return {row[0]: int(row[1]) for row in rows}


async def counts_by(db: Database, column: str, since: str) -> dict[str | None, int]:
    if column not in GROUPABLE:
        raise ValueError(f"cannot group inquiries by {column!r}")
    rows = await db.fetch_all(
        f"SELECT {column}, COUNT(*) FROM inquiries WHERE created_at >= ? AND {QUESTIONS_ONLY} "
        f"GROUP BY {column}",
        (since,),
    )
    return {row[0]: int(row[1]) for row in rows}


async def staff_answer_times(db: Database, since: str) -> list[tuple[str, str]]:
    """``(created_at, answered_at)`` of every staff-answered inquiry asked since ``since``."""
    rows = await db.fetch_all(
        """
        SELECT created_at, answered_at FROM inquiries
        WHERE answered_by IS NOT NULL AND answered_at IS NOT NULL AND created_at >= ?
        """,
        (since,),
    )
    return [(row[0], row[1]) for row in rows]


async def oldest_open(db: Database) -> str | None:
    row = await db.fetch_one("SELECT MIN(created_at) FROM inquiries WHERE status = 'open'")
    return row[0] if row else None


# -- export ----------------------------------------------------------------------------------
async def for_export(
    db: Database, status: str | None, since: str | None, until: str | None
) -> list[InquiryRecord]:
    """Inquiries created in ``[since, until)`` (UTC, either end open), oldest first."""
    clauses, values = ["1 = 1"], []
    if status is not None:
        clauses.append("status = ?")
        values.append(status)
    if since is not None:
        clauses.append("created_at >= ?")
        values.append(since)
    if until is not None:
        clauses.append("created_at < ?")
        values.append(until)
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM inquiries WHERE {' AND '.join(clauses)} ORDER BY created_at, id",
        values,
    )
    return [_record(row) for row in rows]
