"""End-to-end: a real Application, the offline Bot API, a real SQLite file."""

from __future__ import annotations

import logging

import pytest

from bot.services import Services
from db import inquiries as inquiry_table
from db import users as user_table
from telegram_io.offline import ApiCall, ApiError
from tests.harness import Harness, alerts, telegram_user, texts

SITI = telegram_user(5001, "id")
JOHN = telegram_user(5002, "en-GB", first_name="John")


async def test_start_greets_in_indonesian_with_main_menu(harness: Harness) -> None:
    calls = await harness.send(SITI, "/start")
    assert "Halo Siti" in texts(calls)[0]
    labels = list(harness.buttons(SITI["id"]))
    assert any("Bisnis & HAM" in label for label in labels)
    assert any("Tanya petugas" in label for label in labels)


async def test_start_greets_in_english_for_an_english_telegram(harness: Harness) -> None:
    calls = await harness.send(JOHN, "/start")
    assert "Hello John" in texts(calls)[0]
    assert any("Business & Human Rights" in label for label in harness.buttons(JOHN["id"]))


async def test_entry_details_are_indonesian_throughout(harness: Harness) -> None:
    await harness.send(SITI, "/start")
    await harness.press(SITI, "Bisnis & HAM")
    entry_buttons = [label for label in harness.buttons(SITI["id"]) if "◀️" not in label]
    await harness.press(SITI, entry_buttons[0])
    calls = await harness.press(SITI, "Selengkapnya")
    details = texts(calls)[0]
    assert "<i>Sumber</i>" in details and "Sources" not in details


async def test_user_without_language_gets_the_default(harness: Harness) -> None:
    user = telegram_user(5003, None)
    calls = await harness.send(user, "/start")
    assert "Halo" in texts(calls)[0]


async def test_language_switch_is_remembered(harness: Harness, services: Services) -> None:
    await harness.send(SITI, "/language")
    calls = await harness.press(SITI, "English")
    assert "English" in texts(calls)[0]
    record = await user_table.get(services.db, SITI["id"])
    assert record is not None and record.language == "en"
    calls = await harness.send(SITI, "/menu")  # Telegram still says "id"; the choice wins
    assert texts(calls) == ["What would you like to know?"]


async def test_menu_navigation_to_an_entry_and_its_details(harness: Harness) -> None:
    await harness.send(JOHN, "/start")
    calls = await harness.press(JOHN, "Business & Human Rights")
    assert "Business &amp; Human Rights" in texts(calls)[0]
    entry_buttons = [label for label in harness.buttons(JOHN["id"]) if "◀️" not in label]
    assert len(entry_buttons) >= 3
    calls = await harness.press(JOHN, entry_buttons[0])
    answer = texts(calls)[0]
    assert answer.startswith("<b>")
    calls = await harness.press(JOHN, "More detail")
    assert "Sources" in texts(calls)[0] and "Last reviewed" in texts(calls)[0]
    calls = await harness.press(JOHN, "Main menu")
    assert texts(calls) == ["What would you like to know?"]


async def test_topic_pages_page_through_every_entry(harness: Harness, services: Services) -> None:
    await harness.send(JOHN, "/start bhr")
    seen: set[str] = set()
    for _ in range(20):
        buttons = harness.buttons(JOHN["id"])
        seen |= {data for data in buttons.values() if data.startswith("kb:")}
        if "▶️" not in buttons:
            break
        await harness.press(JOHN, "▶️")
    expected = {f"kb:{entry.id}" for entry in services.knowledge.in_topic("bhr")}
    assert seen == expected


@pytest.mark.parametrize("payload", ["bhr", "partnership", "training"])
async def test_deep_link_opens_the_topic(harness: Harness, payload: str) -> None:
    calls = await harness.send(JOHN, f"/start {payload}")
    assert "<b>" in texts(calls)[0]
    assert all(
        data.startswith(("kb:", "topic:", "menu")) or data == "tr"  # tr: upcoming trainings
        for data in harness.buttons(JOHN["id"]).values()
    )


async def test_free_text_question_is_answered_and_logged(
    harness: Harness, services: Services
) -> None:
    calls = await harness.send(JOHN, "What are the three pillars of the UN Guiding Principles?")
    answer = texts(calls)[0]
    assert "pillar" in answer.lower()
    assert any("Helpful" in label for label in harness.buttons(JOHN["id"]))
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert inquiry.status == "auto_answered"
    assert inquiry.entry_id is not None and inquiry.score is not None
    assert inquiry.question.startswith("What are the three pillars")


async def test_unknown_question_goes_to_staff_as_open(
    harness: Harness, services: Services
) -> None:
    calls = await harness.send(SITI, "besok cuaca di bandung hujan ga ya")
    assert "petugas" in texts(calls)[0]
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "open"


async def test_ask_staff_button_logs_next_message_without_search(
    harness: Harness, services: Services
) -> None:
    await harness.send(SITI, "/start")
    await harness.press(SITI, "Tanya petugas")
    calls = await harness.send(SITI, "Apa itu UNGP?")
    assert "sudah kami teruskan ke petugas" in texts(calls)[0]  # confirmed, not "no answer"
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.status == "open" and inquiry.entry_id is None


async def test_inquiry_is_kept_when_the_reply_cannot_be_sent(
    harness: Harness, services: Services
) -> None:
    def fail_messages(call: ApiCall) -> ApiError | None:
        return ApiError(502, "Bad Gateway") if call.method == "sendMessage" else None

    harness.api.fault = fail_messages
    await harness.send(JOHN, "What is human rights due diligence?")
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert inquiry.question == "What is human rights due diligence?"
    assert inquiry.status == "open"  # never reached the user, so staff still see it


async def test_thumbs_down_reopens_the_inquiry_for_staff(
    harness: Harness, services: Services
) -> None:
    await harness.send(JOHN, "What are the three pillars of the UN Guiding Principles?")
    calls = await harness.press(JOHN, "Not helpful")
    assert any("staff" in alert for alert in alerts(calls))
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert inquiry.status == "open" and inquiry.helpful is False
    assert not any("Helpful" in label for label in harness.buttons(JOHN["id"]))


async def test_feedback_on_someone_elses_inquiry_is_refused(
    harness: Harness, services: Services
) -> None:
    await harness.send(JOHN, "What are the three pillars of the UN Guiding Principles?")
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    await harness.send(SITI, "/start")
    calls = await harness.press_data(SITI, f"fb:{inquiry.id}:0")
    assert alerts(calls) == ["Tombol ini sudah tidak berlaku."]
    assert (await inquiry_table.get(services.db, inquiry.id)).status == "auto_answered"


@pytest.mark.parametrize(
    "data",
    ["kb:no-such-entry", "topic:secret:0", "fb:abc:1", "pick:1:x:y", "lang:xx", "fb:99999:1"],
)
async def test_forged_callback_data_is_answered_politely(harness: Harness, data: str) -> None:
    await harness.send(JOHN, "/start")
    calls = await harness.press_data(JOHN, data)
    assert any(call.method in ("answerCallbackQuery", "sendMessage") for call in calls)
    assert not any("Traceback" in text for text in texts(calls))


async def test_user_names_are_escaped_in_html(harness: Harness) -> None:
    user = telegram_user(5004, "en", first_name="<b>Tom & Jerry</b>")
    calls = await harness.send(user, "/start")
    [greeting] = texts(calls)  # the offline API rejects unescaped HTML, as Telegram does
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in greeting


async def test_errors_reach_the_user_politely_and_the_log_in_full(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(services.inquiries, "ask", broken)
    with caplog.at_level(logging.ERROR):
        calls = await harness.send(SITI, "halo min")
    [reply] = texts(calls)
    assert "Mohon maaf" in reply and "RuntimeError" not in reply and "Traceback" not in reply
    assert "database exploded" in caplog.text


async def test_non_text_messages_get_a_polite_answer(harness: Harness) -> None:
    payload = harness.updates.message(SITI, "x")
    del payload["message"]["text"]
    payload["message"]["sticker"] = {
        "file_id": "s1",
        "file_unique_id": "s1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    calls = await harness.feed(payload)
    assert "hanya bisa membaca pesan teks" in texts(calls)[0]


async def test_command_menus_are_set_per_language(harness: Harness) -> None:
    await harness.application.post_init(harness.application)
    menus = {
        call.params.get("language_code"): call.params["commands"]
        for call in harness.api.calls
        if call.method == "setMyCommands"
    }
    assert set(menus) >= {"id", "en", None}
    id_descriptions = [command["description"] for command in menus["id"]]
    en_descriptions = [command["description"] for command in menus["en"]]
    assert "Mulai dan menu utama" in id_descriptions
    assert "Start and main menu" in en_descriptions


async def test_blocking_the_bot_marks_the_user_blocked(
    harness: Harness, services: Services
) -> None:
    await harness.send(SITI, "/start")
    member = {"user": {"id": 777000111, "is_bot": True, "first_name": "Teman UMKM"}}
    await harness.feed(
        harness.updates.raw(
            {
                "my_chat_member": {
                    "chat": {"id": SITI["id"], "type": "private", "first_name": "Siti"},
                    "from": SITI,
                    "date": 0,
                    "old_chat_member": {**member, "status": "member"},
                    "new_chat_member": {**member, "status": "kicked", "until_date": 0},
                }
            }
        )
    )
    record = await user_table.get(services.db, SITI["id"])
    assert record is not None and record.blocked
