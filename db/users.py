"""The users table: who talks to the bot, their language choice and subscription."""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    language: str | None
    subscribed: bool
    blocked: bool
    first_seen: str
    last_seen: str


_COLUMNS = (
    "id, first_name, last_name, username, language_code, language, subscribed, blocked, "
    "first_seen, last_seen"
)


def _record(row) -> UserRecord:
    return UserRecord(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        language=row["language"],
        subscribed=bool(row["subscribed"]),
        blocked=bool(row["blocked"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
    )


async def touch(
    db: Database,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    now: str,
) -> UserRecord:
    """Insert or refresh a user seen in an update; a user who writes is no longer blocked."""
    row = await db.fetch_one(
        f"""
        INSERT INTO users (id, first_name, last_name, username, language_code,
                           first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            first_name = excluded.first_name,
            last_name = excluded.last_name,
            username = excluded.username,
            language_code = COALESCE(excluded.language_code, users.language_code),
            last_seen = excluded.last_seen,
            blocked = 0
        RETURNING {_COLUMNS}
        """,
        (user_id, first_name, last_name, username, language_code, now, now),
    )
    assert row is not None
    return _record(row)


async def get(db: Database, user_id: int) -> UserRecord | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
    return _record(row) if row else None


async def set_language(db: Database, user_id: int, language: str) -> None:
    await db.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))


async def set_subscribed(db: Database, user_id: int, subscribed: bool) -> None:
    await db.execute("UPDATE users SET subscribed = ? WHERE id = ?", (int(subscribed), user_id))


async def set_blocked(db: Database, user_id: int, blocked: bool) -> None:
    """A user who blocks the bot is also unsubscribed: they opted out of everything."""
    if blocked:
        await db.execute("UPDATE users SET blocked = 1, subscribed = 0 WHERE id = ?", (user_id,))
    else:
        await db.execute("UPDATE users SET blocked = 0 WHERE id = ?", (user_id,))
