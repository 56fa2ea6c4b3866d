"""How the bot reacts to Telegram refusing a request: wait when told to, note who blocked it.

python-telegram-bot raises ``RetryAfter`` (HTTP 429) and ``Forbidden`` (HTTP 403) and leaves
the rest to us. Plugged in as the ``ExtBot`` rate limiter, this sees every request except
``getUpdates`` (which PTB's polling loop already retries):

* 429: wait the ``retry_after`` Telegram gives — not less, or the ban grows — and send again,
  so the user still gets the answer, only later. A wait longer than :data:`MAX_RETRY_WAIT`
  (or too many of them) gives up and raises: the question stays ``open`` for staff.
* 403 on a private chat: the user blocked the bot; :attr:`ApiPolicy.on_blocked` records it so
  nothing more is sent to them (their next message unblocks them again).

It deliberately does no throttling of its own: the bot answers users one update at a time,
far below Telegram's limits, and the broadcast sender paces itself (see ``bot.sender``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import Forbidden, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

MAX_RETRY_WAIT = 60.0
"""Seconds: a longer ``retry_after`` fails the request instead of stalling every user."""
MAX_RETRIES = 3
"""429s in a row for one request before giving up."""

BlockedCallback = Callable[[int], Awaitable[None]]
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type this PTB version hands out."""
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def private_chat_id(data: dict[str, Any]) -> int | None:
    """The request's ``chat_id`` if it is a user's private chat (user ids are positive)."""
    try:
        chat_id = int(data.get("chat_id", 0))
    except (TypeError, ValueError):  # a channel username, say
        return None
    return chat_id if chat_id > 0 else None


class ApiPolicy(BaseRateLimiter[None]):
    def __init__(self, on_blocked: BlockedCallback | None = None) -> None:
        self.on_blocked = on_blocked

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> ApiResult:
        retries = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                retries += 1
                if wait > MAX_RETRY_WAIT or retries > MAX_RETRIES:
                    logger.warning("%s: giving up, Telegram asked to wait %s s", endpoint, wait)
                    raise
                logger.warning("%s: Telegram asked to wait %s s; waiting", endpoint, wait)
                await asyncio.sleep(wait)
            except Forbidden:
                await self._blocked(data)
                raise

    async def _blocked(self, data: dict[str, Any]) -> None:
        chat_id = private_chat_id(data)
        if chat_id is None or self.on_blocked is None:
            return
        try:
            await self.on_blocked(chat_id)
        except Exception:  # the database may be failing too; the 403 itself matters more
            logger.warning("Could not record that user %s blocked the bot", chat_id)
