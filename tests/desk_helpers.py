"""Shared steps of the staff-desk tests: users, an open question, a second staff member."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from bot.staff import Role
from db import inquiries as inquiry_table
from telegram_io.offline import ApiCall
from tests.conftest import STAFF_ID
from tests.harness import Harness, telegram_user

STAFF_CHAT = -1001234567890
STAFF = telegram_user(STAFF_ID, "en", first_name="Officer", username="officer_one")
COLLEAGUE = telegram_user(900_002, "id", first_name="Rina")
SITI = telegram_user(5001, "id", first_name="Siti", username="siti_umkm")
JOHN = telegram_user(5002, "en-GB", first_name="John")
MALLORY = telegram_user(6666, "en", first_name="Mallory")
"""An ordinary user who tries every staff command and button."""


async def open_question(
    harness: Harness, services: Services, user: dict[str, Any], text: str
) -> int:
    """Ask ``text`` through the "Ask staff" button, so it is open whatever the search finds.

    The clock moves on a minute first: questions get distinct times, and no one trips the
    flood guard however many questions a test asks.
    """
    services.clock.advance(minutes=1)  # type: ignore[attr-defined]  (a FakeClock)
    await harness.send(user, "/start")
    await harness.press_data(user, "ask")
    await harness.send(user, text)
    inquiries = await inquiry_table.for_user(services.db, user["id"])
    assert inquiries[-1].question == text and inquiries[-1].status == "open"
    return inquiries[-1].id


async def make_staff(harness: Harness, services: Services, user: dict[str, Any]) -> None:
    """An administrator adds ``user`` (who first starts the bot, as Telegram requires)."""
    await harness.send(user, "/start")
    await harness.send(STAFF, f"/staff add {user['id']}")
    assert await services.staff.role_of(user["id"]) is Role.STAFF


def to_chat(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    """Messages, documents and photos sent to ``chat_id``."""
    return [
        call
        for call in calls
        if call.method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText")
        and int(call.params.get("chat_id", 0)) == chat_id
    ]


def everything_said(calls: list[ApiCall]) -> str:
    """All text of all calls (messages, captions, alerts, file contents), for leak checks."""
    parts = []
    for call in calls:
        for value in call.params.values():
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes):
                parts.append(value[1].decode("utf-8", "replace"))
            else:
                parts.append(str(value))
    return "\n".join(parts)
