"""Updates from different users are handled side by side; one user's updates stay in order.

python-telegram-bot handles updates one at a time by default, so a single slow reply (a 429
pause of a minute, a large export) would hold up every other user. Handling them all
concurrently would let one user's "Reply" and the text after it race each other. Keying a
lock on the user gives both: parallel across users, sequential per user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64
"""Updates in progress at once. A user's queued updates hold a slot while they wait their
turn; flood control keeps any one user from filling many."""


def user_key(update: object) -> int | None:
    """Whose turn an update waits for: its user, else its chat (also how ``smebot run
    --workers`` picks a worker, so one user's updates stay on one process)."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


@dataclass(slots=True)
class _Turn:
    """One user's lock and how many of their updates hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = user_key(update)
        if key is None:
            await coroutine
            return
        # Counted, not ``lock.locked()``: between a release and the next waiter's wake-up the
        # lock looks free, and dropping it then let a third update start beside the second.
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.holders += 1
        try:
            async with turn.lock:
                await coroutine
        finally:
            turn.holders -= 1
            if turn.holders == 0:
                del self._turns[key]  # nobody waiting: keep memory bounded

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
