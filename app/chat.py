"""``smebot chat``: the real Application in a terminal, on the offline Bot API.

You type as a Telegram user; the bot's messages print with their buttons numbered, and a
number picks a button. Same handlers, same database, no network: the quickest way for a
newcomer, a trainer or a translator to try the bot.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from telegram import Update

from app.app import build_application
from bot.services import Services
from telegram_io.offline import ApiCall, OfflineBotAPI, UpdateFactory

PROMPT = "you> "


class TerminalChat:
    def __init__(self, services: Services, user_id: int, language: str, output: TextIO) -> None:
        self._output = output
        self._user = {
            "id": user_id,
            "is_bot": False,
            "first_name": "Pengguna" if language == "id" else "User",
            "language_code": language,
        }
        self._buttons: list[tuple[str, str, dict[str, Any]]] = []
        self._api = OfflineBotAPI(listener=self._show)
        self._application = build_application(services.settings, services, request=self._api)
        self._updates = UpdateFactory()

    def _print(self, text: str = "") -> None:
        self._output.write(text + "\n")
        self._output.flush()

    def _show(self, call: ApiCall, result: dict | None) -> None:
        """Print what a user would see for each message the bot sends or edits."""
        if call.method not in ("sendMessage", "editMessageText", "sendDocument") or result is None:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self._print(f"  ⓘ {call.params['text']}")
            return
        if call.method == "sendDocument":
            self._print(f"bot> [file] {result.get('caption', '')}")
            return
        marker = "bot (edited)> " if call.method == "editMessageText" else "bot> "
        text = result.get("text", "")
        self._print(marker + text.replace("\n", "\n     "))
        keyboard = (result.get("reply_markup") or {}).get("inline_keyboard", [])
        if keyboard:
            self._buttons = []
            for row in keyboard:
                labels = []
                for button in row:
                    self._buttons.append((button["text"], button.get("callback_data", ""), result))
                    labels.append(f"[{len(self._buttons)}] {button['text']}")
                self._print("     " + "   ".join(labels))
        self._print()

    async def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.isdigit() and 0 < int(line) <= len(self._buttons):
            _, data, message = self._buttons[int(line) - 1]
            payload = self._updates.callback(self._user, data, message)
        else:
            payload = self._updates.message(self._user, line)
        await self._application.process_update(Update.de_json(payload, self._application.bot))

    async def run(self, lines: TextIO) -> None:
        self._print(
            "Teman UMKM – offline chat. Type /start; a number presses a button; Ctrl-D quits."
        )
        self._print()
        async with self._application:
            await self._application.post_init(self._application)  # command menus, as on Telegram
            await self.handle("/start")
            loop = asyncio.get_running_loop()
            while True:
                if lines.isatty():
                    self._output.write(PROMPT)
                    self._output.flush()
                line = await loop.run_in_executor(None, lines.readline)
                if not line:
                    break
                if not lines.isatty():
                    self._print(PROMPT + line.rstrip("\n"))
                await self.handle(line)


async def run_chat(
    services: Services, user_id: int, language: str, lines: TextIO = sys.stdin
) -> None:
    try:
        await TerminalChat(services, user_id, language, sys.stdout).run(lines)
    finally:
        await services.close()
