"""The broadcast queue and its sender, without Telegram: a fake send function and fake time."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from bot.broadcasts import EXPANSION_CHUNK, Audience, AudienceKind
from bot.config import Settings
from bot.sender import (
    MAX_ATTEMPTS,
    PROGRESS_INTERVAL,
    BotBlockedError,
    Pacer,
    RateLimitedError,
    TransientError,
    UndeliverableError,
)
from bot.services import Services
from db import broadcasts as broadcast_table
from db import subscriptions as subscription_table
from db import users as user_table
from tests.conftest import STAFF_ID
from tests.harness import FakeClock
from tests.outreach import (
    FakeReporter,
    FakeTelegram,
    FakeTime,
    add_users,
    make_sender,
    make_training,
    max_in_window,
)

TEXTS = {"id": "<b>Halo</b> UMKM", "en": "<b>Hello</b> SMEs"}
ALL = Audience(AudienceKind.ALL)


@pytest.fixture
def time(clock: FakeClock) -> FakeTime:
    return FakeTime(clock)


@pytest.fixture
def telegram(clock: FakeClock) -> FakeTelegram:
    return FakeTelegram(clock)


async def _broadcast(services: Services, audience: Audience = ALL, **kwargs):
    await add_users(services, [STAFF_ID], "id", topics=())
    return await services.broadcasts.create(STAFF_ID, TEXTS, "id", audience, **kwargs)


async def _statuses(services: Services, broadcast_id: int) -> Counter[str]:
    return Counter(
        row["status"] for row in await broadcast_table.deliveries_of(services.db, broadcast_id)
    )


async def test_every_subscriber_gets_exactly_one_message_in_their_language(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 41), "id")
    await add_users(services, range(41, 61), "en-US")
    await add_users(services, range(61, 71), None)  # no language: the deployment default (id)
    await add_users(services, range(71, 81), "id", topics=())  # not subscribed: left out
    broadcast = await _broadcast(services)
    await make_sender(services, telegram, time).run_until_idle()

    per_chat = telegram.per_chat()
    assert set(per_chat) == set(range(1, 71)) and set(per_chat.values()) == {1}
    texts = {chat: html for _, chat, html in telegram.sent}
    assert texts[1].startswith("<b>Halo</b> UMKM") and "/unsubscribe" in texts[1]
    assert texts[41].startswith("<b>Hello</b> SMEs")
    assert texts[65].startswith("<b>Halo</b>")
    assert (await services.broadcasts.get(broadcast.id)).status == "done"
    assert await _statuses(services, broadcast.id) == {"sent": 70}


async def test_one_language_version_falls_back_for_everyone(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 4), "en")
    await add_users(services, [STAFF_ID], "id", topics=())
    await services.broadcasts.create(STAFF_ID, {"id": "Hanya bahasa Indonesia"}, "id", ALL)
    await make_sender(services, telegram, time).run_until_idle()
    assert all(html.startswith("Hanya bahasa Indonesia") for _, _, html in telegram.sent)
    assert all("unsubscribe" in html for _, _, html in telegram.sent)  # the footer is English


@pytest.mark.parametrize("rate", [25.0, 7.0])
async def test_the_rate_is_held_overall_and_reached(
    services: Services, telegram: FakeTelegram, time: FakeTime, rate: float
) -> None:
    await add_users(services, range(1, 301))
    await _broadcast(services)
    await make_sender(services, telegram, time, rate=rate).run_until_idle()
    times = telegram.times()
    assert len(times) == 300
    assert max_in_window(times) <= rate + 1
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved >= 0.95 * rate


async def test_one_message_a_second_per_chat_across_broadcasts(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 4), topics=("trainings", "bhr"))
    await _broadcast(services)
    await services.broadcasts.create(STAFF_ID, TEXTS, "id", Audience(AudienceKind.TOPIC, "bhr"))
    await make_sender(services, telegram, time).run_until_idle()
    for chat in (1, 2, 3):
        moments = sorted(moment for moment, to, _ in telegram.sent if to == chat)
        assert len(moments) == 2
        assert moments[1] - moments[0] >= 1.0


async def test_429_pauses_the_whole_sender_for_retry_after(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 51))
    await _broadcast(services)
    telegram.errors_for_chat[10] = [RateLimitedError(7)]
    sender = make_sender(services, telegram, time)
    await sender.run_until_idle()
    assert telegram.per_chat() == Counter({chat: 1 for chat in range(1, 51)})
    times = telegram.times()
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) >= 7.0  # nobody got anything while Telegram said wait
    assert sender.stats.rate_limited == 1


async def test_403_marks_the_user_blocked_and_unsubscribed(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 6), topics=("trainings", "bhr"))
    broadcast = await _broadcast(services)
    telegram.errors_for_chat[3] = [BotBlockedError("Forbidden: bot was blocked by the user")]
    await make_sender(services, telegram, time).run_until_idle()
    assert await _statuses(services, broadcast.id) == {"sent": 4, "blocked": 1}
    record = await user_table.get(services.db, 3)
    assert record is not None and record.blocked and not record.subscribed
    assert await subscription_table.topics_of(services.db, 3) == set()
    estimate = await services.broadcasts.estimate(ALL)
    assert estimate == 4  # the next broadcast leaves them out


async def test_chat_not_found_fails_that_row_only(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 6))
    broadcast = await _broadcast(services)
    telegram.errors_for_chat[2] = [UndeliverableError("Bad Request: chat not found")]
    await make_sender(services, telegram, time).run_until_idle()
    rows = {
        row["user_id"]: row
        for row in await broadcast_table.deliveries_of(services.db, broadcast.id)
    }
    assert rows[2]["status"] == "failed" and "chat not found" in rows[2]["error"]
    assert [rows[user]["status"] for user in (1, 3, 4, 5)] == ["sent"] * 4


async def test_network_errors_are_retried_with_backoff(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 4))
    broadcast = await _broadcast(services)
    telegram.errors_for_chat[1] = [TransientError("timed out"), TransientError("timed out")]
    telegram.errors_for_chat[2] = [TransientError("timed out")] * MAX_ATTEMPTS
    await make_sender(services, telegram, time).run_until_idle()
    rows = {
        row["user_id"]: row
        for row in await broadcast_table.deliveries_of(services.db, broadcast.id)
    }
    assert rows[1]["status"] == "sent" and rows[1]["attempts"] == 3
    assert rows[2]["status"] == "failed" and rows[2]["attempts"] == MAX_ATTEMPTS
    assert rows[3]["status"] == "sent"
    assert time.slept > 2 + 4  # it waited between attempts


async def test_a_crash_loses_nothing_and_resends_at_most_the_messages_in_flight(
    settings: Settings, clock: FakeClock, telegram: FakeTelegram, time: FakeTime
) -> None:
    first = await Services.start(settings, clock=clock)
    await add_users(first, range(1, 201))
    broadcast = await _broadcast(first)
    crashed = make_sender(first, telegram, time)
    await crashed.recover()
    for _ in range(150):  # part of the way, then the process dies: nothing more is written
        await crashed.step()
    for task in list(crashed._in_flight):
        task.cancel()
    counts = await _statuses(first, broadcast.id)
    in_flight = counts["sending"]
    assert in_flight > 0
    assert 0 < counts["sent"] < 200 and in_flight <= crashed.claim_size + crashed.max_in_flight
    delivered_before = len(telegram.sent)

    restarted = await Services.start(settings, clock=clock)  # the new process
    try:
        sender = make_sender(restarted, telegram, time)
        await sender.run_until_idle()
        assert sender.stats.recovered == in_flight
        per_chat = telegram.per_chat()
        assert set(per_chat) == set(range(1, 201))  # nothing lost
        duplicates = sum(count - 1 for count in per_chat.values())
        assert duplicates <= in_flight  # only what was in flight went twice
        assert delivered_before < 200
        assert await _statuses(restarted, broadcast.id) == {"sent": 200}
    finally:
        await restarted.close()
        await first.close()


async def test_pause_resume_and_cancel(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 101))
    broadcast = await _broadcast(services)
    sender = make_sender(services, telegram, time)
    await sender.recover()
    for _ in range(40):
        await sender.step()
    assert await services.broadcasts.pause(broadcast.id)
    await sender.run_until_idle()  # paused: it stops sending, and is idle
    paused_at = len(telegram.sent)
    assert paused_at < 100
    time.clock.advance(minutes=10)
    await sender.run_until_idle()
    assert len(telegram.sent) == paused_at
    assert await services.broadcasts.resume(broadcast.id)
    for _ in range(30):
        await sender.step()
    assert await services.broadcasts.cancel(broadcast.id)
    await sender.run_until_idle()
    final = await services.broadcasts.progress(await services.broadcasts.get(broadcast.id))
    assert final.broadcast.status == "cancelled"
    assert final.sent == len(telegram.sent) < 100 and final.remaining == 100 - final.sent
    assert not await services.broadcasts.resume(broadcast.id)  # cancelled is final


async def test_a_scheduled_broadcast_waits_for_its_time(
    services: Services, telegram: FakeTelegram, time: FakeTime, clock: FakeClock
) -> None:
    await add_users(services, range(1, 6))
    broadcast = await _broadcast(services, send_at=clock.now() + dt.timedelta(hours=2))
    assert broadcast.status == "scheduled"
    sender = make_sender(services, telegram, time)
    await sender.run_until_idle()
    assert telegram.sent == []
    clock.advance(hours=2)
    await sender.run_until_idle()
    assert len(telegram.sent) == 5
    assert (await services.broadcasts.get(broadcast.id)).status == "done"


async def test_audiences_by_language_topic_and_training(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 11), "id", topics=("trainings",))
    await add_users(services, range(11, 21), "en", topics=("partnerships",))
    training = await make_training(services)
    for user in (3, 15, 99):
        if user == 99:
            await add_users(services, [99], "en", topics=())  # registered, not subscribed
        await services.registrations.register(training.id, user, _form())
    broadcasts = services.broadcasts
    assert await broadcasts.estimate(Audience(AudienceKind.LANGUAGE, "en")) == 10
    assert await broadcasts.estimate(Audience(AudienceKind.TOPIC, "trainings")) == 10
    assert await broadcasts.estimate(Audience(AudienceKind.TRAINING, training_id=training.id)) == 3
    sender = make_sender(services, telegram, time)
    for audience in (
        Audience(AudienceKind.LANGUAGE, "en"),
        Audience(AudienceKind.TOPIC, "trainings"),
        Audience(AudienceKind.TRAINING, training_id=training.id),
    ):
        telegram.sent.clear()
        await _broadcast(services, audience)
        time.clock.advance(seconds=5)
        await sender.run_until_idle()
        expected = {
            AudienceKind.LANGUAGE: set(range(11, 21)),
            AudienceKind.TOPIC: set(range(1, 11)),
            AudienceKind.TRAINING: {3, 15, 99},
        }[audience.kind]
        assert set(telegram.per_chat()) == expected
    registrant_texts = [html for _, _, html in telegram.sent]
    assert not any("unsubscribe" in html for html in registrant_texts)  # not a subscription


async def test_a_large_audience_is_queued_in_chunks(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    total = EXPANSION_CHUNK * 2 + 7
    await add_users(services, range(1, total + 1))
    broadcast = await _broadcast(services)
    sender = make_sender(services, telegram, time, rate=1000.0)
    await sender.recover()
    await sender.step()
    first = await services.broadcasts.get(broadcast.id)
    assert first.queue_cursor == EXPANSION_CHUNK and not first.queued
    await sender.run_until_idle()
    assert len(telegram.sent) == total and len(telegram.per_chat()) == total


async def test_progress_is_reported_every_few_seconds_then_a_final_report(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 301))
    broadcast = await _broadcast(services)
    await services.broadcasts.set_progress_message(broadcast.id, 42)
    reporter = FakeReporter()
    await make_sender(services, telegram, time, reporter=reporter).run_until_idle()
    # 300 messages at 25 a second: 12 seconds, so a report about every PROGRESS_INTERVAL
    assert 2 <= len(reporter.progress_reports) <= 12 / PROGRESS_INTERVAL + 2
    middle = reporter.progress_reports[1]
    assert 0 < middle.sent < 300 and middle.remaining == 300 - middle.sent
    assert middle.eta is not None and middle.eta.total_seconds() > 0
    [final] = reporter.final_reports
    assert (final.sent, final.blocked, final.failed, final.remaining) == (300, 0, 0, 0)
    assert final.broadcast.status == "done" and final.broadcast.reported_at is None
    await make_sender(services, telegram, time, reporter=reporter).run_until_idle()
    assert len(reporter.final_reports) == 1  # reported once, also after a restart


async def test_reminders_go_before_a_long_announcement(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 501))
    training = await make_training(services)
    for user in range(495, 501):
        await services.registrations.register(training.id, user, _form())
    await _broadcast(services)
    sender = make_sender(services, telegram, time)
    await sender.recover()
    for _ in range(20):
        await sender.step()
    await services.broadcasts.create_reminder(training.id, "k", {"id": "Pengingat", "en": "R"})
    await sender.run_until_idle()
    reminders = [i for i, (_, _, html) in enumerate(telegram.sent) if html == "Pengingat"]
    assert len(reminders) == 6 and max(reminders) < 60  # not after the other 480


def test_pacer_spacing_and_pause() -> None:
    pacer = Pacer(rate=10)
    assert pacer.wait(100.0) == 0
    pacer.take(1, 100.0)
    assert pacer.wait(100.0) == pytest.approx(0.1)
    assert pacer.chat_wait(1, 100.5) == pytest.approx(0.5)
    assert pacer.chat_wait(2, 100.5) == 0
    pacer.pause_until(130.0)
    assert pacer.wait(100.1) == pytest.approx(29.9)
    assert pacer.chat_wait(1, 102.0) == 0  # forgotten after a second


def _form():
    from bot.registrations import RegistrationForm

    return RegistrationForm("Siti Aminah", "Warung Siti", "food", "Jawa Barat", None)


async def test_user_deletion_removes_their_queue_rows(
    services: Services, telegram: FakeTelegram, time: FakeTime
) -> None:
    await add_users(services, range(1, 4))
    broadcast = await _broadcast(services)
    sender = make_sender(services, telegram, time)
    await sender.recover()
    await sender.step()
    await services.privacy.forget(2)  # /forgetme
    await sender.run_until_idle()
    rows = await broadcast_table.deliveries_of(services.db, broadcast.id)
    assert {row["user_id"] for row in rows} == {1, 3}
    assert (await services.broadcasts.get(broadcast.id)).status == "done"
