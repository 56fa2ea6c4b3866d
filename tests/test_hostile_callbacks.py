"""Forged and replayed callback data, pressed by an ordinary user.

Callback data is whatever a modified client sends (up to 64 bytes): ids of other people's
questions, huge or negative numbers, digits that are not ASCII (``"²".isdigit()`` is true),
SQL, zero-width characters. For every prefix the Application registers:

* the press is always answered (no endless spinner) and never reaches the error handler;
* nothing of another user's data (planted secrets) appears in anything the bot sends;
* nothing of anyone else's changes (whole-table snapshots, the presser's own rows aside).

Then the real buttons of a staff session (inbox card, reply preview, knowledge-base draft,
training management, broadcast controls, form buttons) are captured and replayed verbatim
by a non-staff user: each is refused and changes nothing at all.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.services import Services
from db import inquiries as inquiry_table
from handlers import training_callbacks as tcb
from handlers.staff_callbacks import STAFF_PREFIXES
from telegram_io.offline import ApiCall
from tests.conftest import STAFF_ID
from tests.desk_helpers import everything_said
from tests.harness import telegram_user
from tests.hostile import (
    ANY_CHARACTER,
    Watch,
    answered_presses,
    examples,
    integrity,
    registered_callback_prefixes,
    snapshot,
    watched,
)
from tests.outreach import make_training

STAFF_CHAT = -1001234567890
STAFF = telegram_user(STAFF_ID, "en", first_name="Officer")
SITI = telegram_user(5001, "id", first_name="Siti", last_name="Rahasiawati")
MALLORY = telegram_user(6666, "en", first_name="Mallory")
"""The ordinary user who forges and replays buttons."""

SECRETS = (
    "Toko Maju",  # in Siti's questions (and the knowledge-base draft made from one)
    "omzet 80 juta",
    "JAWABAN-RAHASIA",  # a staff answer to Siti
    "Rahasiawati",  # Siti's surname, and the name on her registration
    "Warung Rahasia",  # her business, on the registration
    "PELATIHAN-RAHASIA",  # a draft training users must not see
    "PENGUMUMAN-RAHASIA",  # a scheduled announcement
)
CALLBACK_PREFIXES = registered_callback_prefixes()
STAFF_ONLY_PREFIXES = frozenset(STAFF_PREFIXES) | {
    tcb.MANAGE_LIST,
    tcb.MANAGE,
    tcb.EDIT,
    tcb.STATUS,
    tcb.REGISTRANTS,
    tcb.ANNOUNCE,
    tcb.BROADCAST,
    tcb.BROADCASTS,
    tcb.FORM,  # the staff member's own form: nobody else has it open
}
SPECIAL_ARGUMENTS = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "5001",
    str(STAFF_ID),
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "1e9",
    "0x10",
    "1_000",
    " 1",
    "²",
    "١٢",
    "𝟙",
    "Ⅻ",
    "",
    "yes",
    "y",
    "no",
    "new",
    "cancel",
    "staff",
    "tg",
    "published",
    "draft",
    "cancelled",
    "x",
    "xy",
    "v",
    "p",
    "r",
    "a",
    "q",
    "go",
    "res",
    "del",
    "keep",
    "m",
    "id",
    "en",
    "bhr",
    "partnership",
    "trainings",
    "on",
    "off",
    "0.o.*.*",
    "0.*.*.*",
    "99999999999999999999.o.*.*",
    "².o.*.*",
    "0.zz.*.*",
    "staff-1",
    "staff-2",
    "..",
    "'",
    "' OR 1=1 --",
    "%",
    "\u200b",
    "\u202e",
    "<b>",
]

STAFF_ARGUMENTS = [
    "0",
    "-1",
    "1",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "²",
    "١٢",
    "𝟙",
    "",
    "x",
    "y",
    "' OR 1=1 --",
    "\u200b",
    "<b>",
    "0.o.*.*",
    "99999999999999999.o.*.*",
    "9999999999999999999.o.*.*",
    "².o.*.*",
    "staff-1",
    "en",
]
"""The arguments that try a handler's parsing hardest (staff handlers parse the most)."""


def _fit(data: str) -> str:
    """At most Telegram's 64 bytes, cut on a character boundary."""
    encoded = data.encode()[:64]
    return encoded.decode("utf-8", errors="ignore")


ARGUMENT = st.one_of(
    st.sampled_from(SPECIAL_ARGUMENTS),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.integers(min_value=0, max_value=12).map(str),  # ids that exist: other people's
    st.text(alphabet=ANY_CHARACTER, max_size=8),
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(tmp_path / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
        staff_chat_id=STAFF_CHAT,
    )


@dataclass
class World:
    """A bot with other people's secrets in it, and Mallory's menu to press buttons on."""

    watch: Watch
    services: Services
    menu: dict[str, Any]

    async def press(self, data: str) -> list[ApiCall]:
        self.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
        return await self.watch.harness.press_data(MALLORY, data, copy.deepcopy(self.menu))


async def _step(
    watch: Watch, user: dict[str, Any], text: str | None = None, data: str = ""
) -> None:
    watch.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    if text is not None:
        await watch.harness.send(user, text)
    else:
        await watch.harness.press_data(user, data)
    watch.check((user["id"], text, data))


async def plant_secrets(watch: Watch, services: Services) -> None:
    """Siti's questions, answer, registration and self-check; a draft training; a scheduled
    announcement; a knowledge-base draft. Everything through the bot, as people would."""
    published = await make_training(services, capacity=None)
    await make_training(services, status="draft", title="PELATIHAN-RAHASIA")
    await _step(watch, SITI, "/start")
    await _step(watch, SITI, data="ask")
    await _step(watch, SITI, "Rahasia dagang Toko Maju: omzet 80 juta, tolong dibantu")
    await _step(watch, SITI, data="ask")
    await _step(watch, SITI, "Toko Maju mau kerja sama dengan pabrik, omzet 80 juta")
    _first, second = [i.id for i in await inquiry_table.for_user(services.db, SITI["id"])]
    await _step(watch, STAFF, "/start")
    await _step(watch, STAFF, f"/reply {second} JAWABAN-RAHASIA: silakan hubungi dinas")
    await _step(watch, STAFF, data=f"sdk:{second}")  # a knowledge-base draft from Siti's question
    await _step(watch, SITI, data=f"trr:{published.id}")
    for answer in ("Siti Rahasiawati", "Warung Rahasia", "Kuliner", "Jawa Barat", "-"):
        await _step(watch, SITI, answer)
    await _step(watch, SITI, data="fm:consent:yes")
    await _step(watch, SITI, "/cek")
    await _step(watch, SITI, data="ck:new")
    await _step(watch, SITI, data="subt:trainings")
    await _step(watch, STAFF, "/broadcast")
    await _step(watch, STAFF, "PENGUMUMAN-RAHASIA untuk pelanggan")
    for data in ("fm:language:id", "fm:other:skip", "fm:audience:all", "fm:when:later"):
        await _step(watch, STAFF, data=data)
    await _step(watch, STAFF, "2027-03-01 09:00")
    await _step(watch, STAFF, data="fm:confirm:send")
    assert [b.status for b in await services.broadcasts.recent()] == ["scheduled"]
    assert await services.registrations.get(published.id, SITI["id"]) is not None


@pytest.fixture
async def world(services: Services) -> AsyncIterator[World]:
    async with watched(services) as watch:
        await plant_secrets(watch, services)
        await _step(watch, MALLORY, "/start")
        yield World(watch, services, watch.harness.last_message_with_buttons(MALLORY["id"]))


def leaked(calls: list[ApiCall]) -> list[str]:
    said = everything_said(calls)
    return [secret for secret in SECRETS if secret in said]


# -- forged data --
@examples(25, shrink=False)
@given(data=st.data())
async def test_forged_callback_data_is_answered_and_reveals_and_changes_nothing(
    world: World, data: st.DataObject
) -> None:
    """Each example presses every registered prefix once, with drawn arguments."""
    watch, services = world.watch, world.services
    watch.mark()  # a failed example leaves its calls behind
    before = await snapshot(services, except_user=MALLORY["id"])
    for prefix in CALLBACK_PREFIXES:
        arguments = data.draw(st.lists(ARGUMENT, max_size=4), label=prefix)
        forged = _fit(":".join([prefix, *arguments]))
        calls = await world.press(forged)
        watch.check(forged)
        assert answered_presses(calls) == 1, (forged, [call.method for call in calls])
        assert not leaked(calls), (forged, leaked(calls))
    assert await snapshot(services, except_user=MALLORY["id"]) == before


def test_the_forged_data_covers_every_registered_prefix() -> None:
    """The prefixes are read from the Application; a sanity check that the reading works."""
    assert {"ask", "ck", "fb", "fm", "pick", "sdr", "sds", "tr", "trr", "bc"} <= set(
        CALLBACK_PREFIXES
    )
    assert set(CALLBACK_PREFIXES) >= STAFF_ONLY_PREFIXES


async def test_every_prefix_with_each_special_argument(world: World) -> None:
    """The hand-picked arguments on every prefix, not left to hypothesis's sampling."""
    watch, services = world.watch, world.services
    before = await snapshot(services, except_user=MALLORY["id"])
    for prefix in CALLBACK_PREFIXES:
        for argument in SPECIAL_ARGUMENTS:
            for data in {_fit(f"{prefix}:{argument}"), _fit(f"{prefix}:{argument}:{argument}")}:
                if data in ("fgt:yes",):  # Mallory erasing his own data is his right
                    continue
                calls = await world.press(data)
                watch.check(data)
                assert answered_presses(calls) == 1, (data, [call.method for call in calls])
                assert not leaked(calls), (data, leaked(calls))
    assert await snapshot(services, except_user=MALLORY["id"]) == before
    assert await integrity(services) == "ok"


async def test_forged_data_from_staff_is_answered_and_never_crashes(world: World) -> None:
    """Staff may change things with their buttons; forged ones still must not crash the
    handler, send broken HTML or leave the press unanswered."""
    watch, services = world.watch, world.services
    await _step(watch, STAFF, "/inbox")
    menu = watch.harness.last_message_with_buttons(STAFF_ID)
    for prefix in CALLBACK_PREFIXES:
        for argument in STAFF_ARGUMENTS:
            for data in {_fit(f"{prefix}:{argument}"), _fit(f"{prefix}:1:{argument}")}:
                services.clock.advance(seconds=2)  # type: ignore[attr-defined]
                calls = await watch.harness.press_data(STAFF, data, copy.deepcopy(menu))
                watch.check(data)
                assert answered_presses(calls) == 1, (data, [call.method for call in calls])
                if services.desk.awaiting_input(STAFF_ID):  # no step into the next press
                    await services.desk.cancel(STAFF_ID)
                if services.forms.active(STAFF_ID) is not None:
                    await services.forms.finish(STAFF_ID)
    assert await integrity(services) == "ok"


# -- replayed staff buttons --
async def staff_session(watch: Watch, services: Services) -> set[str]:
    """A staff member works through the desk, trainings and broadcasts; every button the bot
    showed them is returned (the ones pressed, and the ones left pending)."""
    await _step(watch, SITI, data="ask")
    await _step(watch, SITI, "Pertanyaan ketiga dari Toko Maju")  # open
    first, second, third = [i.id for i in await inquiry_table.for_user(services.db, SITI["id"])]
    await _step(watch, STAFF, "/inbox")
    await _step(watch, STAFF, data=f"sdr:{first}")
    await _step(watch, STAFF, "Jawaban yang belum dikirim")  # a preview, left pending
    await _step(watch, STAFF, "/drafts")
    await _step(watch, STAFF, data=f"sdd:staff-{second}")
    await _step(watch, STAFF, "/trainings")
    [training] = [t for t in await services.trainings.for_staff() if t.status == "published"]
    await _step(watch, STAFF, data=f"tra:{training.id}")
    await _step(watch, STAFF, data=f"tre:{training.id}")
    await _step(watch, STAFF, data=f"trs:{training.id}:cancelled")  # asks first; not confirmed
    await _step(watch, STAFF, "/broadcasts")
    [broadcast] = await services.broadcasts.recent()
    await _step(watch, STAFF, data=f"bc:v:{broadcast.id}")
    await _step(watch, STAFF, data=f"bc:x:{broadcast.id}")  # asks first; not confirmed
    await _step(watch, STAFF, f"/reply {third} Jawaban untuk pertanyaan ketiga")
    await _step(watch, STAFF, "/newtraining")  # a form left open, with its buttons
    buttons: set[str] = set()
    for call in watch.harness.api.calls:
        if int(call.params.get("chat_id", 0) or 0) != STAFF_ID:
            continue
        markup = call.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            buttons.update(b["callback_data"] for b in row if b.get("callback_data"))
    return buttons


async def test_replayed_staff_buttons_are_refused_and_change_nothing(world: World) -> None:
    """Real staff buttons, including a pending "Send" for a drafted answer, replayed verbatim by a
    user: each refused, and not one row anywhere changes."""
    watch, services = world.watch, world.services
    buttons = await staff_session(watch, services)
    staff_buttons = sorted(
        data
        for data in buttons
        if data.split(":")[0] in STAFF_ONLY_PREFIXES
        and data != "fm:cancel"  # cancels the presser's own form, whoever presses it
    )
    captured = {data.split(":")[0] for data in staff_buttons}
    # "bcl" (recent broadcasts) has a handler but no button on any screen yet: sent as is.
    assert captured == STAFF_ONLY_PREFIXES - {tcb.BROADCASTS}, STAFF_ONLY_PREFIXES - captured
    staff_buttons.append(tcb.BROADCASTS)
    refusals = {
        services.catalogs.gettext("en", message)
        for message in ("This button has expired.", "This is for ministry staff only.")
    }
    pending = await services.desk.step(STAFF_ID)
    assert pending is not None and pending.draft  # Mallory must not be able to send it
    before = await snapshot(services)
    for data in [*staff_buttons, f"sds:{pending.inquiry_id}"]:
        calls = await world.press(data)
        watch.check(data)
        assert [call.method for call in calls] == ["answerCallbackQuery"], (data, calls)
        assert calls[0].params.get("text") in refusals, (data, calls[0].params)
        assert await snapshot(services) == before, data
    assert await integrity(services) == "ok"


# -- buttons without a message, and buttons no handler knows --
async def test_a_press_on_an_inline_message_is_answered(world: World) -> None:
    """Inline-mode messages carry ``inline_message_id`` and no ``message``: no chat to edit."""
    watch = world.watch
    for prefix in CALLBACK_PREFIXES:
        for data in (prefix, f"{prefix}:1", f"{prefix}:1:y"):
            payload = watch.harness.updates.raw(
                {
                    "callback_query": {
                        "id": f"inline-{data}",
                        "from": MALLORY,
                        "chat_instance": "-42",
                        "inline_message_id": "AAAAAQBBBBCCCC",
                        "data": data,
                    }
                }
            )
            calls = await watch.harness.feed(payload)
            watch.check(data)
            assert answered_presses(calls) == 1, (data, calls)


async def test_a_button_no_handler_knows_is_answered(world: World) -> None:
    """Buttons of an older version of the bot: answered, or the spinner would turn on."""
    for data in ("zz", "zz:1", "old_button_v1:9", "\u200b", "sd", "trainings", "MENU"):
        calls = await world.press(data)
        world.watch.check(data)
        assert answered_presses(calls) == 1, (data, calls)
