"""Synthetic users for benchmarks and load tests: many rows, one statement each.

Not used by the bot itself. It lives here because every SQL statement of the project does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from db.connection import Database


async def add_subscribers(
    db: Database, users: Sequence[tuple[int, str | None]], topics: Sequence[str], now: str
) -> None:
    """Create ``(user_id, language_code)`` users subscribed to ``topics``."""
    payload = json.dumps([[user_id, code] for user_id, code in users])
    await db.execute(
        """
        INSERT OR IGNORE INTO users (id, first_name, language_code, first_seen, last_seen)
        SELECT json_extract(value, '$[0]'), 'Bench', json_extract(value, '$[1]'), ?, ?
        FROM json_each(?)
        """,
        (now, now, payload),
    )
    for topic in topics:
        await db.execute(
            """
            INSERT OR IGNORE INTO subscriptions (user_id, topic, created_at)
            SELECT json_extract(value, '$[0]'), ?, ? FROM json_each(?)
            """,
            (topic, now, payload),
        )
