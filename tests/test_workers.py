"""Several workers on one PostgreSQL database share what one process kept to itself.

Two sets of services (two pools, as two ``smebot run`` processes would have) on one database:
each runs the real broadcast sender against a fake Telegram, and ``FOR UPDATE SKIP LOCKED``
hands each row to one of them only; a user's messages count towards one flood limit whichever
worker takes them; and a guided form started on one worker goes on on the other.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from app.app import build_application
from bot.broadcasts import Audience, AudienceKind
from bot.config import Settings
from bot.flood import BURST, FloodVerdict
from bot.sender import STALE_CLAIM
from bot.services import Services
from db import broadcasts as broadcast_table
from db import inquiries as inquiry_table
from telegram_io.offline import OfflineBotAPI
from tests.backends import Schemas
from tests.conftest import STAFF_ID
from tests.harness import FakeClock, Harness, telegram_user, texts
from tests.outreach import FakeTelegram, FakeTime, add_users, make_sender

pytestmark = pytest.mark.postgresql_only("two workers need a database server")

RECIPIENTS = range(1, 1001)
TEXTS = {"id": "<b>Halo</b> UMKM", "en": "<b>Hello</b> SMEs"}


async def _two_workers(
    database_backend: Schemas, clock: FakeClock
) -> tuple[Services, Services, int]:
    settings = Settings(database_url=await database_backend.new_url(), staff_ids={STAFF_ID})
    first = await Services.start(settings, clock=clock)
    second = await Services.start(settings, clock=clock)
    await add_users(first, [STAFF_ID], "id", topics=())
    await add_users(first, RECIPIENTS, "id")
    broadcast = await first.broadcasts.create(STAFF_ID, TEXTS, "id", Audience(AudienceKind.ALL))
    return first, second, broadcast.id


async def _statuses(services: Services, broadcast_id: int) -> Counter[str]:
    rows = await broadcast_table.deliveries_of(services.db, broadcast_id)
    return Counter(row["status"] for row in rows)


async def test_two_workers_send_a_1000_recipient_broadcast_exactly_once(
    database_backend: Schemas, clock: FakeClock
) -> None:
    first, second, broadcast_id = await _two_workers(database_backend, clock)
    try:
        telegram, time = FakeTelegram(clock), FakeTime(clock)
        senders = [
            make_sender(services, telegram, time, rate=500, worker=name)
            for services, name in ((first, "host:0"), (second, "host:1"))
        ]
        await asyncio.gather(*(sender.run_until_idle() for sender in senders))

        assert telegram.per_chat() == Counter({user_id: 1 for user_id in RECIPIENTS})
        assert await _statuses(first, broadcast_id) == {"sent": 1000}
        assert all(sender.stats.sent > 100 for sender in senders)  # both did their share
        assert sum(sender.stats.sent for sender in senders) == 1000
        assert (await first.broadcasts.get(broadcast_id)).status == "done"
    finally:
        await first.close()
        await second.close()


async def test_a_worker_killed_mid_broadcast_loses_nothing(
    database_backend: Schemas, clock: FakeClock
) -> None:
    first, second, broadcast_id = await _two_workers(database_backend, clock)
    try:
        telegram, time = FakeTelegram(clock), FakeTime(clock)
        killed = make_sender(first, telegram, time, rate=500, worker="host:0")
        await killed.recover()
        for _ in range(40):  # part of the way, then the worker dies: nothing more is written
            await killed.step()
        for task in list(killed._in_flight):
            task.cancel()
        in_flight = (await _statuses(first, broadcast_id))["sending"]
        assert in_flight > 0 and 0 < len(telegram.sent) < 1000

        survivor = make_sender(second, telegram, time, rate=500, worker="host:1")
        assert await survivor.recover() == 0  # the other worker's claims are not its own
        assert (await _statuses(second, broadcast_id))["sending"] == in_flight
        await survivor.run_until_idle()  # the dead worker's rows come back once stale

        per_chat = telegram.per_chat()
        assert set(per_chat) == set(RECIPIENTS)  # nothing lost
        assert sum(count - 1 for count in per_chat.values()) <= in_flight
        assert await _statuses(second, broadcast_id) == {"sent": 1000}
        assert time.slept >= STALE_CLAIM.total_seconds()
    finally:
        await first.close()
        await second.close()


async def test_two_workers_count_one_users_messages_against_one_flood_limit(
    database_backend: Schemas, clock: FakeClock
) -> None:
    settings = Settings(database_url=await database_backend.new_url(), staff_ids={STAFF_ID})
    first = await Services.start(settings, clock=clock)
    second = await Services.start(settings, clock=clock)
    try:
        guards = [first.flood, second.flood]
        alternating = [await guards[n % 2].check(7001) for n in range(BURST + 3)]
        assert (
            alternating
            == [FloodVerdict.ALLOW] * BURST + [FloodVerdict.WARN] + [FloodVerdict.HOLD] * 2
        )
        # At the same instant on both workers: still one bucket, one warning.
        together = await asyncio.gather(*(guards[n % 2].check(7002) for n in range(BURST * 3)))
        assert Counter(together) == {
            FloodVerdict.ALLOW: BURST,
            FloodVerdict.WARN: 1,
            FloodVerdict.HOLD: BURST * 2 - 1,
        }
        assert await second.flood.check(7003) is FloodVerdict.ALLOW  # others unaffected
        clock.advance(seconds=2)
        assert await first.flood.check(7001) is FloodVerdict.ALLOW  # refilled for both
    finally:
        await first.close()
        await second.close()


async def test_a_form_started_on_one_worker_goes_on_on_the_other(
    database_backend: Schemas, clock: FakeClock
) -> None:
    settings = Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_url=await database_backend.new_url(),
        staff_ids=frozenset({STAFF_ID}),
    )
    first = await Services.start(settings, clock=clock)
    second = await Services.start(settings, clock=clock)
    staff = telegram_user(STAFF_ID, "en", first_name="Ani")
    apis = [OfflineBotAPI(), OfflineBotAPI()]
    apps = [
        build_application(settings, s, api) for s, api in zip((first, second), apis, strict=True)
    ]
    try:
        async with apps[0], apps[1]:
            one, two = (Harness(app, api) for app, api in zip(apps, apis, strict=True))
            await two.send(staff, "/start")  # worker two knows no form yet
            assert "New announcement" in texts(await one.send(staff, "/broadcast"))[0]
            replies = texts(await two.send(staff, "Pelatihan SIYB baru minggu depan."))
            assert replies == ["Which language is this text in?"]  # the next step
            assert await inquiry_table.for_user(first.db, STAFF_ID) == []  # not a question

            assert texts(await one.send(staff, "/cancel"))[0].startswith("Cancelled")
            replies = texts(await two.send(staff, "Pelatihan SIYB baru minggu depan."))
            assert "Which language is this text in?" not in replies  # the form is gone
    finally:
        await first.close()
        await second.close()
