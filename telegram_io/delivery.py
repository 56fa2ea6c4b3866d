"""The sender's one Telegram call: ``send_message``, with Telegram's errors turned into the
sender's outcomes (:mod:`bot.sender` knows nothing about Telegram)."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Defaults

from bot.sender import (
    BotBlockedError,
    RateLimitedError,
    SendFunction,
    TransientError,
    UndeliverableError,
)


def bot_defaults() -> Defaults:
    """How every message is sent, by the bot and by the web desk alike."""
    return Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
"""As for every other message of the bot (the Application's defaults): no link previews."""


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type this python-telegram-bot version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int will become a timedelta
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def sender_bot(application_bot: Bot, api_url: str) -> Bot:
    """A ``Bot`` on the Application's connection pool but without its rate limiter.

    The Application's limiter (:mod:`telegram_io.api_policy`) retries a 429 inside the call,
    which is right for one reply to one user; the broadcast sender must see the 429 itself, to
    pause all of its sending, not just the one message.
    """
    return Bot(
        application_bot.token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=application_bot.request,
    )


def telegram_sender(bot: Bot) -> SendFunction:
    async def send(chat_id: int, html: str) -> None:
        try:
            await bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )
        except RetryAfter as error:
            raise RateLimitedError(retry_after_seconds(error)) from error
        except Forbidden as error:
            raise BotBlockedError(error.message) from error
        except BadRequest as error:
            raise UndeliverableError(error.message) from error
        except TelegramError as error:  # NetworkError, TimedOut, server errors
            raise TransientError(error.message) from error
        except RuntimeError as error:  # the connection pool closed under us at shutdown
            raise TransientError(str(error)) from error

    return send
