"""Sending rendered HTML: split to Telegram's limit, keyboard on the last piece."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.text import split_message

TYPING_DELAY = 0.4
"""Seconds before the bot shows "typing…": fast answers should not pay for an extra call."""


async def send_html(
    bot: ExtBot,
    chat_id: int,
    html: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message:
    pieces = split_message(html)
    message = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        message = await bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if last else None,
        )
    assert message is not None
    return message


@asynccontextmanager
async def typing_if_slow(bot: ExtBot, chat_id: int) -> AsyncIterator[None]:
    """Show the typing action only if the block takes longer than :data:`TYPING_DELAY`."""

    async def show() -> None:
        await asyncio.sleep(TYPING_DELAY)
        with contextlib.suppress(TelegramError):  # cosmetic only
            await bot.send_chat_action(chat_id, ChatAction.TYPING)

    task = asyncio.create_task(show())
    try:
        yield
    finally:
        task.cancel()
