"""Updates from different users are handled side by side; one user's updates stay in order.

python-telegram-bot handles updates one at a time by default, so a single slow reply (a 429
pause of a minute, a large export) would hold up every other user. Handling them all
concurrently would let one user's "Reply" and the text after it race each other. Keying a
lock on the user gives both: parallel across users, sequential per user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64
"""Updates in progress at once. A user's queued updates hold a slot while they wait their
turn; flood control keeps any one user from filling many."""


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]  # nobody waiting: keep memory bounded

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
