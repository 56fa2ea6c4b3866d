"""Training reminders: the day before and an hour before, planned from the database."""

from __future__ import annotations

import datetime as dt

from bot.services import Services
from db import broadcasts as broadcast_table
from tests.harness import FakeClock
from tests.outreach import FakeTelegram, FakeTime, add_users, make_sender, make_training
from tests.test_trainings import FORM

START_IN = dt.timedelta(days=2)


async def _registered_training(services: Services):
    training = await make_training(services, starts_in=START_IN, capacity=None)
    await add_users(services, [1], "id", topics=())
    await add_users(services, [2], "en", topics=())
    for user in (1, 2):
        await services.registrations.register(training.id, user, FORM)
    return training


async def _reminders(services: Services) -> list[str]:
    return [
        broadcast.reminder_key or ""
        for broadcast in await broadcast_table.recent(services.db, 50)
        if broadcast.kind == "reminder"
    ]


async def test_a_day_before_and_an_hour_before_each_once_in_each_language(
    services: Services, clock: FakeClock
) -> None:
    training = await _registered_training(services)
    telegram, time = FakeTelegram(clock), FakeTime(clock)
    sender = make_sender(services, telegram, time, planner=services.reminders)
    assert await services.reminders.plan() == 0  # two days ahead: nothing yet

    clock.advance(days=1, minutes=1)  # 23 h 59 min before the start
    assert await services.reminders.plan() == 1
    assert await services.reminders.plan() == 0
    await sender.run_until_idle()
    texts = {chat: html for _, chat, html in telegram.sent}
    assert "Pengingat" in texts[1] and "Pelatihan SIYB Makassar" in texts[1]
    assert "Reminder" in texts[2] and "Training SIYB Makassar" in texts[2]
    assert "WITA" in texts[2] and "Aula Dinas Koperasi" in texts[2]
    assert "/trainings" in texts[2]  # how to give the seat back

    clock.advance(hours=23)  # 59 minutes before
    await sender.run_until_idle()  # the sender plans by itself
    assert len(telegram.sent) == 4
    hour = [html for _, chat, html in telegram.sent[2:] if chat == 2]
    assert "starts in less than an hour" in hour[0]
    keys = await _reminders(services)
    assert sorted(key.split(":")[1] for key in keys) == ["day", "hour"]
    assert all(key.startswith(f"{training.id}:") for key in keys)


async def test_a_restart_neither_loses_nor_repeats_reminders(
    services: Services, clock: FakeClock
) -> None:
    await _registered_training(services)
    clock.advance(days=1, hours=1)
    assert await services.reminders.plan() == 1
    again = await Services.start(services.settings, clock=clock)  # a new process
    try:
        assert await again.reminders.plan() == 0
    finally:
        await again.close()


async def test_a_bot_down_the_whole_day_sends_only_the_hour_reminder(
    services: Services, clock: FakeClock
) -> None:
    await _registered_training(services)
    clock.advance(days=1, hours=23, minutes=30)  # woke up 30 minutes before the start
    assert await services.reminders.plan() == 1
    assert [key.split(":")[1] for key in await _reminders(services)] == ["hour"]
    clock.advance(hours=1)  # it has started: nothing more
    assert await services.reminders.plan() == 0


async def test_a_moved_training_is_reminded_again_and_cancelled_ones_are_not(
    services: Services, clock: FakeClock
) -> None:
    training = await _registered_training(services)
    clock.advance(days=1, hours=1)
    assert await services.reminders.plan() == 1
    moved = await services.trainings.update(
        training,
        {
            "starts_at": training.starts_at + dt.timedelta(days=1),
            "ends_at": training.ends_at + dt.timedelta(days=1),
        },
    )
    assert await services.reminders.plan() == 0  # now two days away again
    clock.advance(days=1)
    assert await services.reminders.plan() == 1
    await services.trainings.set_status(moved, "cancelled")
    clock.advance(hours=22, minutes=30)
    assert await services.reminders.plan() == 0


async def test_no_registrants_no_reminder(services: Services, clock: FakeClock) -> None:
    await make_training(services, starts_in=dt.timedelta(hours=5))
    assert await services.reminders.plan() == 0
