"""Messages that are not questions, and questions the bot is unsure of (issue 10).

Small talk gets a friendly reply and never reaches staff; a choice prompt waits as
``pending_choice`` until the user taps, asks for staff, or lets it time out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.confidence import Verdict
from bot.services import Services
from bot.smalltalk import Chatter, classify
from db import inquiries as inquiry_table
from handlers.context import BotContext
from handlers.questions import expire_choice_prompts
from tests.harness import FakeClock, Harness, telegram_user, texts

SITI = telegram_user(5101, "id")
JOHN = telegram_user(5102, "en")
SMALL_TALK = Path(__file__).parent / "data" / "smalltalk.yaml"


def _labelled() -> list[tuple[str, str]]:
    items = yaml.safe_load(SMALL_TALK.read_text(encoding="utf-8"))
    return [(str(item["text"]), str(item["intent"])) for item in items]


def _intent(text: str) -> str:
    chatter = classify(text)
    return chatter.value if chatter else "none"


def test_every_labelled_small_talk_message_is_read_as_its_intent() -> None:
    """84 messages in both languages, written by someone who had not seen the word lists;
    15 of them are questions that open like small talk and must stay questions."""
    wrong = [(text, label, _intent(text)) for text, label in _labelled() if _intent(text) != label]
    assert wrong == []


def test_a_question_that_opens_with_thanks_or_a_greeting_is_still_a_question() -> None:
    assert classify("halo min, gmn cara daftar NIB?") is None
    assert classify("makasih infonya, trus kalo KUR syaratnya apa?") is None
    assert classify("bot ini bisa apa aja") is None


@pytest.mark.parametrize("text", ["0", "99", " 2. ", "#3"])
def test_a_bare_number_is_recognised(text: str) -> None:
    assert classify(text) is Chatter.NUMBER


async def test_thanks_get_a_friendly_reply_and_no_work_for_staff(
    harness: Harness, services: Services
) -> None:
    calls = await harness.send(SITI, "mantap makasih ya min 🙏")
    assert "Sama-sama" in texts(calls)[0]
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "small_talk"
    assert await inquiry_table.desk_count(services.db, inquiry_table.DeskFilter("open")) == 0
    assert (await services.stats.compute()).total(1) == 0  # not counted as a question


async def test_are_you_a_bot_is_answered_honestly_in_english(harness: Harness) -> None:
    calls = await harness.send(JOHN, "are you a bot?")
    assert "I am a bot" in texts(calls)[0]


async def test_a_number_typed_after_a_menu_points_to_the_buttons(
    harness: Harness, services: Services
) -> None:
    await harness.send(SITI, "/start")
    calls = await harness.send(SITI, "1")
    assert "ketuk" in texts(calls)[0]
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "small_talk"


def _unsure_question(services: Services) -> str:
    """A labelled question the bot offers choices for, rather than answering (which one
    depends on the thresholds in use, so it is looked up, not hard-coded)."""
    bench_dir = Path(__file__).parent / "data" / "questions"
    for path in sorted(bench_dir.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            decision = services.knowledge.answer(str(item["q"]))
            if decision.verdict in (Verdict.CHOOSE, Verdict.SUGGEST):
                return str(item["q"])
    raise AssertionError("no labelled question gets a choice prompt")


async def test_a_choice_prompt_waits_and_a_tap_answers_it(
    harness: Harness, services: Services
) -> None:
    question = _unsure_question(services)
    await harness.send(SITI, question)
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "pending_choice"
    assert await inquiry_table.desk_count(services.db, inquiry_table.DeskFilter("open")) == 0
    offered = [label for label in harness.buttons(SITI["id"]) if "💬" not in label]
    calls = await harness.press(SITI, offered[0])
    assert texts(calls)[0].startswith("<b>")
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "auto_answered"


async def test_none_of_these_sends_the_question_to_staff(
    harness: Harness, services: Services
) -> None:
    await harness.send(SITI, _unsure_question(services))
    calls = await harness.press(SITI, "💬")
    assert "petugas" in texts(calls)[0]
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "open"


async def test_an_untapped_prompt_goes_to_staff_after_the_timeout(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    await harness.send(SITI, _unsure_question(services))
    context = BotContext(harness.application)
    clock.advance(minutes=services.settings.choice_timeout_minutes - 1)
    assert await expire_choice_prompts(context) == 0
    clock.advance(minutes=2)
    assert await expire_choice_prompts(context) == 1
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "open"
    assert await expire_choice_prompts(context) == 0  # released once only
    # A late tap still shows the entry and settles the question.
    offered = [label for label in harness.buttons(SITI["id"]) if "💬" not in label]
    await harness.press(SITI, offered[0])
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "auto_answered"


async def test_a_prompt_that_cannot_be_sent_leaves_the_question_with_staff(
    harness: Harness, services: Services
) -> None:
    from telegram_io.offline import ApiCall, ApiError

    def fail_messages(call: ApiCall) -> ApiError | None:
        return ApiError(502, "Bad Gateway") if call.method == "sendMessage" else None

    question = _unsure_question(services)
    harness.api.fault = fail_messages
    await harness.send(SITI, question)
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "open" and inquiry.entry_id is not None
