"""``smebot db migrate-to postgresql://…``: an SQLite deployment moves over, row for row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.cli import main as cli_main
from db import Database, catalog, inquiries, staff, subscriptions, users
from db.connection import SqliteDatabase
from tests.backends import Schemas

pytestmark = pytest.mark.postgresql_only("the copy's target is a PostgreSQL server")

NOW = "2026-11-21T23:45:00Z"
BIG_ID = 7_123_456_789  # Telegram ids no longer fit in 32 bits


async def _deployment(path: Path) -> dict[str, int]:
    """An SQLite file as a running office would have it; returns its row counts."""
    db = await SqliteDatabase.connect(path)
    try:
        for user_id in (1, 2, BIG_ID):
            await users.touch(db, user_id, "Sari 'quoted'", None, "sari", "id", NOW)
        await subscriptions.add(db, BIG_ID, "trainings", NOW)
        await staff.add(db, 2, 1, NOW)
        for number in range(5):
            await inquiries.insert(db, BIG_ID, -1001234567890, number, "id", f"Q{number}?", NOW)
        await db.execute("UPDATE inquiries SET score = 0.8125 WHERE id = 2")
        return {table: await _count(db, table) for table in await catalog.tables(db)}
    finally:
        await db.close()


async def _count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) FROM {catalog.quote(table)}")
    return int(row[0])


def test_migrate_to_copies_every_row_and_checks_it(
    tmp_path: Path,
    database_backend: Schemas,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "office.db"
    counts = asyncio.run(_deployment(path))
    url = asyncio.run(database_backend.new_url())
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert cli_main(["db", "migrate-to", url]) == 0
    report = capsys.readouterr().err
    assert f"{sum(counts.values())} rows in" in report and "checked" in report

    asyncio.run(_check_target(url, counts))

    # A second run would mix two deployments: refused, and nothing changes.
    assert cli_main(["db", "migrate-to", url]) == 1
    assert "already holds data" in capsys.readouterr().err


async def _check_target(url: str, counts: dict[str, int]) -> None:
    target = await Database.open(url)
    try:
        assert {t: await _count(target, t) for t in await catalog.tables(target)} == counts
        user = await users.get(target, BIG_ID)
        assert user is not None and user.first_name == "Sari 'quoted'" and user.subscribed
        assert (await inquiries.get(target, 2)).score == 0.8125
        # New rows continue after the copied ids.
        assert await inquiries.insert(target, 1, 1, None, "en", "after", NOW) == 6
    finally:
        await target.close()


def test_migrate_to_refuses_what_is_not_a_postgresql_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "none.db"))
    assert cli_main(["db", "migrate-to", "mysql://x"]) == 2
