"""/broadcast end to end: a staff member writes, the sender delivers through the (offline)
Bot API, the staff member watches the progress; and users are answered meanwhile."""

from __future__ import annotations

import asyncio
import time as wallclock
from typing import Any

import pytest

from app.app import SENDER_KEY, build_application, start_sender
from bot.config import Settings
from bot.sender import BroadcastSender
from bot.services import Services
from db import broadcasts as broadcast_table
from db import inquiries as inquiry_table
from db import users as user_table
from handlers.broadcast import TelegramReporter
from telegram_io.delivery import sender_bot, telegram_sender
from telegram_io.offline import ApiCall, ApiError, OfflineBotAPI
from tests.conftest import STAFF_ID
from tests.harness import FakeClock, Harness, alerts, telegram_user, texts
from tests.outreach import FakeTime, Steps, add_users, make_training

STAFF = telegram_user(STAFF_ID, "en", first_name="Ani")
JOHN = telegram_user(8001, "en", first_name="John")


def _sender(harness: Harness, services: Services, time: FakeTime) -> BroadcastSender:
    """The sender as ``smebot run`` wires it, on the harness's offline Bot API."""
    return BroadcastSender(
        services.db,
        services.broadcasts,
        services.users,
        telegram_sender(sender_bot(harness.application.bot, services.settings.api_url)),
        services.clock,
        rate=services.settings.broadcast_rate,
        sleep=time.sleep,
        reporter=TelegramReporter(harness.application),
        planner=services.reminders,
    )


def _formatted(harness: Harness, user: dict[str, Any], text: str, bold: str, link: str):
    """A message with a bold word and a link, as Telegram sends it (entities, not HTML)."""
    payload = harness.updates.message(user, text)
    payload["message"]["entities"] = [
        {"type": "bold", "offset": text.index(bold), "length": len(bold)},
        {
            "type": "text_link",
            "offset": text.index(link),
            "length": len(link),
            "url": "https://kemnaker.go.id/siyb",
        },
    ]
    return payload


def _delivered(harness: Harness, chat_id: int) -> list[str]:
    return [str(call.params["text"]) for call in harness.api.sent(chat_id)]


async def test_staff_broadcast_reaches_everyone_in_their_language_with_formatting(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    await add_users(services, range(100, 110), "id")
    await add_users(services, range(200, 205), "en")
    steps = Steps(harness, clock)
    calls = await steps.send(STAFF, "/broadcast")
    assert "New announcement" in texts(calls)[0]
    await steps.feed(
        _formatted(harness, STAFF, "Pelatihan SIYB baru! Daftar di sini.", "SIYB", "di sini")
    )
    await steps.press(STAFF, "Bahasa Indonesia")
    await steps.feed(
        _formatted(harness, STAFF, "New SIYB training! Sign up here.", "SIYB", "here")
    )
    await steps.press(STAFF, "All subscribers")
    calls = await steps.press(STAFF, "Now")
    previews = texts(calls)
    assert any(t.startswith("Pelatihan <b>SIYB</b> baru!") for t in previews)
    assert any('<a href="https://kemnaker.go.id/siyb">here</a>' in t for t in previews)
    assert any("Recipients now: 15" in t for t in previews)
    calls = await steps.press(STAFF, "Send to 15 people")
    [progress] = texts(calls)
    assert "Announcement #1" in progress and "Remaining: 15" in progress
    assert any("Pause" in label for label in harness.buttons(STAFF_ID))

    time = FakeTime(clock)
    await _sender(harness, services, time).run_until_idle()
    for chat in range(100, 110):
        [text] = _delivered(harness, chat)
        assert text.startswith('Pelatihan <b>SIYB</b> baru! Daftar <a href="https://kemnaker')
    for chat in range(200, 205):
        [text] = _delivered(harness, chat)
        assert text.startswith("New <b>SIYB</b> training!") and "/unsubscribe" in text
    staff_texts = [
        str(c.params.get("text")) for c in harness.api.calls if c.params.get("chat_id") == STAFF_ID
    ]
    assert any("is finished: 15 of 15 delivered" in t for t in staff_texts)
    edits = [c for c in harness.api.calls if c.method == "editMessageText"]
    assert edits and "Sent: 15" in str(edits[-1].params["text"])
    calls = await steps.send(STAFF, "/broadcasts")
    assert any("#1" in label and "15/15" in label for label in harness.buttons(STAFF_ID))


async def test_registrants_audience_and_scheduling(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    from tests.test_trainings import FORM

    await add_users(services, [300, 301], "en", topics=())
    for user in (300, 301):
        await services.registrations.register(training.id, user, FORM)
    steps = Steps(harness, clock)
    await steps.send(STAFF, "/trainings")
    await steps.press(STAFF, "SIYB Makassar")
    await steps.press(STAFF, "Message the registrants")
    await steps.send(STAFF, "The venue has moved to Aula B.")
    await steps.press(STAFF, "English")
    await steps.press(STAFF, "Skip")
    await steps.press(STAFF, "Later")
    calls = await steps.send(STAFF, "yesterday")
    assert "date and time" in texts(calls)[0]
    calls = await steps.send(STAFF, "2026-11-22 09:00")
    assert any("registrants of “Training SIYB Makassar”" in t for t in texts(calls))
    await steps.press(STAFF, "Send to 2 people")
    [broadcast] = await services.broadcasts.recent()
    assert broadcast.status == "scheduled" and broadcast.send_at == "2026-11-22T02:00:00Z"

    time = FakeTime(clock)
    sender = _sender(harness, services, time)
    await sender.run_until_idle()
    assert _delivered(harness, 300) == []
    clock.advance(days=1)
    await sender.run_until_idle()
    assert _delivered(harness, 300) == ["The venue has moved to Aula B."]  # no unsubscribe note


async def test_only_staff_can_broadcast_or_control_one(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    await add_users(services, range(100, 105))
    await add_users(services, [STAFF_ID], "en", topics=())
    broadcast = await services.broadcasts.create(STAFF_ID, {"en": "Hi"}, "en", _all())
    steps = Steps(harness, clock)
    calls = await steps.send(JOHN, "/broadcast")
    assert "staff only" in texts(calls)[0]
    await steps.send(JOHN, "/start")
    for data in (f"bc:p:{broadcast.id}", f"bc:xy:{broadcast.id}", "bcl", "fm:confirm:send"):
        calls = await steps.press_data(JOHN, data)
        assert alerts(calls) in (
            ["This is for ministry staff only."],
            ["This button has expired."],
        )
    assert (await services.broadcasts.get(broadcast.id)).status == "sending"

    calls = await steps.send(STAFF, "/broadcasts")
    await steps.press(STAFF, f"#{broadcast.id}")
    calls = await steps.press(STAFF, "Pause")
    assert "paused" in texts(calls)[0]
    await steps.press(STAFF, "Resume")
    await steps.press(STAFF, "Cancel")
    calls = await steps.press(STAFF, "Yes, cancel it")
    assert "cancelled" in texts(calls)[0]
    assert (await services.broadcasts.get(broadcast.id)).status == "cancelled"
    calls = await steps.press_data(STAFF, f"bc:r:{broadcast.id}")
    assert alerts(calls) == ["That is no longer possible."]


async def test_a_staff_member_removed_mid_form_is_stopped(
    harness: Harness, services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = Steps(harness, clock)
    await steps.send(STAFF, "/broadcast")
    await steps.send(STAFF, "Hello")
    from bot.staff import Role

    async def nobody(user_id: int) -> Role:
        return Role.USER

    monkeypatch.setattr(services.staff, "role_of", nobody)
    calls = await steps.press(STAFF, "English")
    assert any("staff only" in t for t in texts(calls))
    assert services.forms.active(STAFF_ID) is None


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own
async def test_429_and_403_from_the_bot_api_reach_the_sender(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    await add_users(services, range(100, 130))
    await add_users(services, [STAFF_ID], "en", topics=())
    broadcast = await services.broadcasts.create(STAFF_ID, {"en": "Hi"}, "en", _all())
    rate_limited: list[int] = []

    def fault(call: ApiCall) -> ApiError | None:
        if call.method != "sendMessage":
            return None
        chat = int(call.params["chat_id"])
        if chat == 110 and not rate_limited:
            rate_limited.append(chat)
            return ApiError(429, "Too Many Requests: retry after 30", retry_after=30)
        if chat == 120:
            return ApiError(403, "Forbidden: bot was blocked by the user")
        if chat == 125:
            return ApiError(400, "Bad Request: chat not found")
        return None

    harness.api.fault = fault
    time = FakeTime(clock)
    started = wallclock.monotonic()
    sender = _sender(harness, services, time)
    await sender.run_until_idle()
    assert wallclock.monotonic() - started < 5  # the 30 s pause was the fake clock's
    assert time.slept >= 30 and sender.stats.rate_limited == 1
    rows = {
        row["user_id"]: row
        for row in await broadcast_table.deliveries_of(services.db, broadcast.id)
    }
    assert rows[110]["status"] == "sent" and rows[120]["status"] == "blocked"
    assert rows[125]["status"] == "failed" and "chat not found" in rows[125]["error"].lower()
    assert (await user_table.get(services.db, 120)).blocked
    assert sum(row["status"] == "sent" for row in rows.values()) == 28
    assert len(_delivered(harness, 110)) == 2  # refused once (429), then sent


async def test_users_are_answered_while_a_big_broadcast_runs(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    await add_users(services, range(10_000, 13_000))
    await add_users(services, [STAFF_ID], "en", topics=())
    await services.broadcasts.create(STAFF_ID, {"en": "Hi"}, "en", _all())
    sender = _sender(harness, services, FakeTime(clock))
    running = asyncio.create_task(sender.run_until_idle())
    for _ in range(50):  # let it get going
        await asyncio.sleep(0)
    calls = await harness.send(JOHN, "What is human rights due diligence?")
    answered_during = sender.stats.sent
    assert texts(calls), "the user got an answer"
    assert answered_during < 3000, "...before the broadcast was over"
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert inquiry.question.startswith("What is human rights")
    await running
    assert sender.stats.sent == 3000


async def test_the_application_starts_and_stops_the_sender_for_smebot_run(
    settings: Settings,
) -> None:
    """As in ``smebot run``: the Application opens its own services and runs the sender
    between post_init and post_shutdown (the offline chat and the tests share services and
    run none)."""
    application = build_application(settings, request=OfflineBotAPI())
    async with application:
        await application.post_init(application)
        sender = application.bot_data[SENDER_KEY]
        await asyncio.sleep(0.05)
        assert sender._task is not None and not sender._task.done()
        await application.post_shutdown(application)
        assert sender._task.done() and SENDER_KEY not in application.bot_data


async def test_the_shared_services_run_no_sender(harness: Harness) -> None:
    await harness.application.post_init(harness.application)
    assert SENDER_KEY not in harness.application.bot_data
    sender = start_sender(harness.application)  # what smebot run does
    await sender.stop()
    assert sender._task is not None and sender._task.done()


def _all():
    from bot.broadcasts import Audience, AudienceKind

    return Audience(AudienceKind.ALL)
