"""The broadcasts and broadcast_deliveries tables: announcements and their durable queue.

Every statement here is a single statement, so it is its own transaction: the sender shares
the process's one connection with the handlers and must never hold it across an ``await``.
Lists of ids and outcomes travel as one JSON parameter (``json_each`` on SQLite,
``jsonb_array_elements`` on PostgreSQL), which keeps a batch to one statement and one disk
sync however many rows it touches. Statements that differ between the dialects sit side by
side in dicts keyed by ``db.dialect``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from db import named
from db.connection import Database

ACTIVE = ("sending", "paused")
FINISHED = ("done", "cancelled")


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    kind: str
    priority: int
    texts: dict[str, str]
    primary_language: str
    audience: str
    audience_value: str | None
    training_id: int | None
    status: str
    send_at: str
    queue_cursor: int
    queued: bool
    created_by: int | None
    progress_message_id: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    reported_at: str | None
    reminder_key: str | None


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    id: int
    broadcast_id: int
    user_id: int
    locale: str
    attempts: int


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """What became of one claimed row: its new status and, for a retry, when."""

    id: int
    status: str  # pending | sent | failed | blocked
    attempts: int
    next_attempt_at: str = ""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AudienceMember:
    user_id: int
    language: str | None
    language_code: str | None


_COLUMNS = (
    "id, kind, priority, texts, primary_language, audience, audience_value, training_id, status, "
    "send_at, queue_cursor, queued, created_by, progress_message_id, created_at, started_at, "
    "finished_at, reported_at, reminder_key"
)


def _broadcast(row: Any) -> BroadcastRow:
    values = dict(row)
    values["texts"] = json.loads(values["texts"])
    values["queued"] = bool(values["queued"])
    return BroadcastRow(**values)


async def create(
    db: Database,
    *,
    kind: str,
    priority: int,
    texts: dict[str, str],
    primary_language: str,
    audience: str,
    audience_value: str | None,
    training_id: int | None,
    status: str,
    send_at: str,
    created_by: int | None,
    now: str,
    reminder_key: str | None = None,
) -> int:
    """Insert a broadcast, texts included, in one statement; returns its id.

    A reminder carries a unique ``reminder_key``: creating it twice (after a restart, say)
    inserts nothing and returns 0.
    """
    row = await named.fetch_one(
        db,
        """
        INSERT INTO broadcasts (kind, priority, texts, primary_language, audience,
                                audience_value, training_id, status, send_at, created_by,
                                created_at, started_at, reminder_key)
        VALUES (:kind, :priority, :texts, :primary_language, :audience, :audience_value,
                :training_id, :status, :send_at, :created_by, :now,
                CASE WHEN :status = 'sending' THEN :now END, :reminder_key)
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        {
            "kind": kind,
            "priority": priority,
            "texts": json.dumps(texts, ensure_ascii=False, sort_keys=True),
            "primary_language": primary_language,
            "audience": audience,
            "audience_value": audience_value,
            "training_id": training_id,
            "status": status,
            "send_at": send_at,
            "created_by": created_by,
            "now": now,
            "reminder_key": reminder_key,
        },
    )
    return int(row[0]) if row else 0


async def get(db: Database, broadcast_id: int) -> BroadcastRow | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def recent(db: Database, limit: int) -> list[BroadcastRow]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [_broadcast(row) for row in rows]


async def active(db: Database) -> list[BroadcastRow]:
    """Broadcasts being sent or paused, in the order the sender serves them."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ('sending', 'paused') "
        "ORDER BY priority, id"
    )
    return [_broadcast(row) for row in rows]


async def unreported(db: Database) -> list[BroadcastRow]:
    """Finished broadcasts whose author has not had the final report yet."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status IN ('done', 'cancelled') "
        "AND reported_at IS NULL ORDER BY id"
    )
    return [_broadcast(row) for row in rows]


async def mark_reported(db: Database, broadcast_id: int, now: str) -> None:
    await db.execute("UPDATE broadcasts SET reported_at = ? WHERE id = ?", (now, broadcast_id))


async def set_status(
    db: Database, broadcast_id: int, status: str, allowed_from: Sequence[str], now: str
) -> bool:
    """Move a broadcast to ``status`` only from one of ``allowed_from`` (one statement)."""
    placeholders = ", ".join("?" for _ in allowed_from)
    changed = await db.execute_rowcount(
        f"""
        UPDATE broadcasts SET status = ?,
            started_at = CASE WHEN ? = 'sending' THEN COALESCE(started_at, ?) ELSE started_at END,
            finished_at = CASE WHEN ? IN ('done', 'cancelled') THEN ? ELSE finished_at END
        WHERE id = ? AND status IN ({placeholders})
        """,
        (status, status, now, status, now, broadcast_id, *allowed_from),
    )
    return changed == 1


async def promote_due(db: Database, now: str) -> int:
    """Scheduled broadcasts whose time has come start sending."""
    return await db.execute_rowcount(
        """
        UPDATE broadcasts SET status = 'sending', started_at = ?
        WHERE status = 'scheduled' AND send_at <= ?
        """,
        (now, now),
    )


async def next_scheduled(db: Database) -> str | None:
    row = await db.fetch_one("SELECT MIN(send_at) FROM broadcasts WHERE status = 'scheduled'")
    return row[0] if row else None


async def set_progress_message(db: Database, broadcast_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
    )


# -- the audience --------------------------------------------------------------------------

_AUDIENCE_SQL = {
    "all": """
        SELECT id, language, language_code FROM users
        WHERE subscribed = 1 AND blocked = 0 AND id > :after ORDER BY id LIMIT :limit
    """,
    "language": """
        SELECT id, language, language_code FROM users
        WHERE subscribed = 1 AND blocked = 0 AND id > :after ORDER BY id LIMIT :limit
    """,
    "topic": """
        SELECT u.id, u.language, u.language_code
        FROM subscriptions s JOIN users u ON u.id = s.user_id
        WHERE s.topic = :value AND u.blocked = 0 AND s.user_id > :after
        ORDER BY s.user_id LIMIT :limit
    """,
    "training": """
        SELECT u.id, u.language, u.language_code
        FROM registrations r JOIN users u ON u.id = r.user_id
        WHERE r.training_id = :training_id AND u.blocked = 0 AND r.user_id > :after
        ORDER BY r.user_id LIMIT :limit
    """,
}
"""Who an audience is, in user-id order so it can be walked in chunks. "language" is every
subscriber here; the language filter needs the locale resolution in :mod:`bot.i18n`."""


async def audience_chunk(
    db: Database,
    audience: str,
    value: str | None,
    training_id: int | None,
    after: int,
    limit: int,
) -> list[AudienceMember]:
    rows = await named.fetch_all(
        db,
        _AUDIENCE_SQL[audience],
        {"value": value, "training_id": training_id, "after": after, "limit": limit},
    )
    return [AudienceMember(row[0], row[1], row[2]) for row in rows]


async def audience_languages(
    db: Database, audience: str, value: str | None, training_id: int | None
) -> list[tuple[str | None, str | None, int]]:
    """``(language, language_code, count)`` groups of an audience, to estimate its size."""
    inner = _AUDIENCE_SQL[audience].replace("LIMIT :limit", "")
    rows = await named.fetch_all(
        db,
        f"SELECT language, language_code, COUNT(*) FROM ({inner}) AS audience "
        "GROUP BY language, language_code",
        {"value": value, "training_id": training_id, "after": 0},
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def add_recipients(
    db: Database, broadcast_id: int, recipients: Iterable[tuple[int, str]]
) -> int:
    """Queue ``(user_id, locale)`` pairs; already queued users are skipped, so re-running a
    chunk after a crash adds nothing twice."""
    payload = json.dumps([[user_id, locale] for user_id, locale in recipients])
    return await db.execute_rowcount(_ADD_RECIPIENTS[db.dialect], (broadcast_id, payload))


_ADD_RECIPIENTS = {
    "sqlite": """
        INSERT INTO broadcast_deliveries (broadcast_id, user_id, locale)
        SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
        WHERE true
        ON CONFLICT (broadcast_id, user_id) DO NOTHING
    """,
    "postgresql": """
        INSERT INTO broadcast_deliveries (broadcast_id, user_id, locale)
        SELECT ?, (value->>0)::bigint, value->>1 FROM jsonb_array_elements(?::jsonb)
        ON CONFLICT (broadcast_id, user_id) DO NOTHING
    """,
}
"""``WHERE true``: SQLite needs it to tell ``ON CONFLICT`` from a join constraint."""


async def advance_cursor(db: Database, broadcast_id: int, cursor: int, finished: bool) -> None:
    await db.execute(
        "UPDATE broadcasts SET queue_cursor = ?, queued = ? WHERE id = ?",
        (cursor, int(finished), broadcast_id),
    )


# -- the queue -----------------------------------------------------------------------------


_CLAIM = {
    "sqlite": """
        UPDATE broadcast_deliveries SET status = 'sending', claimed_at = ?, claimed_by = ?
        WHERE id IN (
            SELECT id FROM broadcast_deliveries
            WHERE broadcast_id = ? AND status = 'pending' AND next_attempt_at <= ?
            ORDER BY id LIMIT ?
        )
        RETURNING id, broadcast_id, user_id, locale, attempts
    """,
    "postgresql": """
        UPDATE broadcast_deliveries SET status = 'sending', claimed_at = ?, claimed_by = ?
        WHERE id IN (
            SELECT id FROM broadcast_deliveries
            WHERE broadcast_id = ? AND status = 'pending' AND next_attempt_at <= ?
            ORDER BY id LIMIT ?
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, broadcast_id, user_id, locale, attempts
    """,
}
"""On PostgreSQL several workers' senders claim from one queue at once: ``SKIP LOCKED`` lets
each take rows no other is taking, so no row is claimed (and sent) twice and no sender waits.
SQLite has one writer, and a deployment on SQLite runs one sender."""


async def claim(
    db: Database, broadcast_id: int, now: str, limit: int, worker: str = ""
) -> list[ClaimedRow]:
    """Mark up to ``limit`` due rows ``sending`` by ``worker`` and return them, oldest first."""
    rows = await db.fetch_all(_CLAIM[db.dialect], (now, worker, broadcast_id, now, limit))
    return sorted((ClaimedRow(*row) for row in rows), key=lambda claimed: claimed.id)


async def record_outcomes(db: Database, outcomes: Sequence[OutcomeRow], now: str) -> int:
    """Write a batch of outcomes in one statement (one transaction, one disk sync)."""
    if not outcomes:
        return 0
    payload = json.dumps(
        [[o.id, o.status, o.attempts, o.next_attempt_at, o.error] for o in outcomes]
    )
    return await db.execute_rowcount(_RECORD_OUTCOMES[db.dialect], (now, payload))


_RECORD_OUTCOMES = {
    "sqlite": """
        UPDATE broadcast_deliveries
        SET status = o.status, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
            error = o.error, claimed_at = NULL, claimed_by = NULL,
            done_at = CASE WHEN o.status = 'pending' THEN NULL ELSE ? END
        FROM (
            SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS status,
                   json_extract(value, '$[2]') AS attempts,
                   json_extract(value, '$[3]') AS next_attempt_at,
                   json_extract(value, '$[4]') AS error
            FROM json_each(?)
        ) AS o
        WHERE broadcast_deliveries.id = o.id
    """,
    "postgresql": """
        UPDATE broadcast_deliveries
        SET status = o.status, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
            error = o.error, claimed_at = NULL, claimed_by = NULL,
            done_at = CASE WHEN o.status = 'pending' THEN NULL ELSE ?::text END
        FROM (
            SELECT (value->>0)::bigint AS id, value->>1 AS status,
                   (value->>2)::bigint AS attempts, value->>3 AS next_attempt_at,
                   value->>4 AS error
            FROM jsonb_array_elements(?::jsonb)
        ) AS o
        WHERE broadcast_deliveries.id = o.id
    """,
}


async def recover_in_flight(db: Database, worker: str = "") -> int:
    """At start-up: rows this worker claimed before it died go back to the queue.

    Only its own (``claimed_by``): on PostgreSQL other workers may be sending right now, and
    their rows are theirs. A worker that never comes back leaves its rows to
    :func:`requeue_stale`. On SQLite there is one sender, whose worker name is ``""``.
    """
    return await db.execute_rowcount(
        "UPDATE broadcast_deliveries SET status = 'pending', claimed_at = NULL, claimed_by = NULL "
        "WHERE status = 'sending' AND COALESCE(claimed_by, '') = ?",
        (worker,),
    )


async def requeue_stale(db: Database, claimed_before: str) -> int:
    """Rows claimed long ago whose outcome was never written (a lost write) are retried."""
    return await db.execute_rowcount(
        "UPDATE broadcast_deliveries SET status = 'pending', claimed_at = NULL, claimed_by = NULL "
        "WHERE status = 'sending' AND claimed_at < ?",
        (claimed_before,),
    )


async def counts(db: Database, broadcast_id: int) -> dict[str, int]:
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) FROM broadcast_deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    return {row[0]: row[1] for row in rows}


async def finish_if_complete(db: Database, broadcast_id: int, now: str) -> bool:
    """A sending broadcast with everyone queued and nothing left to send becomes ``done``."""
    changed = await db.execute_rowcount(
        """
        UPDATE broadcasts SET status = 'done', finished_at = ?
        WHERE id = ? AND status = 'sending' AND queued = 1
          AND NOT EXISTS (
              SELECT 1 FROM broadcast_deliveries
              WHERE broadcast_id = ? AND status IN ('pending', 'sending')
          )
        """,
        (now, broadcast_id, broadcast_id),
    )
    return changed == 1


async def next_retry(db: Database) -> str | None:
    """When the earliest postponed row of a sending broadcast becomes due."""
    row = await db.fetch_one(
        """
        SELECT MIN(d.next_attempt_at) FROM broadcast_deliveries d
        JOIN broadcasts b ON b.id = d.broadcast_id
        WHERE b.status = 'sending' AND d.status = 'pending'
        """
    )
    return row[0] if row else None


async def deliveries_of(db: Database, broadcast_id: int) -> list[dict[str, Any]]:
    """Every row of one broadcast (tests and the benchmark check them)."""
    rows = await db.fetch_all(
        "SELECT id, user_id, locale, status, attempts, error FROM broadcast_deliveries "
        "WHERE broadcast_id = ? ORDER BY id",
        (broadcast_id,),
    )
    return [dict(row) for row in rows]
