"""Whole conversations over HTTP: the real ``smebot run`` process, long polling a loopback
Bot API, both languages, buttons, questions answered and logged, and a hand-over to staff."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.e2e.conftest import Launch, query
from tests.harness import telegram_user
from tests.http_api.server import LoopbackBotAPI

SITI = telegram_user(6001, "id")
JOHN = telegram_user(6002, "en-GB", first_name="John")
REPLY_TIMEOUT = 10.0


def _answer_or_pick(api: LoopbackBotAPI, user: dict, asked: int, choose: str) -> None:
    """Wait for the reply to a question; if the bot offers candidates, take the first one."""
    chat = user["id"]
    api.wait_for(lambda: len(api.texts(chat)) > asked, REPLY_TIMEOUT, "a reply to the question")
    if choose in api.texts(chat)[-1]:
        [first, *_] = [
            button
            for row in api.messages(chat)[-1]["reply_markup"]["inline_keyboard"]
            for button in row
        ]
        api.press(user, first["text"])
        api.wait_for(lambda: len(api.texts(chat)) > asked + 1, REPLY_TIMEOUT, "the answer")


def test_indonesian_user_browses_asks_and_is_handed_to_staff(
    api: LoopbackBotAPI, launch: Launch, database: Path
) -> None:
    bot = launch()
    api.send(SITI, "/start")
    assert "Halo Siti" in api.wait_for_text(SITI["id"], "Halo")

    api.press(SITI, "Bisnis & HAM")  # a callback query: the menu message is edited in place
    api.wait_for(
        lambda: (
            "Bisnis &amp; HAM" not in api.texts(SITI["id"])[-1]
            and "Bisnis & HAM" in api.texts(SITI["id"])[-1]
        ),
        REPLY_TIMEOUT,
        "the topic page",
    )
    assert any(call.status == 200 for call in api.served("answerCallbackQuery"))

    asked = len(api.texts(SITI["id"]))
    api.send(SITI, "Apa saja tiga pilar Prinsip Panduan PBB?")
    _answer_or_pick(api, SITI, asked, "Yang Anda maksud")
    assert "Membantu" in str(api.messages(SITI["id"])[-1]["reply_markup"])

    api.send(SITI, "besok cuaca di bandung hujan ga ya")
    assert "petugas" in api.wait_for_text(SITI["id"], "petugas")

    rows = query(database, "SELECT question, status FROM inquiries WHERE user_id = ?", (6001,))
    statuses = {row["question"]: row["status"] for row in rows}
    assert statuses == {
        "Apa saja tiga pilar Prinsip Panduan PBB?": "auto_answered",
        "besok cuaca di bandung hujan ga ya": "open",
    }
    for suffix in ("", "-wal", "-shm"):  # personal data: owner-only, on the real run
        path = Path(f"{database}{suffix}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert bot.alive


def test_english_user_switches_language_and_rates_an_answer(
    api: LoopbackBotAPI, launch: Launch, database: Path
) -> None:
    launch()
    api.send(JOHN, "/start")
    assert "Hello John" in api.wait_for_text(JOHN["id"], "Hello")

    asked = len(api.texts(JOHN["id"]))
    api.send(JOHN, "What are the three pillars of the UN Guiding Principles?")
    _answer_or_pick(api, JOHN, asked, "Which of these")
    api.press(JOHN, "Not helpful")
    api.wait_for(
        lambda: "Not helpful" not in str(api.messages(JOHN["id"])[-1].get("reply_markup")),
        REPLY_TIMEOUT,
        "the feedback buttons to go",
    )
    [row] = query(database, "SELECT status, helpful FROM inquiries WHERE user_id = ?", (6002,))
    assert (row["status"], row["helpful"]) == ("open", 0)  # back in the staff inbox

    api.send(JOHN, "/language")
    api.wait_for_text(JOHN["id"], "Pilih bahasa")
    api.press(JOHN, "Indonesia")
    api.wait_for_text(JOHN["id"], "Bahasa Indonesia.")
    api.send(JOHN, "/menu")
    api.wait_for_text(JOHN["id"], "ingin Anda ketahui")
    [user] = query(database, "SELECT language FROM users WHERE id = ?", (6002,))
    assert user["language"] == "id"
