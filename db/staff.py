"""The staff tables: roles granted in the bot, their audit trail, desk steps and group posts."""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True, slots=True)
class StaffRow:
    user_id: int
    first_name: str
    username: str | None
    added_by: int
    added_at: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: str
    actor_id: int
    action: str
    target_id: int


@dataclass(frozen=True, slots=True)
class StepRow:
    user_id: int
    kind: str
    inquiry_id: int | None
    entry_id: str | None
    language: str | None
    draft: str | None
    started_at: str


# -- roles -----------------------------------------------------------------------------------
async def is_staff(db: Database, user_id: int) -> bool:
    row = await db.fetch_one("SELECT 1 FROM staff WHERE user_id = ?", (user_id,))
    return row is not None


async def add(db: Database, user_id: int, actor_id: int, now: str) -> bool:
    """Grant the role and log it in one transaction; False if they already had it."""
    async with db.transaction() as connection:
        added_row = await connection.execute_rowcount(
            "INSERT INTO staff (user_id, added_by, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO NOTHING",
            (user_id, actor_id, now),
        )
        added = added_row == 1
        if added:
            await connection.execute(
                "INSERT INTO staff_audit (at, actor_id, action, target_id) "
                "VALUES (?, ?, 'add', ?)",
                (now, actor_id, user_id),
            )
    return added


async def remove(db: Database, user_id: int, actor_id: int, now: str) -> bool:
    """Withdraw the role and log it in one transaction; False if they did not have it."""
    async with db.transaction() as connection:
        removed_row = await connection.execute_rowcount(
            "DELETE FROM staff WHERE user_id = ?", (user_id,)
        )
        removed = removed_row == 1
        if removed:
            await connection.execute("DELETE FROM staff_steps WHERE user_id = ?", (user_id,))
            await connection.execute(
                "INSERT INTO staff_audit (at, actor_id, action, target_id) "
                "VALUES (?, ?, 'remove', ?)",
                (now, actor_id, user_id),
            )
    return removed


async def members(db: Database) -> list[StaffRow]:
    rows = await db.fetch_all(
        """
        SELECT staff.user_id, users.first_name, users.username, staff.added_by, staff.added_at
        FROM staff JOIN users ON users.id = staff.user_id
        ORDER BY staff.added_at, staff.user_id
        """
    )
    return [StaffRow(**dict(row)) for row in rows]


async def audit(db: Database, limit: int) -> list[AuditRow]:
    """The newest ``limit`` role changes, newest first."""
    rows = await db.fetch_all(
        "SELECT at, actor_id, action, target_id FROM staff_audit ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [AuditRow(**dict(row)) for row in rows]


# -- desk steps ------------------------------------------------------------------------------
async def set_step(
    db: Database,
    user_id: int,
    kind: str,
    now: str,
    *,
    inquiry_id: int | None = None,
    entry_id: str | None = None,
    language: str | None = None,
) -> None:
    """Start a step, replacing any unfinished one (a staff member does one thing at a time)."""
    await db.execute(
        """
        INSERT INTO staff_steps (user_id, kind, inquiry_id, entry_id, language, draft,
                                 started_at)
        VALUES (?, ?, ?, ?, ?, NULL, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            kind = excluded.kind, inquiry_id = excluded.inquiry_id,
            entry_id = excluded.entry_id, language = excluded.language, draft = NULL,
            started_at = excluded.started_at
        """,
        (user_id, kind, inquiry_id, entry_id, language, now),
    )


async def get_step(db: Database, user_id: int) -> StepRow | None:
    row = await db.fetch_one(
        """
        SELECT user_id, kind, inquiry_id, entry_id, language, draft, started_at
        FROM staff_steps WHERE user_id = ?
        """,
        (user_id,),
    )
    return StepRow(**dict(row)) if row else None


async def set_draft(db: Database, user_id: int, draft: str) -> None:
    await db.execute("UPDATE staff_steps SET draft = ? WHERE user_id = ?", (draft, user_id))


async def clear_step(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM staff_steps WHERE user_id = ?", (user_id,))


async def users_with_steps(db: Database) -> list[int]:
    rows = await db.fetch_all("SELECT user_id FROM staff_steps")
    return [row[0] for row in rows]


# -- staff group posts -----------------------------------------------------------------------
async def add_post(db: Database, chat_id: int, message_id: int, inquiry_id: int, now: str) -> None:
    await db.execute(
        """
        INSERT INTO staff_posts (chat_id, message_id, inquiry_id, posted_at)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (chat_id, message_id) DO UPDATE SET
            inquiry_id = excluded.inquiry_id, posted_at = excluded.posted_at
        """,
        (chat_id, message_id, inquiry_id, now),
    )


async def inquiry_of_post(db: Database, chat_id: int, message_id: int) -> int | None:
    row = await db.fetch_one(
        "SELECT inquiry_id FROM staff_posts WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    )
    return int(row[0]) if row else None


async def posts_of(db: Database, inquiry_id: int) -> list[tuple[int, int]]:
    """``(chat_id, message_id)`` of every group post about the inquiry."""
    rows = await db.fetch_all(
        "SELECT chat_id, message_id FROM staff_posts WHERE inquiry_id = ? ORDER BY posted_at",
        (inquiry_id,),
    )
    return [(int(row[0]), int(row[1])) for row in rows]
