"""Drive the real Application through the offline Bot API, as a Telegram user would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from telegram_io.offline import ApiCall, OfflineBotAPI, UpdateFactory


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def telegram_user(user_id: int, language_code: str | None = "id", **extra: Any) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": extra.pop("first_name", "Siti")}
    if language_code:
        user["language_code"] = language_code
    user.update(extra)
    return user


@dataclass
class Harness:
    application: Application
    api: OfflineBotAPI
    updates: UpdateFactory = field(default_factory=UpdateFactory)

    async def feed(self, payload: dict[str, Any]) -> list[ApiCall]:
        """Process one update; return the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(payload, self.application.bot))
        return self.api.calls[before:]

    async def send(self, user: dict[str, Any], text: str) -> list[ApiCall]:
        return await self.feed(self.updates.message(user, text))

    def last_message_with_buttons(self, chat_id: int) -> dict[str, Any]:
        """The lowest message on the user's screen that still has inline buttons."""
        with_buttons = [
            message
            for message in self.api.messages(chat_id)
            if (message.get("reply_markup") or {}).get("inline_keyboard")
        ]
        if not with_buttons:
            raise AssertionError(f"no message with buttons in chat {chat_id}")
        return with_buttons[-1]

    def buttons(self, chat_id: int) -> dict[str, str]:
        """Label → callback data of the newest keyboard in ``chat_id``."""
        message = self.last_message_with_buttons(chat_id)
        return {
            button["text"]: button["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for button in row
        }

    async def press(self, user: dict[str, Any], label: str) -> list[ApiCall]:
        """Press the newest button whose label contains ``label``."""
        message = self.last_message_with_buttons(user["id"])
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"]:
                    return await self.press_data(user, button["callback_data"], message)
        raise AssertionError(f"no button {label!r} in {self.buttons(user['id'])}")

    async def press_data(
        self, user: dict[str, Any], data: str, message: dict[str, Any] | None = None
    ) -> list[ApiCall]:
        """Press a button with arbitrary (possibly forged) callback data."""
        message = message or self.last_message_with_buttons(user["id"])
        return await self.feed(self.updates.callback(user, data, message))


def texts(calls: list[ApiCall]) -> list[str]:
    """The text of every message sent or edited in ``calls``."""
    return [
        str(call.params.get("text"))
        for call in calls
        if call.method in ("sendMessage", "editMessageText")
    ]


def alerts(calls: list[ApiCall]) -> list[str]:
    return [
        str(call.params.get("text"))
        for call in calls
        if call.method == "answerCallbackQuery" and call.params.get("text")
    ]
