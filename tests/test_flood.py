"""One user flooding the bot is slowed and told so; nothing is lost; others are unaffected."""

from __future__ import annotations

from bot.flood import BURST, FloodGuard, FloodVerdict
from bot.services import Services
from db import inquiries as inquiry_table
from tests.harness import FakeClock, Harness, telegram_user, texts

FLOODER = telegram_user(6001, "en")
NEIGHBOUR = telegram_user(6002, "en")


async def test_bucket_allows_a_burst_then_warns_once_then_holds() -> None:
    clock = FakeClock()
    guard = FloodGuard(clock, rate=1.0, burst=3)
    verdicts = [await guard.check(1) for _ in range(6)]
    assert verdicts == [FloodVerdict.ALLOW] * 3 + [FloodVerdict.WARN] + [FloodVerdict.HOLD] * 2
    assert await guard.check(2) is FloodVerdict.ALLOW  # another user has their own bucket
    clock.advance(seconds=2)
    assert await guard.check(1) is FloodVerdict.ALLOW


async def test_a_flood_is_stored_in_full_and_answered_with_one_warning(
    harness: Harness, services: Services
) -> None:
    sent = 40
    replies: list[str] = []
    for number in range(sent):
        replies += texts(await harness.send(FLOODER, f"question number {number} about KUR"))
    stored = await inquiry_table.for_user(services.db, FLOODER["id"])
    assert [inquiry.question for inquiry in stored] == [
        f"question number {n} about KUR" for n in range(sent)
    ]
    warnings = [reply for reply in replies if "very quickly" in reply]
    assert len(warnings) == 1
    assert len(replies) <= BURST * 2 + 1  # an answer may be a question plus a choice

    calls = await harness.send(NEIGHBOUR, "/start")
    assert "Hello" in texts(calls)[0]


async def test_the_flooder_is_answered_again_after_a_pause(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    for number in range(BURST + 3):
        await harness.send(FLOODER, f"spam {number}")
    clock.advance(seconds=5)
    calls = await harness.send(FLOODER, "/start")
    assert "Hello" in texts(calls)[0]


async def test_button_presses_are_not_counted_as_a_flood(harness: Harness) -> None:
    await harness.send(FLOODER, "/start")
    for _ in range(BURST * 2):
        await harness.press(FLOODER, "Business")
        calls = await harness.press(FLOODER, "Main menu")
        assert texts(calls) == ["What would you like to know?"]


async def test_a_disabled_guard_allows_everything() -> None:
    guard = FloodGuard(FakeClock(), burst=1, enabled=False)
    assert {await guard.check(1) for _ in range(50)} == {FloodVerdict.ALLOW}
