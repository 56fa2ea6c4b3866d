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
    await db.execute(_USERS[db.dialect], (now, now, payload))
    for topic in topics:
        await db.execute(_SUBSCRIPTIONS[db.dialect], (topic, now, payload))


_USERS = {
    "sqlite": """
        INSERT INTO users (id, first_name, language_code, first_seen, last_seen)
        SELECT json_extract(value, '$[0]'), 'Bench', json_extract(value, '$[1]'), ?, ?
        FROM json_each(?) WHERE true
        ON CONFLICT (id) DO NOTHING
    """,
    "postgresql": """
        INSERT INTO users (id, first_name, language_code, first_seen, last_seen)
        SELECT (value->>0)::bigint, 'Bench', value->>1, ?, ?
        FROM jsonb_array_elements(?::jsonb)
        ON CONFLICT (id) DO NOTHING
    """,
}
_SUBSCRIPTIONS = {
    "sqlite": """
        INSERT INTO subscriptions (user_id, topic, created_at)
        SELECT json_extract(value, '$[0]'), ?, ? FROM json_each(?) WHERE true
        ON CONFLICT (user_id, topic) DO NOTHING
    """,
    "postgresql": """
        INSERT INTO subscriptions (user_id, topic, created_at)
        SELECT (value->>0)::bigint, ?, ? FROM jsonb_array_elements(?::jsonb)
        ON CONFLICT (user_id, topic) DO NOTHING
    """,
}
