"""End-to-end: the staff desk through the real Application, the offline Bot API and SQLite."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.config import Settings
from bot.desk import STEP_TIMEOUT, DeliveryError, Outcome
from bot.services import Services
from bot.staff import Role
from db import inquiries as inquiry_table
from db import staff as staff_table
from db import users as user_table
from handlers.staff_callbacks import STAFF_PREFIXES
from telegram_io.offline import ApiCall, ApiError
from tests.conftest import STAFF_ID
from tests.desk_helpers import (
    COLLEAGUE,
    JOHN,
    MALLORY,
    SITI,
    STAFF,
    STAFF_CHAT,
    everything_said,
    make_staff,
    open_question,
    to_chat,
)
from tests.harness import Harness, alerts, texts

UNKNOWN_COMMAND = "I don't know that command. Here is what I can do:"
EXPIRED = "This button has expired."
SECRET = "Rahasia dagang Toko Maju: omzet 80 juta"
"""Another user's question: must never reach anyone but staff."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The conftest settings plus a staff group."""
    return Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(tmp_path / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
        staff_chat_id=STAFF_CHAT,
    )


# -- roles ---------------------------------------------------------------------------------------
async def test_admin_adds_lists_and_removes_staff_with_an_audit_trail(
    harness: Harness, services: Services
) -> None:
    await harness.send(COLLEAGUE, "/start")
    calls = await harness.send(STAFF, f"/staff add {COLLEAGUE['id']}")
    assert "is now staff" in texts(calls)[0]
    scoped = [c for c in calls if c.method == "setMyCommands" and c.params.get("scope")]
    assert {c.params.get("language_code") for c in scoped} == {"id", "en", None}
    assert all(c.params["scope"] == {"type": "chat", "chat_id": COLLEAGUE["id"]} for c in scoped)
    assert await services.staff.role_of(COLLEAGUE["id"]) is Role.STAFF

    calls = await harness.send(STAFF, "/staff list")
    listing = texts(calls)[0]
    assert "Officer" in listing and "Rina" in listing and "administrator" in listing
    assert f"{STAFF_ID} added {COLLEAGUE['id']}" in listing

    calls = await harness.send(STAFF, f"/staff remove {COLLEAGUE['id']}")
    assert "no longer staff" in texts(calls)[0]
    assert any(c.method == "deleteMyCommands" for c in calls)
    assert await services.staff.role_of(COLLEAGUE["id"]) is Role.USER
    audit = await staff_table.audit(services.db, 10)
    assert [(row.action, row.actor_id, row.target_id) for row in audit] == [
        ("remove", STAFF_ID, COLLEAGUE["id"]),
        ("add", STAFF_ID, COLLEAGUE["id"]),
    ]


async def test_staff_add_needs_a_user_who_started_the_bot(harness: Harness) -> None:
    calls = await harness.send(STAFF, "/staff add 424242")
    assert "has not started this bot" in texts(calls)[0]


async def test_administrators_cannot_be_removed_from_inside_the_bot(
    harness: Harness, services: Services
) -> None:
    calls = await harness.send(STAFF, f"/staff remove {STAFF_ID}")
    assert "STAFF_IDS" in texts(calls)[0]
    assert await services.staff.role_of(STAFF_ID) is Role.ADMIN


async def test_staff_who_are_not_administrators_cannot_manage_staff(
    harness: Harness, services: Services
) -> None:
    await make_staff(harness, services, COLLEAGUE)
    calls = await harness.send(COLLEAGUE, f"/staff add {MALLORY['id']}")
    assert texts(calls) == [services.catalogs.gettext("id", UNKNOWN_COMMAND)]
    assert await services.staff.role_of(MALLORY["id"]) is Role.USER


async def test_a_removed_staff_member_loses_access_at_the_next_update(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, SECRET)
    await make_staff(harness, services, COLLEAGUE)
    calls = await harness.send(COLLEAGUE, "/inbox")
    assert SECRET.split(":")[0] in texts(calls)[0]
    await harness.send(STAFF, f"/staff remove {COLLEAGUE['id']}")

    calls = await harness.send(COLLEAGUE, "/inbox")
    assert texts(calls) == [services.catalogs.gettext("id", UNKNOWN_COMMAND)]
    assert SECRET not in everything_said(calls)
    calls = await harness.press_data(COLLEAGUE, f"sdr:{inquiry_id}")  # an old button
    assert alerts(calls) == ["Tombol ini sudah tidak berlaku."]
    assert await services.desk.step(COLLEAGUE["id"]) is None


async def test_staff_get_a_staff_command_menu_in_both_languages(harness: Harness) -> None:
    await harness.application.post_init(harness.application)
    scoped = {
        call.params.get("language_code"): [
            command["command"] for command in call.params["commands"]
        ]
        for call in harness.api.calls
        if call.method == "setMyCommands"
        and call.params.get("scope") == {"type": "chat", "chat_id": STAFF_ID}
    }
    assert set(scoped) == {"id", "en", None}
    for commands in scoped.values():
        assert {"start", "inbox", "reply", "stats", "export", "drafts", "staff"} <= set(commands)
    descriptions = [
        command["description"]
        for call in harness.api.calls
        if call.method == "setMyCommands"
        and call.params.get("language_code") == "id"
        and call.params.get("scope")
        for command in call.params["commands"]
    ]
    assert "Pertanyaan terbuka dari pengguna" in descriptions


# -- the authorisation matrix --------------------------------------------------------------------
COMMANDS = [
    "/inbox",
    "/inbox all",
    "/reply {open} I answer as staff",
    "/drafts",
    "/stats",
    "/export",
    "/export answered xlsx",
    "/staff",
    "/staff list",
    "/staff add 6666",
    "/staff remove 900001",
]

BUTTONS = {
    "sdi": "sdi:0.*.*.*",
    "sdr": "sdr:{open}",
    "sdv": "sdv:{open}:0.o.*.*",
    "sdx": "sdx:{open}:0.o.*.*",
    "sdh": "sdh:{open}",
    "sds": "sds:{open}",
    "sdc": "sdc",
    "sdk": "sdk:{answered}",
    "sdd": "sdd:staff-{answered}",
    "sdt": "sdt:staff-{answered}:en",
    "sdo": "sdo:staff-{answered}",
    "sdp": "sdp:staff-{answered}",
    "sdz": "sdz:staff-{answered}",
}


def test_the_matrix_covers_every_staff_button() -> None:
    assert set(BUTTONS) == set(STAFF_PREFIXES)


async def _desk_with_secrets(harness: Harness, services: Services) -> dict[str, int]:
    """An open question and an answered one with a knowledge-base draft, all from Siti."""
    open_id = await open_question(harness, services, SITI, SECRET)
    answered_id = await open_question(harness, services, SITI, SECRET + " (kedua)")
    await harness.send(STAFF, f"/reply {answered_id} Jawaban petugas rahasia")
    await services.drafts.from_inquiry(answered_id)
    await services.desk.start_reply(STAFF_ID, open_id)
    return {"open": open_id, "answered": answered_id}


async def _snapshot(services: Services, ids: dict[str, int]) -> list[object]:
    return [
        *[await inquiry_table.get(services.db, inquiry_id) for inquiry_id in ids.values()],
        await services.drafts.get(f"staff-{ids['answered']}"),
        await staff_table.get_step(services.db, STAFF_ID),
        await services.staff.role_of(MALLORY["id"]),
    ]


@pytest.mark.parametrize("command", COMMANDS)
async def test_staff_commands_from_a_user_are_refused_and_leak_nothing(
    harness: Harness, services: Services, command: str
) -> None:
    ids = await _desk_with_secrets(harness, services)
    before = await _snapshot(services, ids)
    calls = await harness.send(MALLORY, command.format(**ids))
    assert texts(calls) == [UNKNOWN_COMMAND]
    assert not [c for c in calls if c.method in ("sendDocument", "sendPhoto")]
    assert SECRET not in everything_said(calls) and "Siti" not in everything_said(calls)
    assert to_chat(calls, SITI["id"]) == []
    assert await _snapshot(services, ids) == before


@pytest.mark.parametrize("prefix", sorted(BUTTONS))
async def test_staff_buttons_from_a_user_are_refused_and_leak_nothing(
    harness: Harness, services: Services, prefix: str
) -> None:
    ids = await _desk_with_secrets(harness, services)
    before = await _snapshot(services, ids)
    await harness.send(MALLORY, "/start")
    calls = await harness.press_data(MALLORY, BUTTONS[prefix].format(**ids))
    assert alerts(calls) == [EXPIRED]
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert SECRET not in everything_said(calls)
    assert await _snapshot(services, ids) == before
    assert await staff_table.get_step(services.db, MALLORY["id"]) is None


async def test_replies_in_the_staff_group_from_non_staff_are_ignored(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, SECRET)
    [post] = [
        c
        for c in harness.api.calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) == STAFF_CHAT
    ]
    message = harness.api.message(STAFF_CHAT, 1)
    assert message is not None and SECRET.split(":")[0] in post.params["text"]
    calls = await harness.feed(_group_reply(harness, MALLORY, "I answer instead", message))
    assert calls == [] or all(c.method != "sendMessage" for c in calls)
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"


# -- the inbox -----------------------------------------------------------------------------------
async def test_inbox_card_shows_user_question_and_guess_escaped(
    harness: Harness, services: Services
) -> None:
    await open_question(harness, services, SITI, "<b>x</b> & <script>")
    calls = await harness.send(STAFF, "/inbox")
    [card] = texts(calls)  # the offline API already refused it if the HTML were bad
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in card
    assert "<script>" not in card
    assert "Siti" in card and "@siti_umkm" in card and "Bahasa Indonesia" in card
    assert "21 Nov 2026" in card and "WIB" in card
    labels = " ".join(harness.buttons(STAFF_ID))
    for label in ("Reply", "Resolve", "Spam", "User history"):
        assert label in labels


async def test_inbox_shows_the_bots_best_guess_with_its_score(
    harness: Harness, services: Services
) -> None:
    services.clock.advance(minutes=1)
    await harness.send(JOHN, "What is the price of chillies in the market today?")
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    if inquiry.entry_id is None:
        await inquiry_table.set_best_guess(services.db, inquiry.id, "hrdd-overview", 0.12, "bhr")
    calls = await harness.send(STAFF, "/inbox")
    card = texts(calls)[0]
    guess = await inquiry_table.get(services.db, inquiry.id)
    assert "Best guess" in card and f"{guess.score:.2f}" in card and guess.entry_id in card


async def test_inbox_is_oldest_first_paged_and_filtered(
    harness: Harness, services: Services
) -> None:
    first = await open_question(harness, services, SITI, "Pertanyaan pertama")
    second = await open_question(harness, services, JOHN, "Second question")
    third = await open_question(harness, services, SITI, "Pertanyaan ketiga")
    calls = await harness.send(STAFF, "/inbox")
    assert f"#{first}" in texts(calls)[0] and "1 of 3" in texts(calls)[0]
    calls = await harness.press(STAFF, "▶️")
    assert f"#{second}" in texts(calls)[0] and "2 of 3" in texts(calls)[0]
    calls = await harness.press(STAFF, "▶️")
    assert f"#{third}" in texts(calls)[0]
    assert "▶️" not in harness.buttons(STAFF_ID)

    calls = await harness.press(STAFF, "all languages")  # → Bahasa Indonesia only
    assert "1 of 2" in texts(calls)[0] and f"#{first}" in texts(calls)[0]
    calls = await harness.press(STAFF, "Bahasa Indonesia")  # → English only
    assert "1 of 1" in texts(calls)[0] and f"#{second}" in texts(calls)[0]

    calls = await harness.send(STAFF, "/inbox en")
    assert "1 of 1" in texts(calls)[0]
    calls = await harness.send(STAFF, "/inbox answered")
    assert "No questions here" in texts(calls)[0]
    calls = await harness.send(STAFF, "/inbox training")
    assert "No questions here" in texts(calls)[0]


async def test_status_filter_cycles_through_statuses(harness: Harness, services: Services) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Spam spam spam")
    await harness.send(STAFF, "/inbox")
    calls = await harness.press(STAFF, "Spam")
    assert "spam" in alerts(calls)[0].lower()
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "spam"
    assert "No questions here" in texts(calls)[0]
    for _ in range(5):  # open → waiting for a choice → auto → answered → resolved → spam
        calls = await harness.press(STAFF, "🔖")
    assert f"#{inquiry_id}" in texts(calls)[0]


async def test_resolve_closes_and_shows_the_next_question(
    harness: Harness, services: Services
) -> None:
    first = await open_question(harness, services, SITI, "Sudah dijawab lewat telepon")
    second = await open_question(harness, services, JOHN, "Next one")
    await harness.send(STAFF, "/inbox")
    calls = await harness.press(STAFF, "Resolve")
    assert alerts(calls) == ["Marked as resolved."]
    assert f"#{second}" in texts(calls)[0]
    assert (await inquiry_table.get(services.db, first)).status == "resolved"


async def test_user_history_lists_the_users_questions(
    harness: Harness, services: Services
) -> None:
    await open_question(harness, services, SITI, "Pertanyaan lama")
    await open_question(harness, services, SITI, "Pertanyaan baru <i>")
    await open_question(harness, services, JOHN, "Not Siti's")
    await harness.send(STAFF, "/inbox")
    calls = await harness.press(STAFF, "User history")
    [history] = texts(calls)
    assert "Pertanyaan lama" in history and "Pertanyaan baru &lt;i&gt;" in history
    assert "Not Siti" not in history and "2 questions" in history


# -- answering -----------------------------------------------------------------------------------
async def test_reply_button_preview_and_send(harness: Harness, services: Services) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Apa <itu> HAM & bisnis?")
    await harness.send(STAFF, "/inbox")
    calls = await harness.press(STAFF, "Reply")
    assert "Type your answer" in texts(calls)[0] and "Bahasa Indonesia" in texts(calls)[0]
    calls = await harness.send(
        STAFF, "HAM artinya <b>hak asasi</b> & bisnis wajib menghormatinya."
    )
    [preview] = texts(calls)
    assert "Preview" in preview and "Jawaban dari petugas kementerian" in preview
    assert to_chat(calls, SITI["id"]) == []  # nothing sent before "Send"
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"

    calls = await harness.press(STAFF, "Send")
    [to_siti] = to_chat(calls, SITI["id"])
    html = to_siti.params["text"]
    assert "Jawaban dari petugas kementerian" in html and "Anda bertanya" in html
    assert "<blockquote>Apa &lt;itu&gt; HAM &amp; bisnis?</blockquote>" in html
    assert "HAM artinya &lt;b&gt;hak asasi&lt;/b&gt; &amp; bisnis" in html
    assert any("sent to Siti" in text for text in texts(to_chat(calls, STAFF_ID)))
    inquiry = await inquiry_table.get(services.db, inquiry_id)
    assert inquiry.status == "answered" and inquiry.answered_by == STAFF_ID
    assert inquiry.answered_at == "2026-11-21T08:01:00Z"
    assert inquiry.answer == "HAM artinya <b>hak asasi</b> & bisnis wajib menghormatinya."
    assert await services.desk.step(STAFF_ID) is None

    calls = await harness.press_data(STAFF, f"sds:{inquiry_id}")  # a second press
    assert alerts(calls) == [EXPIRED] and to_chat(calls, SITI["id"]) == []


async def test_english_users_get_the_frame_in_english(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, JOHN, "Who do I call?")
    calls = await harness.send(STAFF, f"/reply {inquiry_id} Call 123.")
    [to_john] = to_chat(calls, JOHN["id"])
    assert "Answer from ministry staff" in to_john.params["text"]


async def test_cancel_drops_the_draft(harness: Harness, services: Services) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Batal?")
    await harness.send(STAFF, "/inbox")
    await harness.press(STAFF, "Reply")
    await harness.send(STAFF, "Draft answer")
    calls = await harness.press(STAFF, "Cancel")
    assert alerts(calls) == ["Cancelled."]
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"
    services.clock.advance(minutes=1)
    calls = await harness.send(STAFF, "What is human rights due diligence?")
    assert not any("Preview" in text for text in texts(calls))  # an ordinary question again


async def test_a_stale_reply_step_is_dropped(harness: Harness, services: Services) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Lama sekali")
    await harness.send(STAFF, "/inbox")
    await harness.press(STAFF, "Reply")
    services.clock.advance(seconds=STEP_TIMEOUT.total_seconds() + 60)
    calls = await harness.send(STAFF, "Something unrelated a day later")
    assert not any("Preview" in text for text in texts(calls))
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"


async def test_too_long_answers_are_refused_before_anything_is_sent(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Panjang?")
    calls = await harness.send(STAFF, f"/reply {inquiry_id} " + "kata " * 700)
    assert "too long" in texts(calls)[0] and to_chat(calls, SITI["id"]) == []
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"


async def test_reply_command_usage_and_unknown_ids(harness: Harness) -> None:
    calls = await harness.send(STAFF, "/reply")
    assert "Usage" in texts(calls)[0]
    calls = await harness.send(STAFF, "/reply 99999 hello")
    assert "does not exist" in texts(calls)[0]


async def test_two_staff_answering_at_once_send_one_answer(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Siapa cepat?")
    await make_staff(harness, services, COLLEAGUE)
    before = len(harness.api.calls)
    await asyncio.gather(
        harness.send(STAFF, f"/reply {inquiry_id} Jawaban A"),
        harness.send(COLLEAGUE, f"/reply {inquiry_id} Jawaban B"),
    )
    calls = harness.api.calls[before:]  # both updates' calls (their own slices overlap)
    to_siti = to_chat(calls, SITI["id"])
    assert len(to_siti) == 1
    inquiry = await inquiry_table.get(services.db, inquiry_id)
    winner, loser = (STAFF, COLLEAGUE) if inquiry.answered_by == STAFF_ID else (COLLEAGUE, STAFF)
    assert inquiry.answer in to_siti[0].params["text"]
    assert "sent to Siti" in " ".join(
        texts(to_chat(calls, winner["id"]))
    ) or "terkirim" in " ".join(texts(to_chat(calls, winner["id"])))
    [refusal] = texts(to_chat(calls, loser["id"]))
    assert "#" + str(inquiry_id) in refusal and "⚠️" in refusal


async def test_concurrent_answers_claim_before_sending(services: Services) -> None:
    """The desk alone, with a slow delivery: the second claim fails while the first sends."""
    await user_table.touch(services.db, 5001, "Siti", None, None, "id", "2026-11-21T08:00:00Z")
    inquiry_id = await inquiry_table.insert(
        services.db, 5001, 5001, 1, "id", "Pertanyaan", "2026-11-21T08:00:00Z"
    )
    delivered: list[str] = []

    async def slow(inquiry, user, answer: str) -> None:
        await asyncio.sleep(0.05)
        delivered.append(answer)

    results = await asyncio.gather(
        *(services.desk.answer(900_000 + n, inquiry_id, f"answer {n}", slow) for n in range(5))
    )
    assert sorted(result.outcome.value for result in results) == ["sent"] + ["taken"] * 4
    assert len(delivered) == 1


async def test_blocked_user_is_marked_and_the_claim_released(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Masih di sana?")

    def blocked(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage" and int(call.params["chat_id"]) == SITI["id"]:
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return None

    harness.api.fault = blocked
    calls = await harness.send(STAFF, f"/reply {inquiry_id} Halo Siti")
    assert any("blocked the bot" in text for text in texts(to_chat(calls, STAFF_ID)))
    inquiry = await inquiry_table.get(services.db, inquiry_id)
    assert inquiry.status == "open" and inquiry.answered_by is None and inquiry.answer is None
    assert (await user_table.get(services.db, SITI["id"])).blocked

    harness.api.fault = None  # Siti unblocks and writes again: the question can be answered
    await harness.send(SITI, "/start")
    calls = await harness.send(STAFF, f"/reply {inquiry_id} Halo lagi")
    assert len(to_chat(calls, SITI["id"])) == 1


async def test_other_delivery_failures_release_the_claim(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Gagal kirim?")

    def flaky(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage" and int(call.params["chat_id"]) == SITI["id"]:
            return ApiError(400, "Bad Request: chat not found")
        return None

    harness.api.fault = flaky
    calls = await harness.send(STAFF, f"/reply {inquiry_id} Halo")
    [report] = texts(to_chat(calls, STAFF_ID))
    assert "Not delivered" in report and "open again" in report
    assert "chat not found" in report.lower()
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"
    assert not (await user_table.get(services.db, SITI["id"])).blocked


async def test_delivery_error_outcomes_in_the_desk(services: Services) -> None:
    await user_table.touch(services.db, 5001, "Siti", None, None, "id", "2026-11-21T08:00:00Z")
    inquiry_id = await inquiry_table.insert(
        services.db, 5001, 5001, 1, "id", "Q", "2026-11-21T08:00:00Z"
    )

    async def refuse(inquiry, user, answer: str) -> None:
        raise DeliveryError("Forbidden", blocked=True)

    result = await services.desk.answer(STAFF_ID, inquiry_id, "A", refuse)
    assert result.outcome is Outcome.BLOCKED
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"


# -- the staff group -----------------------------------------------------------------------------
def _group_reply(harness: Harness, user: dict, text: str, replied: dict) -> dict:
    group = {"id": STAFF_CHAT, "type": "supergroup", "title": "Staff"}
    payload = harness.updates.message(user, text, chat=group)
    payload["message"]["reply_to_message"] = replied
    return payload


async def test_new_questions_are_posted_to_the_staff_group_and_a_reply_answers(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Grup <b>staf</b>?")
    posts = await services.desk.posts_of(inquiry_id)
    assert len(posts) == 1 and posts[0][0] == STAFF_CHAT
    post = harness.api.message(STAFF_CHAT, posts[0][1])
    assert post is not None and "Grup <b>staf</b>?" in post["text"]  # escaped on the wire
    assert "Reply to this message" in post["text"] or "Balas pesan ini" in post["text"]

    calls = await harness.feed(_group_reply(harness, COLLEAGUE, "Tidak dari staf", post))
    assert to_chat(calls, SITI["id"]) == []  # Rina is not staff (yet)

    await make_staff(harness, services, COLLEAGUE)
    calls = await harness.feed(_group_reply(harness, COLLEAGUE, "Dijawab dari grup", post))
    [to_siti] = to_chat(calls, SITI["id"])
    assert "Dijawab dari grup" in to_siti.params["text"]
    assert "Grup &lt;b&gt;staf&lt;/b&gt;?" in to_siti.params["text"]
    [confirmation] = to_chat(calls, STAFF_CHAT)
    assert confirmation.params.get("reply_parameters", {}).get("message_id") is not None
    inquiry = await inquiry_table.get(services.db, inquiry_id)
    assert inquiry.status == "answered" and inquiry.answered_by == COLLEAGUE["id"]

    calls = await harness.feed(_group_reply(harness, STAFF, "Jawaban kedua", post))
    assert to_chat(calls, SITI["id"]) == []
    assert any("sudah dijawab" in t or "already been answered" in t for t in texts(calls))


async def test_replies_to_other_group_messages_are_ignored(
    harness: Harness, services: Services
) -> None:
    await open_question(harness, services, SITI, "Pertanyaan")
    other = {
        "message_id": 4242,
        "date": 0,
        "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Staff"},
        "from": COLLEAGUE,
        "text": "lunch?",
    }
    calls = await harness.feed(_group_reply(harness, STAFF, "yes", other))
    assert [c for c in calls if c.method == "sendMessage"] == []


async def test_a_thumbs_down_reopen_is_posted_to_the_staff_group(
    harness: Harness, services: Services
) -> None:
    services.clock.advance(minutes=1)
    await harness.send(JOHN, "What are the three pillars of the UN Guiding Principles?")
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    if inquiry.status != "auto_answered":
        pytest.skip("the knowledge base did not answer this question automatically")
    await harness.press(JOHN, "Not helpful")
    posts = await services.desk.posts_of(inquiry.id)
    assert len(posts) == 1
    post = harness.api.message(STAFF_CHAT, posts[0][1])
    assert "open again" in post["text"] or "dibuka lagi" in post["text"]


async def test_without_a_staff_group_nothing_is_posted(
    harness: Harness, services: Services, settings: Settings
) -> None:
    services.settings = dataclasses.replace(settings, staff_chat_id=None)
    await open_question(harness, services, SITI, "Tanpa grup")
    assert [
        c for c in harness.api.calls if int(c.params.get("chat_id", 0) or 0) == STAFF_CHAT
    ] == []


async def test_a_failing_staff_group_does_not_disturb_the_user(
    harness: Harness, services: Services
) -> None:
    def group_gone(call: ApiCall) -> ApiError | None:
        if int(call.params.get("chat_id", 0) or 0) == STAFF_CHAT:
            return ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        return None

    harness.api.fault = group_gone
    inquiry_id = await open_question(harness, services, SITI, "Grup hilang")
    assert await services.desk.posts_of(inquiry_id) == []
