"""The self-check tables: runs, answers and the anonymous per-area tally (all their SQL)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    user_id: int
    started_at: str
    updated_at: str
    finished_at: str | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


_COLUMNS = "id, user_id, started_at, updated_at, finished_at"


def _record(row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        user_id=row["user_id"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
    )


async def get_run(db: Database, run_id: int, user_id: int) -> RunRecord | None:
    """The run, only if it belongs to ``user_id``: a run id from a button proves nothing."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM selfcheck_runs WHERE id = ? AND user_id = ?", (run_id, user_id)
    )
    return _record(row) if row else None


async def open_run(db: Database, user_id: int) -> RunRecord | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM selfcheck_runs WHERE user_id = ? AND finished_at IS NULL",
        (user_id,),
    )
    return _record(row) if row else None


async def finished_run(db: Database, user_id: int) -> RunRecord | None:
    row = await db.fetch_one(
        f"""
        SELECT {_COLUMNS} FROM selfcheck_runs
        WHERE user_id = ? AND finished_at IS NOT NULL
        ORDER BY finished_at DESC, id DESC LIMIT 1
        """,
        (user_id,),
    )
    return _record(row) if row else None


async def create_run(db: Database, user_id: int, now: str) -> RunRecord:
    """A fresh run; an unfinished one is dropped (the user chose to start again)."""
    async with db.transaction() as connection:
        await connection.execute(
            "DELETE FROM selfcheck_runs WHERE user_id = ? AND finished_at IS NULL", (user_id,)
        )
        row = await connection.fetch_one(
            f"""
            INSERT INTO selfcheck_runs (user_id, started_at, updated_at) VALUES (?, ?, ?)
            RETURNING {_COLUMNS}
            """,
            (user_id, now, now),
        )
    assert row is not None
    return _record(row)


async def answers(db: Database, run_id: int) -> dict[str, str]:
    """Question id → stored answer code."""
    rows = await db.fetch_all(
        "SELECT question_id, answer FROM selfcheck_answers WHERE run_id = ?", (run_id,)
    )
    return {row["question_id"]: row["answer"] for row in rows}


async def save_answer(
    db: Database, run_id: int, user_id: int, question_id: str, answer: str, now: str
) -> bool:
    """Store (or change) one answer of the user's unfinished run; False if there is none."""
    async with db.transaction() as connection:
        changed = await connection.execute_rowcount(
            """
            UPDATE selfcheck_runs SET updated_at = ?
            WHERE id = ? AND user_id = ? AND finished_at IS NULL
            """,
            (now, run_id, user_id),
        )
        if not changed:
            return False
        await connection.execute(
            """
            INSERT INTO selfcheck_answers (run_id, user_id, question_id, answer, answered_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id, question_id) DO UPDATE SET
                answer = excluded.answer,
                answered_at = excluded.answered_at
            """,
            (run_id, user_id, question_id, answer, now),
        )
    return True


async def finish_run(
    db: Database, run_id: int, user_id: int, area_colours: Mapping[str, str], now: str
) -> bool:
    """Close the run and make it the user's one result, counted once in the tally.

    The user's previous result is taken out of the tally and deleted, so the tally counts each
    SME's latest result, not every retake. False if the run was already finished.
    """
    async with db.transaction() as connection:
        changed = await connection.execute_rowcount(
            """
            UPDATE selfcheck_runs SET finished_at = ?, updated_at = ?
            WHERE id = ? AND user_id = ? AND finished_at IS NULL
            """,
            (now, now, run_id, user_id),
        )
        if not changed:
            return False
        await connection.execute(
            """
            UPDATE selfcheck_area_counts SET count = count - 1
            WHERE count > 0 AND (area, colour) IN (
                SELECT area, colour FROM selfcheck_run_areas
                WHERE run_id IN (
                    SELECT id FROM selfcheck_runs
                    WHERE user_id = ? AND id != ? AND finished_at IS NOT NULL
                )
            )
            """,
            (user_id, run_id),
        )
        await connection.execute(
            "DELETE FROM selfcheck_runs WHERE user_id = ? AND id != ? AND finished_at IS NOT NULL",
            (user_id, run_id),
        )
        for area, colour in area_colours.items():
            await connection.execute(
                """
                INSERT INTO selfcheck_run_areas (run_id, user_id, area, colour)
                VALUES (?, ?, ?, ?)
                """,
                (run_id, user_id, area, colour),
            )
            await connection.execute(
                """
                INSERT INTO selfcheck_area_counts (area, colour, count) VALUES (?, ?, 1)
                ON CONFLICT (area, colour) DO UPDATE SET count = selfcheck_area_counts.count + 1
                """,
                (area, colour),
            )
    return True


async def delete_for_user(db: Database, user_id: int) -> int:
    """Delete the user's runs and answers; the anonymous tally keeps its counts."""
    return await db.execute_rowcount("DELETE FROM selfcheck_runs WHERE user_id = ?", (user_id,))


async def area_counts(db: Database) -> list[tuple[str, int, int]]:
    """(area, red count, total count) per area, most often red first."""
    rows = await db.fetch_all(
        """
        SELECT area,
               SUM(CASE WHEN colour = 'red' THEN count ELSE 0 END) AS red,
               SUM(count) AS total
        FROM selfcheck_area_counts
        GROUP BY area
        HAVING SUM(count) > 0
        ORDER BY red DESC, total DESC, area
        """
    )
    return [(row["area"], int(row["red"]), int(row["total"])) for row in rows]
