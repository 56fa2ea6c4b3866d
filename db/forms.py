"""The form_drafts table: a guided conversation in progress, one per user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from db.connection import Database


@dataclass(frozen=True, slots=True)
class DraftRow:
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]
    updated_at: str


def _draft(row: Any) -> DraftRow:
    return DraftRow(
        user_id=row["user_id"],
        flow=row["flow"],
        step=row["step"],
        data=json.loads(row["data"]),
        updated_at=row["updated_at"],
    )


async def all_drafts(db: Database) -> list[DraftRow]:
    rows = await db.fetch_all("SELECT user_id, flow, step, data, updated_at FROM form_drafts")
    return [_draft(row) for row in rows]


async def get(db: Database, user_id: int) -> DraftRow | None:
    row = await db.fetch_one(
        "SELECT user_id, flow, step, data, updated_at FROM form_drafts WHERE user_id = ?",
        (user_id,),
    )
    return _draft(row) if row else None


async def save(
    db: Database, user_id: int, flow: str, step: str, data: dict[str, Any], now: str
) -> None:
    await db.execute(
        """
        INSERT INTO form_drafts (user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            flow = excluded.flow, step = excluded.step, data = excluded.data,
            updated_at = excluded.updated_at
        """,
        (user_id, flow, step, json.dumps(data, ensure_ascii=False), now),
    )


async def delete(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM form_drafts WHERE user_id = ?", (user_id,))


async def delete_older_than(db: Database, cutoff: str) -> int:
    return await db.execute_rowcount("DELETE FROM form_drafts WHERE updated_at < ?", (cutoff,))
