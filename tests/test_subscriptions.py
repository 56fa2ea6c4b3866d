"""Opt-in announcement topics: /subscribe, /unsubscribe, blocking, and the old flag migrated."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.services import Services
from db import Database
from db import subscriptions as subscription_table
from db import users as user_table
from db.connection import SqliteDatabase, _migrations
from tests.harness import FakeClock, Harness, alerts, telegram_user, texts
from tests.outreach import Steps

JOHN = telegram_user(7001, "en", first_name="John")


async def test_nobody_is_subscribed_until_they_choose(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    steps = Steps(harness, clock)
    calls = await steps.send(JOHN, "/subscribe")
    assert "Tap a topic" in texts(calls)[0]
    labels = list(harness.buttons(JOHN["id"]))
    assert "⬜ Trainings" in labels and not any(label.startswith("✅") for label in labels)
    assert await subscription_table.topics_of(services.db, JOHN["id"]) == set()
    assert not (await user_table.get(services.db, JOHN["id"])).subscribed

    calls = await steps.press(JOHN, "Trainings")
    assert alerts(calls) == ["Switched on."]
    await steps.press(JOHN, "Partnerships")
    assert "✅ Trainings" in harness.buttons(JOHN["id"])
    assert await subscription_table.topics_of(services.db, JOHN["id"]) == {
        "trainings",
        "partnerships",
    }
    assert (await user_table.get(services.db, JOHN["id"])).subscribed

    await steps.press(JOHN, "Partnerships")
    assert await subscription_table.topics_of(services.db, JOHN["id"]) == {"trainings"}

    calls = await steps.send(JOHN, "/unsubscribe")
    assert "no longer receive announcements" in texts(calls)[0]
    assert await subscription_table.topics_of(services.db, JOHN["id"]) == set()
    assert not (await user_table.get(services.db, JOHN["id"])).subscribed


async def test_the_menu_button_opens_the_topics(harness: Harness, clock: FakeClock) -> None:
    steps = Steps(harness, clock)
    await steps.send(JOHN, "/start")
    calls = await steps.press(JOHN, "Announcements")
    assert "Tap a topic" in texts(calls)[-1]
    calls = await steps.press_data(JOHN, "subt:nonsense")
    assert alerts(calls) == ["This button has expired."]
    calls = await steps.press_data(JOHN, "sub:on")  # an old button: shows the topics
    assert "Tap a topic" in texts(calls)[-1]


async def test_blocking_the_bot_unsubscribes_from_every_topic(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    steps = Steps(harness, clock)
    await steps.send(JOHN, "/subscribe")
    await steps.press(JOHN, "Trainings")
    member = {"user": {"id": 777000111, "is_bot": True, "first_name": "Teman UMKM"}}
    await steps.feed(
        harness.updates.raw(
            {
                "my_chat_member": {
                    "chat": {"id": JOHN["id"], "type": "private", "first_name": "John"},
                    "from": JOHN,
                    "date": 0,
                    "old_chat_member": {**member, "status": "member"},
                    "new_chat_member": {**member, "status": "kicked", "until_date": 0},
                }
            }
        )
    )
    record = await user_table.get(services.db, JOHN["id"])
    assert record.blocked and not record.subscribed
    assert await subscription_table.topics_of(services.db, JOHN["id"]) == set()


@pytest.mark.sqlite_only("builds a pre-0003 SQLite file by hand")
async def test_the_old_subscribed_flag_becomes_the_trainings_topic(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = aiosqlite.Row
    old = SqliteDatabase(connection)
    for number, script in _migrations():  # the database as it was before migration 0003
        if number < 3:
            await connection.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
    for user_id in (1, 2, 3):
        await user_table.touch(old, user_id, "U", None, None, "id", "2026-01-01T00:00:00Z")
    await user_table.set_subscribed(old, 1, True)
    await user_table.set_subscribed(old, 3, True)
    await user_table.set_blocked(old, 3, True)
    await old.close()

    migrated = await Database.open(path)
    try:
        assert await subscription_table.topics_of(migrated, 1) == {"trainings"}
        assert (await user_table.get(migrated, 1)).subscribed
        assert await subscription_table.topics_of(migrated, 2) == set()
        assert await subscription_table.topics_of(migrated, 3) == set()
    finally:
        await migrated.close()
