"""Closing the loop: a staff answer becomes a published entry the bot answers with."""

from __future__ import annotations

from bot.drafts import Problem, issues, parse_text, shorten
from bot.services import Services
from db import inquiries as inquiry_table
from tests.conftest import STAFF_ID
from tests.desk_helpers import JOHN, SITI, STAFF, open_question
from tests.harness import Harness, alerts, texts

QUESTION = "Bagaimana cara ikut lomba batik tulis kementerian tahun depan?"
ANSWER = "Pendaftaran lomba batik tulis dibuka setiap Maret lewat dinas koperasi setempat."


async def _answered(harness: Harness, services: Services) -> int:
    inquiry_id = await open_question(harness, services, SITI, QUESTION)
    await harness.send(STAFF, f"/reply {inquiry_id} {ANSWER}")
    return inquiry_id


async def test_add_to_knowledge_base_then_publish_serves_the_next_user(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await _answered(harness, services)
    calls = await harness.press(STAFF, "Add to knowledge base")
    assert alerts(calls) == ["Draft created."]
    [card] = texts(calls)
    assert f"staff-{inquiry_id}" in card and "English: text missing" in card
    assert "lomba batik tulis" in card

    calls = await harness.press(STAFF, "Publish")
    assert "English: text missing" in alerts(calls)[0]
    assert services.knowledge.get(f"staff-{inquiry_id}") is None

    calls = await harness.press(STAFF, "✍️ English")
    assert "first line is the title" in texts(calls)[0]
    calls = await harness.send(
        STAFF,
        "How to join the ministry's batik competition\n"
        "Registration for the hand-drawn batik competition opens every March through the "
        "local cooperatives office.",
    )
    [card] = texts(calls)
    assert "Before publishing" not in card and "batik competition" in card

    calls = await harness.send(STAFF, "/drafts")
    assert f"sdd:staff-{inquiry_id}" in harness.buttons(STAFF_ID).values()

    await harness.press(STAFF, "✅ How to join")
    calls = await harness.press(STAFF, "Publish")
    assert "from now on" in alerts(calls)[0]
    entry = services.knowledge.get(f"staff-{inquiry_id}")
    assert entry is not None and set(entry.texts) == {"id", "en"}
    assert entry.origin == "staff" and entry.status == "published"

    services.clock.advance(minutes=5)
    calls = await harness.send(JOHN, "how do I join the ministry batik competition")
    assert "March" in texts(calls)[0]
    [johns] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert johns.status == "auto_answered" and johns.entry_id == f"staff-{inquiry_id}"

    calls = await harness.send(STAFF, "/drafts")
    assert "No drafts" in texts(calls)[0]


async def test_topic_cycles_and_a_draft_can_be_deleted(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await _answered(harness, services)
    await harness.press(STAFF, "Add to knowledge base")
    calls = await harness.press(STAFF, "Change topic")
    assert "Partnerships" in texts(calls)[0]
    calls = await harness.press(STAFF, "Delete")
    assert alerts(calls) == ["Draft deleted."]
    assert await services.drafts.get(f"staff-{inquiry_id}") is None


async def test_only_staff_answered_questions_can_become_entries(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Belum dijawab")
    await harness.send(STAFF, "/inbox")
    calls = await harness.press_data(STAFF, f"sdk:{inquiry_id}")
    assert "answered by staff" in alerts(calls)[0]


async def test_too_long_texts_block_publishing(harness: Harness, services: Services) -> None:
    inquiry_id = await _answered(harness, services)
    await harness.press(STAFF, "Add to knowledge base")
    await harness.press(STAFF, "✍️ English")
    await harness.send(STAFF, "T" * 80 + "\n" + "answer")
    entry = await services.drafts.get(f"staff-{inquiry_id}")
    assert [issue.problem for issue in issues(entry)] == [Problem.LONG_TITLE]
    published, problems = await services.drafts.publish(entry.id)
    assert not published and problems


def test_draft_text_helpers() -> None:
    assert parse_text(" Title \n\nThe answer\nmore ") == ("Title", "The answer\nmore")
    assert shorten("one two three four", 10) == "one two…"
    assert shorten("short", 10) == "short"
