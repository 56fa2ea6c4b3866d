"""Cek Bisnis & HAM end to end: a real Application, the offline Bot API, a real SQLite file."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.app import build_application
from bot.config import Settings
from bot.services import Services
from bot.text import MESSAGE_LIMIT
from handlers import training_callbacks as tcb
from telegram_io.offline import ApiCall, OfflineBotAPI
from tests.conftest import STAFF_ID
from tests.harness import FakeClock, Harness, alerts, telegram_user, texts

SITI = telegram_user(6001, "id")
JOHN = telegram_user(6002, "en-GB", first_name="John")
STAFF = telegram_user(STAFF_ID, "en", first_name="Staff")
PRESS_INTERVAL = 2
"""Seconds of fake time between presses: a person reads the question first (and the flood
guard would hold a burst of presses)."""


def _answer_data(harness: Harness, user: dict[str, Any], code: str) -> str:
    [data] = [
        data
        for data in harness.buttons(user["id"]).values()
        if data.startswith("ck:a:") and data.endswith(f":{code}")
    ]
    return data


async def _press(harness: Harness, clock: FakeClock, user: dict[str, Any], label: str):
    clock.advance(seconds=PRESS_INTERVAL)
    return await harness.press(user, label)


async def _answer(
    harness: Harness, clock: FakeClock, user: dict[str, Any], code: str
) -> list[ApiCall]:
    clock.advance(seconds=PRESS_INTERVAL)
    return await harness.press_data(user, _answer_data(harness, user, code))


async def _answer_all(
    harness: Harness, clock: FakeClock, user: dict[str, Any], codes: str, count: int
) -> list[ApiCall]:
    """Answer the remaining questions, cycling through ``codes``; the last press's calls."""
    calls: list[ApiCall] = []
    for index in range(count):
        calls = await _answer(harness, clock, user, codes[index % len(codes)])
    return calls


def _count(services: Services) -> int:
    assert services.selfcheck.questionnaire is not None
    return len(services.selfcheck.questionnaire)


async def test_main_menu_and_deep_link_open_the_check(harness: Harness) -> None:
    await harness.send(SITI, "/start")
    calls = await harness.press(SITI, "Cek Bisnis & HAM")
    assert "pertanyaan singkat" in texts(calls)[0]
    calls = await harness.send(SITI, "/start cek")
    assert "sekitar lima menit" in texts(calls)[0]
    assert "▶️ Mulai" in harness.buttons(SITI["id"])
    calls = await harness.send(JOHN, "/cek")
    assert "about five minutes" in texts(calls)[0]
    assert "▶️ Start" in harness.buttons(JOHN["id"])


@pytest.mark.parametrize(
    ("user", "words"),
    [(SITI, ("Skor: 0/100", "Langkah selanjutnya")), (JOHN, ("Score: 0/100", "Where to go next"))],
)
async def test_a_full_check_gives_one_result_message_with_entry_buttons(
    harness: Harness, services: Services, clock: FakeClock, user, words
) -> None:
    await harness.send(user, "/cek")
    await harness.press_data(user, "ck:new")
    count = _count(services)
    calls = await _answer_all(harness, clock, user, "n", count)
    finished, result = texts(calls)
    assert str(count) in finished
    assert all(word in result for word in words)
    assert len(result) <= MESSAGE_LIMIT  # the worst case (every area red) fits one message
    assert result.count("🔴") == len(services.selfcheck.questionnaire.areas) + 1  # + summary
    entry_ids = [
        data.split(":", 1)[1]
        for data in harness.buttons(user["id"]).values()
        if data.startswith("kb:")
    ]
    assert "forced-labour-indicators" in entry_ids and "prisma" in entry_ids
    assert all(services.knowledge.get(entry_id) for entry_id in entry_ids)
    next_steps = set(harness.buttons(user["id"]).values())
    assert {tcb.TRAININGS, "ask", "ck:new:m", "ck:del"} <= next_steps
    calls = await _press(harness, clock, user, "🔴")
    assert texts(calls)[0].startswith("<b>")  # the knowledge-base entry itself


async def test_questions_come_in_the_users_language(harness: Harness, services: Services) -> None:
    questionnaire = services.selfcheck.questionnaire
    first = questionnaire.questions[0]
    await harness.send(SITI, "/cek")
    calls = await harness.press(SITI, "Mulai")
    assert first.text("id")[:40] in texts(calls)[0]
    assert {"Ya", "Sebagian", "Tidak", "Tidak yakin"} <= set(harness.buttons(SITI["id"]))
    await harness.send(JOHN, "/cek")
    calls = await harness.press(JOHN, "Start")
    assert first.text("en")[:40] in texts(calls)[0]
    assert "Pertanyaan 1 dari" not in texts(calls)[0] and "Question 1 of" in texts(calls)[0]


async def test_back_shows_the_previous_answer_and_lets_it_change(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    questionnaire = services.selfcheck.questionnaire
    await harness.send(JOHN, "/cek")
    await harness.press(JOHN, "Start")
    await _answer(harness, clock, JOHN, "y")
    calls = await _press(harness, clock, JOHN, "Back")
    assert "Question 1 of" in texts(calls)[0]
    assert "✔️ Yes" in harness.buttons(JOHN["id"])
    calls = await _answer(harness, clock, JOHN, "n")
    assert "Question 2 of" in texts(calls)[0]
    await _answer(harness, clock, JOHN, "y")
    progress = await services.selfcheck.resume(JOHN["id"])
    assert progress.answers[questionnaire.questions[0].id].value == "no"
    assert progress.answered == 2


async def test_pause_resume_and_a_restart_keep_every_answer(
    settings: Settings, clock: FakeClock
) -> None:
    api = OfflineBotAPI()  # Telegram keeps the chat (and its buttons) across a bot restart
    services = await Services.start(settings, clock=clock)
    count = _count(services)
    application = build_application(settings, services, request=api)
    async with application:
        harness = Harness(application, api)
        await harness.send(SITI, "/cek")
        await harness.press(SITI, "Mulai")
        await _answer_all(harness, clock, SITI, "yp", 4)
        fifth = copy.deepcopy(harness.last_message_with_buttons(SITI["id"]))
        calls = await _press(harness, clock, SITI, "Lanjutkan nanti")
        assert f"4 dari {count}" in texts(calls)[0]
    await services.close()

    services = await Services.start(settings, clock=clock)  # a new process, the same file
    application = build_application(settings, services, request=api)
    try:
        async with application:
            harness = Harness(application, api)
            # a button on the message from before the restart still answers its question
            [yes] = [
                button["callback_data"]
                for row in fifth["reply_markup"]["inline_keyboard"]
                for button in row
                if button["callback_data"].endswith(":y")
            ]
            clock.advance(seconds=PRESS_INTERVAL)
            calls = await harness.press_data(SITI, yes, fifth)
            assert "Pertanyaan 6 dari" in texts(calls)[0]
            calls = await harness.send(SITI, "/cek")
            assert f"5 dari {count}" in texts(calls)[0]
            assert f"▶️ Lanjutkan (5/{count})" in harness.buttons(SITI["id"])
            calls = await _press(harness, clock, SITI, f"Lanjutkan (5/{count})")
            assert "Pertanyaan 6 dari" in texts(calls)[0]
            calls = await _answer_all(harness, clock, SITI, "y", count - 5)
            assert "Skor: 92/100" in texts(calls)[-1]  # "partly" on two of 15
    finally:
        await services.close()


async def test_last_result_is_sent_again_and_can_be_deleted(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    await harness.send(JOHN, "/cek")
    await harness.press(JOHN, "Start")
    await _answer_all(harness, clock, JOHN, "ypnu", _count(services))
    calls = await harness.send(JOHN, "/cek")
    assert "Your last result was saved on November 21, 2026." in texts(calls)[0]
    calls = await _press(harness, clock, JOHN, "Show my last result")
    [again] = texts(calls)
    assert "Saved on November 21, 2026" in again and "Score:" in again
    assert "“Not sure” answers:" in again

    calls = await _press(harness, clock, JOHN, "Delete my answers")
    assert "cannot be undone" in texts(calls)[0]
    calls = await _press(harness, clock, JOHN, "Cancel")
    assert texts(calls) == ["Nothing was deleted."]
    assert await services.selfcheck.last_result(JOHN["id"]) is not None

    await harness.send(JOHN, "/cek")
    await _press(harness, clock, JOHN, "Delete my answers")
    calls = await _press(harness, clock, JOHN, "Yes, delete")
    assert "have been deleted" in texts(calls)[0]
    assert await services.selfcheck.last_result(JOHN["id"]) is None
    calls = await harness.send(JOHN, "/cek")
    assert set(harness.buttons(JOHN["id"])) == {"▶️ Start", "🏠 Main menu"}
    calls = await harness.press_data(JOHN, "ck:res")
    assert "no saved result" in texts(calls)[0]


async def test_retake_from_the_result_starts_in_a_new_message(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    await harness.send(JOHN, "/cek")
    await harness.press(JOHN, "Start")
    await _answer_all(harness, clock, JOHN, "y", _count(services))
    calls = await _press(harness, clock, JOHN, "Take the check again")
    assert [call.method for call in calls if "Message" in call.method] == ["sendMessage"]
    assert "Question 1 of" in texts(calls)[0]


async def test_forged_or_stale_buttons_are_refused(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    await harness.send(SITI, "/cek")
    await harness.press(SITI, "Mulai")
    siti_answer = _answer_data(harness, SITI, "n")
    await harness.send(JOHN, "/cek")
    calls = await harness.press_data(JOHN, siti_answer)  # someone else's run
    assert any("already finished" in alert for alert in alerts(calls))
    run_id = siti_answer.split(":")[2]
    for data in [
        f"ck:a:{run_id}:child-age:z",
        "ck:a:x:child-age:y",
        f"ck:q:{run_id}:no-such-question",
        "ck:q:abc:def",
        "ck:delete",
        "ck:del:no",
        "ck:new:x",
        "ck:a:1",
        "ck:a:²:child-age:y",
        "ck:a:" + "9" * 40 + ":child-age:y",
    ]:
        clock.advance(seconds=PRESS_INTERVAL)
        calls = await harness.press_data(JOHN, data)
        assert alerts(calls) == ["This button has expired."], data
    progress = await services.selfcheck.resume(SITI["id"])
    assert progress.answered == 0


async def test_a_finished_checks_old_buttons_do_not_change_it(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    await harness.send(JOHN, "/cek")
    await harness.press(JOHN, "Start")
    first = _answer_data(harness, JOHN, "n")
    await _answer_all(harness, clock, JOHN, "y", _count(services))
    calls = await harness.press_data(JOHN, first)
    assert any("already finished" in alert for alert in alerts(calls))
    result = await services.selfcheck.last_result(JOHN["id"])
    assert result is not None and result[0].score == 100


async def test_staff_see_the_anonymous_red_areas(
    harness: Harness, clock: FakeClock, services: Services
) -> None:
    calls = await harness.send(STAFF, "/cekstats")
    assert "No self-check has been finished yet." in texts(calls)[0]
    await harness.send(SITI, "/cek")
    await harness.press(SITI, "Mulai")
    await _answer_all(harness, clock, SITI, "n", _count(services))
    calls = await harness.send(STAFF, "/cekstats")
    [report] = texts(calls)
    assert "Child labour: 1 of 1 red (100%)" in report
    assert "Siti" not in report and str(SITI["id"]) not in report
    calls = await harness.send(JOHN, "/cekstats")
    assert "don't know that command" in texts(calls)[0]


async def test_staff_stats_include_the_self_check_section(harness: Harness) -> None:
    calls = await harness.send(STAFF, "/stats")
    assert any("Self-check: areas most often red" in text for text in texts(calls))
