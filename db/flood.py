"""The flood_buckets table: per-user token buckets shared by every worker (PostgreSQL).

One statement per message does the whole bucket step (refill, take a token or record the
warning) as an upsert: the row lock that ``ON CONFLICT DO UPDATE`` takes serialises two
workers counting the same user at the same moment, so neither loses the other's message.
The arithmetic mirrors :class:`bot.flood.MemoryBuckets`; the verdict comes back as text.
"""

from __future__ import annotations

from db.connection import Database

_CHECK = """
INSERT INTO flood_buckets AS b (user_id, tokens, updated, warned, verdict)
VALUES (:user_id, :burst - 1, :now, 0, 'allow')
ON CONFLICT (user_id) DO UPDATE SET
    tokens = CASE
        WHEN LEAST(:burst, b.tokens + GREATEST(:now - b.updated, 0) * :rate) >= 1
        THEN LEAST(:burst, b.tokens + GREATEST(:now - b.updated, 0) * :rate) - 1
        ELSE LEAST(:burst, b.tokens + GREATEST(:now - b.updated, 0) * :rate)
    END,
    updated = GREATEST(b.updated, :now),
    warned = CASE
        WHEN LEAST(:burst, b.tokens + GREATEST(:now - b.updated, 0) * :rate) >= 1 THEN 0
        ELSE 1
    END,
    verdict = CASE
        WHEN LEAST(:burst, b.tokens + GREATEST(:now - b.updated, 0) * :rate) >= 1 THEN 'allow'
        WHEN b.warned = 1 THEN 'hold'
        ELSE 'warn'
    END
RETURNING verdict
"""


async def check(db: Database, user_id: int, now: float, rate: float, burst: int) -> str:
    """One message from ``user_id`` at ``now``: ``'allow'``, ``'warn'`` or ``'hold'``."""
    row = await db.fetch_one(
        _CHECK,
        {"user_id": user_id, "now": float(now), "rate": float(rate), "burst": float(burst)},
    )
    return str(row["verdict"]) if row else "allow"


async def forget_idle(db: Database, cutoff: float) -> int:
    """Drop buckets untouched since ``cutoff``: a full bucket is the same as no row."""
    return await db.execute_rowcount(
        "DELETE FROM flood_buckets WHERE updated < ?", (float(cutoff),)
    )
