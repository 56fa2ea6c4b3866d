"""Updates that are not a plain private text: media, contacts, edits, channels, groups.

Telegram delivers far more than text messages, and a bot added to a group sees that group.
Whatever arrives, nothing crashes into the error handler and Telegram accepts everything the
bot sends; a private message gets a polite answer, anything in a group or channel gets
silence (the bot must not chat in other people's groups, nor store their chatter); a caption
is a question like any other text, and is stored as typed; someone else's phone number is
never stored.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from bot.config import Settings
from bot.desk import MAX_ANSWER_LENGTH
from bot.services import Services
from bot.trainings import Training
from db import inquiries as inquiry_table
from db import users as user_table
from telegram_io.offline import BOT_USER, ApiCall
from tests.conftest import STAFF_ID
from tests.harness import telegram_user
from tests.hostile import (
    Watch,
    count,
    examples,
    fresh_user_id,
    hostile_text,
    integrity,
    snapshot,
    watched,
)
from tests.outreach import make_training

STAFF_CHAT = -1001234567890
STAFF = telegram_user(STAFF_ID, "en", first_name="Officer")
GROUP = {"id": -1009876543210, "type": "supergroup", "title": "<b>Komunitas UMKM</b> & co"}
SMALL_GROUP = {"id": -4242, "type": "group", "title": "Arisan"}
CHANNEL = {"id": -1005555555555, "type": "channel", "title": "Kanal *berita*"}
CAPTION_LIMIT = 1024
STRANGER_PHONE = "+628999000111"
"""The number on someone else's contact card: must never be stored."""

_file_ids = itertools.count(1)


def _file(**extra: Any) -> dict[str, Any]:
    file_id = f"file-{next(_file_ids)}"
    return {"file_id": file_id, "file_unique_id": file_id, **extra}


def media(user_id: int) -> dict[str, dict[str, Any]]:
    """One message body of each kind a user can send instead of text."""
    return {
        "sticker": {
            "sticker": _file(
                type="regular", width=512, height=512, is_animated=False, is_video=False
            )
        },
        "photo": {"photo": [_file(width=90, height=90), _file(width=800, height=800)]},
        "voice": {"voice": _file(duration=4, mime_type="audio/ogg")},
        "audio": {"audio": _file(duration=200, title="<b>lagu</b>")},
        "video": {"video": _file(width=640, height=480, duration=9)},
        "video_note": {"video_note": _file(length=240, duration=5)},
        "animation": {"animation": _file(width=320, height=240, duration=2)},
        "document": {"document": _file(file_name="<script>.pdf", mime_type="application/pdf")},
        "location": {"location": {"latitude": -6.2, "longitude": 106.8}},
        "venue": {
            "venue": {
                "location": {"latitude": -5.1, "longitude": 119.4},
                "title": "<b>Warung</b> & Kopi",
                "address": "Jl. '; DROP TABLE users; --",
            }
        },
        "own contact": {
            "contact": {"phone_number": "+6281234567890", "first_name": "Saya", "user_id": user_id}
        },
        "stranger's contact": {
            "contact": {"phone_number": STRANGER_PHONE, "first_name": "Budi", "user_id": 424242}
        },
        "contact card": {"contact": {"phone_number": STRANGER_PHONE, "first_name": "Budi"}},
        "dice": {"dice": {"emoji": "🎲", "value": 6}},
    }


CAPTIONED = ("photo", "video", "document", "voice", "audio", "animation")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(tmp_path / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
        staff_chat_id=STAFF_CHAT,
    )


@pytest.fixture
async def watch(services: Services) -> AsyncIterator[Watch]:
    async with watched(services) as watch:
        await watch.harness.send(STAFF, "/start")
        watch.check("staff start")
        yield watch


@pytest.fixture
async def training(services: Services) -> Training:
    return await make_training(services, capacity=None)


def new_user(language: str | None = "id") -> dict[str, Any]:
    return telegram_user(fresh_user_id(), language, first_name="Pengguna")


def message(
    watch: Watch,
    user: dict[str, Any],
    body: dict[str, Any],
    chat: dict[str, Any] | None = None,
    kind: str = "message",
) -> dict[str, Any]:
    """An update carrying ``body`` instead of text, from ``user`` in ``chat``."""
    payload = watch.harness.updates.message(user, "x", chat)
    content = payload.pop("message")
    del content["text"]
    content.update(body)
    if kind.startswith("edited"):
        content["edit_date"] = content["date"] + 5
    payload[kind] = content
    return payload


def to_chat(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    return [
        call
        for call in calls
        if call.method.startswith(("send", "edit", "copy", "forward"))
        and int(call.params.get("chat_id", 0) or 0) == chat_id
    ]


async def feed(watch: Watch, payload: dict[str, Any]) -> list[ApiCall]:
    watch.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    return await watch.harness.feed(payload)


async def contains(services: Services, needle: str) -> bool:
    """Whether ``needle`` is anywhere in the database."""
    return needle in repr(await snapshot(services))


# -- private messages that are not text --
async def test_media_and_contacts_get_a_polite_answer_and_nothing_is_stored(
    watch: Watch, services: Services
) -> None:
    """Outside a form, anything but text gets the same polite request for text; a stranger's
    contact card leaves no trace."""
    polite = {
        services.catalogs.gettext(
            locale, "I can only read text messages. Please type your question. 🙏"
        )
        for locale in ("id", "en")
    }
    for kind in media(0):
        user = new_user()
        calls = await feed(watch, message(watch, user, media(user["id"])[kind]))
        watch.check(kind)
        texts = [str(call.params.get("text")) for call in to_chat(calls, user["id"])]
        assert texts and texts[0] in polite, (kind, texts)
        assert await inquiry_table.for_user(services.db, user["id"]) == []
    assert not await contains(services, STRANGER_PHONE)
    assert await integrity(services) == "ok"


@examples(25)
@given(caption=hostile_text().map(lambda text: text[:CAPTION_LIMIT].strip()).filter(bool))
async def test_a_caption_is_a_question_stored_as_typed(
    watch: Watch, services: Services, caption: str
) -> None:
    """People ask with a photo of their product and a caption: the caption is the question."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    for kind in CAPTIONED:
        user = new_user()
        body = {**media(user["id"])[kind], "caption": caption}
        calls = await feed(watch, message(watch, user, body))
        watch.check((kind, caption))
        [inquiry] = await inquiry_table.for_user(services.db, user["id"])
        assert inquiry.question == caption
        assert to_chat(calls, user["id"]), "no answer to a captioned question"


async def test_contacts_and_media_inside_the_registration_form(
    watch: Watch, services: Services, training: Training
) -> None:
    """Only the user's own contact fills the phone step; media and a stranger's card are refused at
    every step and the form waits."""
    user = new_user()
    await watch.harness.send(user, "/start")
    await watch.harness.press_data(user, f"trr:{training.id}")
    bodies = media(user["id"])
    for step, answer in (("name", "Siti Aminah"), ("business", "Warung"), ("sector", "Kuliner")):
        for kind in ("sticker", "photo", "stranger's contact", "location"):
            await feed(watch, message(watch, user, bodies[kind]))  # refused: asked again
            watch.check((step, kind))
            form = services.forms.active(user["id"])
            assert form is not None and form.step == step, (step, kind)
        services.clock.advance(seconds=2)  # type: ignore[attr-defined]
        await watch.harness.send(user, answer)
    services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    await watch.harness.send(user, "Jawa Barat")
    for kind in ("stranger's contact", "contact card", "voice"):
        await feed(watch, message(watch, user, bodies[kind]))
        watch.check(("phone", kind))
        form = services.forms.active(user["id"])
        assert form is not None and form.step == "phone", kind
        assert not form.data.get("phone")
    await feed(watch, message(watch, user, bodies["own contact"]))
    watch.check("own contact")
    form = services.forms.active(user["id"])
    assert form is not None and form.step == "consent" and form.data["phone"] == "+6281234567890"
    services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    await watch.harness.press_data(user, "fm:consent:yes")
    watch.check("consent")
    registration = await services.registrations.get(training.id, user["id"])
    assert registration is not None and registration.phone == "+6281234567890"
    assert not await contains(services, STRANGER_PHONE)


# -- edited messages --
@examples(20)
@given(first=hostile_text(), edited=hostile_text())
async def test_an_edited_question_is_stored_and_answered_too(
    watch: Watch, services: Services, first: str, edited: str
) -> None:
    """A user who corrects their question by editing it gets an answer to the correction; the
    original stays stored."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    user = new_user()
    payload = watch.harness.updates.message(user, first)
    await feed(watch, payload)
    edit = watch.harness.updates.raw(
        {"edited_message": {**payload["message"], "text": edited, "edit_date": 1}}
    )
    calls = await feed(watch, edit)
    watch.check((first, edited))
    questions = [
        inquiry.question for inquiry in await inquiry_table.for_user(services.db, user["id"])
    ]
    assert questions == [first, edited]  # nothing lost: the question as first sent, and as edited
    assert to_chat(calls, user["id"])


async def test_edits_are_flood_controlled_like_messages(watch: Watch, services: Services) -> None:
    """Editing one message over and over must not get round the flood guard."""
    user = new_user()
    payload = watch.harness.updates.message(user, "Apa itu UNGP?")
    await watch.harness.feed(payload)
    answers = 0
    for number in range(30):  # no time passes: a script, not a person
        edit = watch.harness.updates.raw(
            {
                "edited_message": {
                    **payload["message"],
                    "text": f"Apa itu UNGP? ({number})",
                    "edit_date": number + 1,
                }
            }
        )
        calls = await watch.harness.feed(edit)
        answers += len(to_chat(calls, user["id"]))
    watch.check("edits")
    assert answers <= 10, f"{answers} answers to 30 edits in the same second"
    assert len(await inquiry_table.for_user(services.db, user["id"])) == 31  # none lost


async def test_editing_a_form_answer_does_not_turn_it_into_a_question(
    watch: Watch, services: Services, training: Training
) -> None:
    """The form has taken the answer already; the edit must not reach the question handler
    (which would store a registrant's name as a question and post it to the staff group)."""
    user = new_user()
    await watch.harness.send(user, "/start")
    await watch.harness.press_data(user, f"trr:{training.id}")
    services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    payload = watch.harness.updates.message(user, "Siti Aminh")
    await watch.harness.feed(payload)
    form = services.forms.active(user["id"])
    assert form is not None and form.step == "business"
    edit = watch.harness.updates.raw(
        {"edited_message": {**payload["message"], "text": "Siti Aminah", "edit_date": 1}}
    )
    calls = await feed(watch, edit)
    watch.check("edited answer")
    assert await inquiry_table.for_user(services.db, user["id"]) == []
    assert to_chat(calls, STAFF_CHAT) == []
    form = services.forms.active(user["id"])
    assert form is not None and form.step == "business"
    assert form.data["full_name"] == "Siti Aminh"  # a new message corrects it, not an edit


async def test_edited_media_and_commands_do_not_crash(watch: Watch, services: Services) -> None:
    """Edits of every kind of message, and of commands, reach the handlers new ones do."""
    user = new_user()
    bodies = media(user["id"])
    for kind, body in bodies.items():
        await feed(watch, message(watch, user, body, kind="edited_message"))
        watch.check(("edited", kind))
    await feed(
        watch,
        message(
            watch,
            user,
            {**bodies["photo"], "caption": "Foto produk saya, <b>"},
            kind="edited_message",
        ),
    )
    watch.check("edited caption")
    for text in ("/start", "/reply 1 x", "/forgetme", "/cancel"):
        await feed(watch, message(watch, user, {"text": text}, kind="edited_message"))
        watch.check(("edited command", text))
    assert await integrity(services) == "ok"


# -- channels --
async def test_channel_posts_get_silence(watch: Watch, services: Services) -> None:
    """A channel the bot was added to: posts (and their edits) have no user; nothing is sent or
    stored."""
    users_before = await count(services, "users")
    before = await snapshot(services)
    author = {
        "id": 136817688,
        "is_bot": True,
        "first_name": "Channel_Bot",
        "username": "Channel_Bot",
    }
    for kind in ("channel_post", "edited_channel_post"):
        for body in (
            {"text": "/start"},
            {"text": "<b>halo</b> & '; DROP TABLE users; --"},
            media(0)["photo"],
        ):
            payload = message(watch, author, {**body, "sender_chat": CHANNEL}, CHANNEL, kind)
            payload[kind].pop("from")
            calls = await feed(watch, payload)
            watch.check((kind, body))
            assert [call for call in calls if call.method != "getMe"] == []
    assert await count(services, "users") == users_before
    assert await snapshot(services) == before


# -- groups --
def member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"status": status, "user": user} | ({"until_date": 0} if status == "kicked" else {})


async def test_groups_get_silence_and_nothing_is_stored(watch: Watch, services: Services) -> None:
    """The bot added to someone's group: it neither speaks there nor keeps what is said."""
    user = new_user()
    await watch.harness.send(user, "/start")  # they also use the bot in private
    bot = {**BOT_USER}
    for chat in (GROUP, SMALL_GROUP):
        change = {
            "chat": chat,
            "from": user,
            "date": 0,
            "old_chat_member": member("left", bot),
            "new_chat_member": member("member", bot),
        }
        calls = await feed(watch, watch.harness.updates.raw({"my_chat_member": change}))
        watch.check(("added", chat["type"]))
        assert to_chat(calls, chat["id"]) == []
        posts: list[ApiCall] = []
        for text in (
            "/start",
            "/start@teman_umkm_bot",
            "/help@teman_umkm_bot",
            "/inbox",
            "/reply 1 hai",
            "/staff add 6666",
            "Halo semua, ada yang tahu soal UNGP?",
            "<b>&",
        ):
            posts += await feed(watch, watch.harness.updates.message(user, text, chat))
            watch.check((chat["type"], text))
        for kind, body in media(user["id"]).items():
            posts += await feed(watch, message(watch, user, body, chat))
            watch.check((chat["type"], kind))
        for number in range(20):  # a busy group: one person, many lines, no pause
            payload = watch.harness.updates.message(user, f"pesan nomor {number}", chat)
            posts += await watch.harness.feed(payload)
        watch.check((chat["type"], "burst"))
        assert to_chat(posts, chat["id"]) == [], [call.params.get("text") for call in posts]
        assert await inquiry_table.for_user(services.db, user["id"]) == []
        change = {**change, "old_chat_member": change["new_chat_member"]}
        change["new_chat_member"] = member("kicked", bot)
        await feed(watch, watch.harness.updates.raw({"my_chat_member": change}))
        watch.check(("removed", chat["type"]))
    record = await user_table.get(services.db, user["id"])
    assert record is not None and not record.blocked  # removed from a group is not a block
    calls = await watch.harness.send(user, "/menu")  # and private chat goes on as before
    assert to_chat(calls, user["id"])
    assert await integrity(services) == "ok"


async def test_in_the_staff_group_only_staff_replies_to_a_post_answer(
    watch: Watch, services: Services
) -> None:
    """Other members of the staff group, and staff replying with media, do not answer users."""
    asker = new_user()
    outsider = new_user()
    await watch.harness.send(asker, "/start")
    await watch.harness.press_data(asker, "ask")
    await watch.harness.send(asker, "Pertanyaan untuk grup staf")
    [inquiry] = await inquiry_table.for_user(services.db, asker["id"])
    [post] = [m for m in watch.harness.api.messages(STAFF_CHAT) if f"#{inquiry.id}" in m["text"]]
    chat = {"id": STAFF_CHAT, "type": "supergroup", "title": "Staf"}
    for sender, body in (
        (outsider, {"text": "Saya jawab ya"}),  # a group member who is not staff
        (outsider, {"text": "/reply 1 jawaban palsu"}),
        (STAFF, media(STAFF_ID)["sticker"]),  # staff replying with a sticker
        (STAFF, media(STAFF_ID)["voice"]),
    ):
        payload = message(watch, sender, {**body, "reply_to_message": post}, chat)
        calls = await feed(watch, payload)
        watch.check((sender["id"], body))
        assert to_chat(calls, asker["id"]) == []
    record = await inquiry_table.get(services.db, inquiry.id)
    assert record is not None and record.status == "open" and record.answer is None


@examples(15)
@given(answer=hostile_text())
async def test_any_staff_reply_in_the_staff_group(
    watch: Watch, services: Services, answer: str
) -> None:
    """A staff reply in the group is sent with ``reply_text``: hostile text must still be escaped
    there."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    asker = new_user()
    for step in ("/start", "ask", "Pertanyaan untuk grup staf"):
        services.clock.advance(seconds=2)  # type: ignore[attr-defined]
        if step == "ask":
            await watch.harness.press_data(asker, step)
        else:
            await watch.harness.send(asker, step)
    [inquiry] = await inquiry_table.for_user(services.db, asker["id"])
    [post] = [m for m in watch.harness.api.messages(STAFF_CHAT) if f"#{inquiry.id}" in m["text"]]
    chat = {"id": STAFF_CHAT, "type": "supergroup", "title": "Staf"}
    payload = message(watch, STAFF, {"text": answer, "reply_to_message": post}, chat)
    calls = await feed(watch, payload)
    watch.check(answer)
    record = await inquiry_table.get(services.db, inquiry.id)
    assert record is not None
    if len(answer) > MAX_ANSWER_LENGTH:
        assert record.status == "open" and record.answer is None
    else:
        assert record.status == "answered" and record.answer == answer
        assert to_chat(calls, asker["id"])
    assert to_chat(calls, STAFF_CHAT), "the staff member was not told what happened"


# -- other kinds of update --
async def test_other_update_kinds_get_silence(watch: Watch, services: Services) -> None:
    """Update kinds no handler serves still pass ``resolve_user`` and the flood guard."""
    user = new_user()
    stranger = new_user()
    updates = [
        {"inline_query": {"id": "1", "from": user, "query": "<b>' OR 1=1 --", "offset": ""}},
        {"chosen_inline_result": {"result_id": "r", "from": user, "query": "x"}},
        {
            "poll_answer": {
                "poll_id": "p",
                "user": user,
                "option_ids": [0],
                "option_persistent_ids": ["a"],
            }
        },
        {
            "chat_join_request": {
                "chat": GROUP,
                "from": stranger,
                "user_chat_id": stranger["id"],
                "date": 0,
            }
        },
        {
            "chat_member": {
                "chat": GROUP,
                "from": user,
                "date": 0,
                "old_chat_member": member("left", stranger),
                "new_chat_member": member("member", stranger),
            }
        },
        {
            "message_reaction": {
                "chat": {"id": user["id"], "type": "private", "first_name": "Pengguna"},
                "message_id": 1,
                "user": user,
                "date": 0,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
    ]
    for body in updates:
        calls = await feed(watch, watch.harness.updates.raw(body))
        watch.check(next(iter(body)))
        assert [call for call in calls if call.method.startswith(("send", "edit"))] == []
    assert await integrity(services) == "ok"
