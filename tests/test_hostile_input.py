"""Hostile text through every text handler: free questions, each guided form, each command.

Property-based (hypothesis): arbitrary Unicode with zero-width and right-to-left controls,
combining marks and emoji sequences, HTML and Markdown fragments, SQL, format strings, up
to Telegram's 4096 characters. Whatever arrives, through the real Application and the offline
Bot API (which rejects malformed HTML and over-long messages as Telegram does):

* no handler crashes (nothing reaches the error handler: no ERROR record, no apology);
* Telegram accepts every message the bot sends (no 400);
* what the user typed is stored as typed (exactly, for questions; as the form's cleaning
  defines it, for form fields), and the database is intact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import MessageEntity, Update

from bot.config import Settings
from bot.desk import MAX_ANSWER_LENGTH
from bot.registrations import MAX_BUSINESS, MAX_NAME, MAX_SECTOR, clean_field, normalize_phone
from bot.services import Services
from bot.text import plain_text
from bot.trainings import (
    MAX_DESCRIPTION,
    MAX_ORGANISER,
    MAX_TITLE,
    MIN_TITLE,
    FieldError,
    Training,
    clean_text,
)
from db import inquiries as inquiry_table
from db import users as user_table
from telegram_io.offline import ApiCall
from tests.conftest import STAFF_ID
from tests.harness import telegram_user
from tests.hostile import (
    HOSTILE_SETTINGS,
    Watch,
    count,
    examples,
    fresh_user_id,
    hostile_text,
    hostile_user,
    hostile_word,
    integrity,
    registered_commands,
    watched,
)
from tests.outreach import make_training

STAFF_CHAT = -1001234567890
STAFF = telegram_user(STAFF_ID, "en", first_name="Officer")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """With a staff group, so open questions are also posted (and rendered) there."""
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
    """Published, open for registration, no seat limit (every example registers someone)."""
    return await make_training(services, capacity=None)


def new_user(language: str | None = "id") -> dict[str, Any]:
    return telegram_user(fresh_user_id(), language, first_name="Pengguna")


def to_chat(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    return [
        call
        for call in calls
        if call.method in ("sendMessage", "editMessageText", "sendDocument")
        and int(call.params.get("chat_id", 0)) == chat_id
    ]


async def after(watch: Watch, what: object) -> None:
    """The per-example invariants: clean calls, every table there, the file intact."""
    watch.check(what)
    await watch.check_tables()
    assert await integrity(watch.services) == "ok"


async def press(watch: Watch, user: dict[str, Any], data: str) -> list[ApiCall]:
    """Press ``data`` on the user's newest keyboard (the services' clock moves on a little)."""
    watch.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    return await watch.harness.press_data(user, data)


async def send(watch: Watch, user: dict[str, Any], text: str) -> list[ApiCall]:
    watch.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    return await watch.harness.send(user, text)


# -- free text --
@examples(40)
@given(text=hostile_text(), user=hostile_user(), ask_staff=st.booleans())
async def test_any_question_is_stored_verbatim_and_answered(
    watch: Watch, services: Services, text: str, user: dict[str, Any], ask_staff: bool
) -> None:
    """From anyone, whatever their name: it is shown (escaped) to staff with the question."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    users_before = await count(services, "users")
    if ask_staff:  # "Ask staff": straight to the inbox and the staff group, no search
        await send(watch, user, "/start")
        await press(watch, user, "ask")
    calls = await send(watch, user, text)
    await after(watch, text)
    [inquiry] = await inquiry_table.for_user(services.db, user["id"])
    assert inquiry.question == text
    assert to_chat(calls, user["id"]), "the user got no answer"
    if ask_staff:
        assert inquiry.status == "open"
        assert to_chat(calls, STAFF_CHAT), "the open question was not posted to staff"
    assert await count(services, "users") == users_before + 1
    record = await user_table.get(services.db, user["id"])
    assert record is not None and record.first_name == user["first_name"]


# -- the registration form --
VALID_REGISTRATION = {
    "name": "Siti Aminah",
    "business": "Warung Berkah",
    "sector": "Kuliner",
    "province": "Jawa Barat",
    "phone": "-",
}
REGISTRATION_LIMITS = {"name": MAX_NAME, "business": MAX_BUSINESS, "sector": MAX_SECTOR}
REGISTRATION_KEYS = {"name": "full_name", "business": "business_name", "sector": "sector"}


@examples(20, shrink=False)
@given(
    answers=st.fixed_dictionaries({step: hostile_text() for step in VALID_REGISTRATION}),
    user=hostile_user(),
    telegram_name=st.booleans(),
)
async def test_any_answer_in_the_registration_form(
    watch: Watch,
    services: Services,
    training: Training,
    answers: dict[str, str],
    user: dict[str, Any],
    telegram_name: bool,
) -> None:
    """Every field typed as anything (or the Telegram name, one tap): a field is either
    refused with a message and asked again, or stored exactly as its cleaning defines."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    await send(watch, user, "/start")
    await press(watch, user, f"trr:{training.id}")
    accepted: dict[str, str] = {}
    full_name = " ".join(filter(None, (user["first_name"], user.get("last_name")))).strip()
    offered = "fm:name:tg" in watch.harness.buttons(user["id"]).values()
    assert offered == (len(full_name) >= 2)
    if telegram_name and offered:  # "Use: <Telegram name>", one tap
        answers = {**answers, "name": full_name}
        await press(watch, user, "fm:name:tg")
        watch.check(("tg", full_name))
        form = services.forms.active(user["id"])
        assert form is not None
        if form.step == "business":
            accepted["name"] = full_name
        else:  # too long or too short after cleaning: asked again
            await send(watch, user, VALID_REGISTRATION["name"])
    for step, valid in VALID_REGISTRATION.items():
        form = services.forms.active(user["id"])
        assert form is not None
        if form.step != step:
            assert step == "name" and telegram_name
            continue
        await send(watch, user, answers[step])
        watch.check((step, answers[step]))
        form = services.forms.active(user["id"])
        assert form is not None
        if form.step == step:  # refused with a message; the valid answer goes on
            await send(watch, user, valid)
            watch.check((step, valid))
        else:
            accepted[step] = answers[step]
    await send(watch, user, answers["name"])  # text where a button is expected: refused
    watch.check("text at consent")
    await press(watch, user, "fm:consent:yes")
    await after(watch, answers)

    registration = await services.registrations.get(training.id, user["id"])
    assert registration is not None
    for step, key in REGISTRATION_KEYS.items():
        expected = accepted.get(step, VALID_REGISTRATION[step])
        assert getattr(registration, key) == clean_field(expected, REGISTRATION_LIMITS[step])
    for step in ("name", "business", "sector"):
        if step not in accepted and not (step == "name" and telegram_name and offered):
            with pytest.raises(FieldError):
                clean_field(answers[step], REGISTRATION_LIMITS[step])


@pytest.mark.parametrize(
    "typed",
    [
        "٠٨١٢٣٤٥٦٧٨٩",
        "0812²³⁴⁵⁶⁷⁸",
        "+６２８１２３４５６７８",
        "0812\u200b3456789",
        "0812-3456-789😀",
    ],
)
def test_a_phone_number_is_ascii_digits_only(typed: str) -> None:
    """``str.isdigit`` accepts superscripts and other scripts' digits; organisers dial ASCII."""
    with pytest.raises(FieldError):
        normalize_phone(typed)
    assert normalize_phone("0812-3456-789") == "+628123456789"


# -- /newtraining --
NEW_TRAINING_VALID = {
    "programme": "fm:programme:SIYB",
    "title_id": "Pelatihan Uji",
    "title_en": "Test training",
    "description_id": "fm:description_id:skip",
    "description_en": "fm:description_en:skip",
    "timezone": "fm:timezone:WITA",
    "start": "2027-01-10 09:00",
    "end": "16:00",
    "place": "Aula Dinas Koperasi, Makassar",
    "organiser": "Dinas Koperasi dan UKM",
    "capacity": "30",
    "deadline": "2027-01-05",
}
TEXT_FIELDS = {
    "title_id": (MAX_TITLE, MIN_TITLE),
    "title_en": (MAX_TITLE, MIN_TITLE),
    "description_id": (MAX_DESCRIPTION, 0),
    "description_en": (MAX_DESCRIPTION, 0),
    "organiser": (MAX_ORGANISER, 2),
}


async def newest_training_id(services: Services) -> int:
    row = await services.db.fetch_one("SELECT COALESCE(MAX(id), 0) FROM trainings")
    assert row is not None
    return int(row[0])


@examples(20, shrink=False)
@given(answers=st.fixed_dictionaries({step: hostile_text() for step in NEW_TRAINING_VALID}))
async def test_any_answer_in_the_new_training_form(
    watch: Watch, services: Services, answers: dict[str, str]
) -> None:
    """Staff type anything at every step: refused and asked again, or stored as cleaned;
    the review shows the training in both languages, whatever its texts."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    before = await newest_training_id(services)
    await send(watch, STAFF, "/newtraining")
    accepted: dict[str, str] = {}
    for step, valid in NEW_TRAINING_VALID.items():
        form = services.forms.active(STAFF_ID)
        assert form is not None and form.step == step
        await send(watch, STAFF, answers[step])
        watch.check((step, answers[step]))
        form = services.forms.active(STAFF_ID)
        assert form is not None
        if form.step != step:
            accepted[step] = answers[step]
            continue
        if valid.startswith("fm:"):
            await press(watch, STAFF, valid)
        else:
            await send(watch, STAFF, valid)
        watch.check((step, valid))
    await press(watch, STAFF, "fm:review:draft")
    await after(watch, answers)

    created = await services.trainings.get(await newest_training_id(services))
    assert created is not None and created.id != before and created.status == "draft"
    for step, (limit, minimum) in TEXT_FIELDS.items():
        kind, locale = step.split("_") if "_" in step else (step, "")
        if step == "organiser":
            stored = created.organiser
        else:
            text = created.texts[locale]
            stored = text.title if kind == "title" else text.description
        if step in accepted:
            assert stored == clean_text(accepted[step], limit, minimum)
        else:  # refused: the valid answer (or Skip) was stored instead
            valid = NEW_TRAINING_VALID[step]
            assert stored == ("" if valid.startswith("fm:") else valid)


# -- the staff desk --
async def plant_open_question(
    watch: Watch, text: str, user: dict[str, Any] | None = None
) -> tuple[dict[str, Any], int]:
    """A fresh user asks ``text`` through "Ask staff" (open whatever the search would find)."""
    user = user or new_user()
    await send(watch, user, "/start")
    await press(watch, user, "ask")
    await send(watch, user, text)
    watch.check(("question", text))
    [inquiry] = await inquiry_table.for_user(watch.services.db, user["id"])
    assert inquiry.question == text
    return user, inquiry.id


@HOSTILE_SETTINGS
@given(question=hostile_text(), answer=hostile_text(allow_commands=True), asker=hostile_user())
async def test_any_staff_answer_through_reply_preview_and_send(
    watch: Watch, services: Services, question: str, answer: str, asker: dict[str, Any]
) -> None:
    """Both sides hostile: the question is quoted in the preview and in the user's copy, the
    answer is escaped; an answer over the limit is refused and nothing is sent."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    user, inquiry_id = await plant_open_question(watch, question, asker)
    await press(watch, STAFF, f"sdh:{inquiry_id}")  # the asker's history, name and all
    await send(watch, STAFF, "/inbox")
    await press(watch, STAFF, f"sdr:{inquiry_id}")
    calls = await send(watch, STAFF, answer)
    watch.check(("draft", answer))
    assert to_chat(calls, STAFF_ID), "no preview and no explanation"
    if len(answer) > MAX_ANSWER_LENGTH:
        await press(watch, STAFF, "sdc")
        await after(watch, answer)
        record = await inquiry_table.get(services.db, inquiry_id)
        assert record is not None and record.status == "open" and record.answer is None
        return
    calls = await press(watch, STAFF, f"sds:{inquiry_id}")
    await after(watch, (question, answer))
    record = await inquiry_table.get(services.db, inquiry_id)
    assert record is not None and record.status == "answered"
    assert record.answer == answer.strip() and record.question == question
    assert to_chat(calls, user["id"]), "the answer did not reach the user"
    await press(watch, STAFF, f"sdk:{inquiry_id}")  # a knowledge-base draft titled by it
    await send(watch, STAFF, "/drafts")
    await after(watch, ("draft", question, answer))
    draft = await services.drafts.get(f"staff-{inquiry_id}")
    assert draft is not None and draft.status == "draft"


@HOSTILE_SETTINGS
@given(question=hostile_text(), answer=hostile_text(allow_commands=True))
async def test_any_answer_through_the_reply_command(
    watch: Watch, services: Services, question: str, answer: str
) -> None:
    """``/reply <id> <text>``: the command splits on whitespace; whatever follows the id is the
    answer, stored stripped."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    user, inquiry_id = await plant_open_question(watch, question)
    command = f"/reply {inquiry_id} {answer}"
    calls = await send(watch, STAFF, command)
    await after(watch, command)
    record = await inquiry_table.get(services.db, inquiry_id)
    assert record is not None
    typed = command.split(maxsplit=2)[2].strip()
    if len(typed) > MAX_ANSWER_LENGTH:
        assert record.status == "open" and record.answer is None
    else:
        assert record.status == "answered" and record.answer == typed
        assert to_chat(calls, user["id"])


# -- /broadcast --
@HOSTILE_SETTINGS
@given(text=hostile_text(), bold=st.booleans())
async def test_any_announcement_text_is_previewed_and_stored_as_written(
    watch: Watch, services: Services, text: str, bold: bool
) -> None:
    """The staff member's formatting is kept (``text_html``), so the preview is the first place
    broken HTML would show; what is stored is the text as written."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    await send(watch, STAFF, "/broadcast")
    payload = watch.harness.updates.message(STAFF, text)
    if bold:  # formatting is kept: a bold entity over all of it (offsets in UTF-16 units)
        length = len(text.encode("utf-16-le")) // 2
        payload["message"]["entities"] = [
            {"type": MessageEntity.BOLD, "offset": 0, "length": length}
        ]
    services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    await watch.harness.feed(payload)
    watch.check(("text", text))
    for data in ("fm:language:id", "fm:other:skip", "fm:audience:all", "fm:when:now"):
        await press(watch, STAFF, data)
        watch.check((data, text))
    form = services.forms.active(STAFF_ID)
    assert form is not None and form.step == "confirm"
    before = {broadcast.id for broadcast in await services.broadcasts.recent(1000)}
    if "fm:confirm:send" not in watch.harness.buttons(STAFF_ID).values():
        await send(watch, STAFF, "/cancel")  # "That text is too long": nothing to confirm
        await after(watch, text)
        return
    await press(watch, STAFF, "fm:confirm:send")
    await after(watch, text)
    [created] = [b for b in await services.broadcasts.recent(1000) if b.id not in before]
    message = Update.de_json(payload, watch.harness.application.bot).message
    assert message is not None and plain_text(message.text_html) == text
    composed = services.broadcasts.compose({"id": message.text_html}, "id", footer=True)
    assert created.texts["id"] == composed["id"]  # the staff member's text, as written


# -- every command, with hostile arguments --
COMMANDS = registered_commands()
NASTY_START_PAYLOADS = [
    "cek",
    "bhr",
    "training_1",
    "training_99999999999999999999",
    "training_9223372036854775808",
    "training_²",
    "training_-1",
    "training_١٢",
    "training_",
    "TRAINING_1",
    "'; DROP TABLE users; --",
]


def arguments_for(command: str) -> st.SearchStrategy[str]:
    words = st.lists(hostile_word(), max_size=4).map(" ".join)
    if command == "start":
        return st.one_of(
            st.sampled_from(NASTY_START_PAYLOADS),
            hostile_word().map(lambda word: "training_" + word),
            words,
        )
    if command in ("reply", "staff"):  # a number first, as the command expects
        first = st.one_of(
            st.sampled_from(["add", "remove", "list", "1", "²", "99999999999999999999"]),
            st.integers(-(10**20), 10**20).map(str),
        )
        return st.tuples(first, words).map(" ".join)
    return words


async def run_command(
    watch: Watch, services: Services, command: str, arguments: str, as_staff: bool
) -> None:
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    user = STAFF if as_staff else new_user()
    staff_before = await services.staff.staff_ids()
    calls = await send(watch, user, f"/{command} {arguments}".rstrip())
    await send(watch, user, "/cancel")  # close whatever form the command opened
    await after(watch, (command, arguments))
    assert to_chat(calls, user["id"]) or command == "cancel", "no reply at all"
    if not any(character.isdigit() for character in arguments):
        assert await services.staff.staff_ids() == staff_before


@examples(12, shrink=False)
@given(data=st.data(), as_staff=st.booleans())
async def test_every_command_with_any_arguments(
    watch: Watch, services: Services, data: st.DataObject, as_staff: bool
) -> None:
    """Each registered command (read from the Application), as a user and as staff, with hostile
    words after it."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    for command in COMMANDS:
        arguments = data.draw(arguments_for(command), label=command)
        await run_command(watch, services, command, arguments, as_staff)


async def test_start_with_a_forged_deep_link(
    watch: Watch, services: Services, training: Training
) -> None:
    """Deep links are typed by hand too: ``/start training_²`` must not crash."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    for payload in NASTY_START_PAYLOADS:
        for as_staff in (False, True):
            await run_command(watch, services, "start", payload, as_staff)


# -- the self-check keeps working around hostile text --
@HOSTILE_SETTINGS
@given(text=hostile_text())
async def test_hostile_text_during_a_self_check_is_a_question_and_the_check_goes_on(
    watch: Watch, services: Services, text: str
) -> None:
    """The self-check is buttons only: text typed in the middle is a question, and the run is
    untouched."""
    watch.mark()  # a failed example (while shrinking) leaves its calls behind
    user = new_user()
    await send(watch, user, "/cek")
    await press(watch, user, "ck:new")
    [first] = [d for d in watch.harness.buttons(user["id"]).values() if d.endswith(":y")]
    screen = watch.harness.last_message_with_buttons(user["id"])
    await send(watch, user, text)
    watch.check(text)
    [inquiry] = await inquiry_table.for_user(services.db, user["id"])
    assert inquiry.question == text
    services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    await watch.harness.press_data(user, first, screen)  # the question screen still works
    await after(watch, text)
    status = await services.selfcheck.status(user["id"])
    assert status.progress is not None and status.progress.answered == 1
