import stat
from pathlib import Path

import pytest

from db import Database
from db.connection import _migrations


@pytest.mark.sqlite_only("pragmas and the file's mode")
async def test_migrations_set_the_schema_version_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.db"
    db = await Database.open(path)
    try:
        assert await db.schema_version() == max(number for number, _ in _migrations())
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
    finally:
        await db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    db = await Database.open(path)
    await db.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (1, 'x', 'x')")
    await db.close()
    db = await Database.open(path)
    try:
        assert (await db.fetch_one("SELECT COUNT(*) FROM users"))[0] == 1
    finally:
        await db.close()
