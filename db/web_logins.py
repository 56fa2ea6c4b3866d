"""The web_logins table: one-time sign-in links for the staff web desk.

A link is redeemed by one conditional UPDATE, so two tabs (or a link preview racing the staff
member) can never both sign in with it: whoever marks it used first gets the user id.
"""

from __future__ import annotations

from db.connection import Database


async def create(
    db: Database, token_hash: str, user_id: int, created_at: str, expires_at: str
) -> None:
    await db.execute(
        "INSERT INTO web_logins (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (token_hash, user_id, created_at, expires_at),
    )


async def redeem(db: Database, token_hash: str, now: str) -> int | None:
    """Mark the link used and return its user id; None if unknown, used or expired."""
    row = await db.fetch_one(
        "UPDATE web_logins SET used_at = ? "
        "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id",
        (now, token_hash, now),
    )
    return int(row[0]) if row else None


async def purge(db: Database, before: str) -> int:
    """Forget links that expired before ``before`` (used or not)."""
    return await db.execute_rowcount("DELETE FROM web_logins WHERE expires_at < ?", (before,))
