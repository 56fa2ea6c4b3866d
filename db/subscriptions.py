"""The subscriptions table: which announcement topics each user opted in to.

``users.subscribed`` follows these rows through triggers (migration 0003), so it keeps its
old meaning, "subscribed to anything", for code that only needs that.
"""

from __future__ import annotations

from db.connection import Database


async def topics_of(db: Database, user_id: int) -> set[str]:
    rows = await db.fetch_all("SELECT topic FROM subscriptions WHERE user_id = ?", (user_id,))
    return {row[0] for row in rows}


async def add(db: Database, user_id: int, topic: str, now: str) -> None:
    await db.execute(
        "INSERT INTO subscriptions (user_id, topic, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, topic) DO NOTHING",
        (user_id, topic, now),
    )


async def remove(db: Database, user_id: int, topic: str) -> None:
    await db.execute("DELETE FROM subscriptions WHERE user_id = ? AND topic = ?", (user_id, topic))


async def clear(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM subscriptions WHERE user_id = ?", (user_id,))


async def count_by_topic(db: Database) -> dict[str, int]:
    """Subscribers per topic, leaving out users who blocked the bot."""
    rows = await db.fetch_all(
        """
        SELECT s.topic, COUNT(*) FROM subscriptions s JOIN users u ON u.id = s.user_id
        WHERE u.blocked = 0 GROUP BY s.topic
        """
    )
    return {row[0]: row[1] for row in rows}
