"""Who the user is and which language they get, resolved once per update."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock, iso
from bot.i18n import resolve_locale
from db import Database
from db import users as user_table
from db.users import UserRecord

REFRESH_INTERVAL = dt.timedelta(minutes=5)
"""``last_seen`` is rewritten at most this often per user: one write per message would cost a
disk sync on every update for a timestamp nobody needs to the second."""


@dataclass(frozen=True, slots=True)
class TelegramUser:
    """The parts of a Telegram user the bot keeps."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


class UserDirectory:
    def __init__(self, db: Database, clock: Clock, default_locale: str) -> None:
        self._db = db
        self._clock = clock
        self._default_locale = default_locale
        self._cache: dict[int, tuple[UserRecord, dt.datetime]] = {}

    async def seen(self, user: TelegramUser) -> UserRecord:
        """Record that ``user`` wrote (upserting them) and return their stored profile."""
        now = self._clock.now()
        cached = self._cache.get(user.id)
        if cached is not None:
            record, written = cached
            unchanged = (
                record.first_name == user.first_name
                and record.last_name == user.last_name
                and record.username == user.username
                and (user.language_code in (None, record.language_code))
                and not record.blocked
            )
            if unchanged and now - written < REFRESH_INTERVAL:
                return record
        record = await user_table.touch(
            self._db,
            user.id,
            user.first_name,
            user.last_name,
            user.username,
            user.language_code,
            iso(now),
        )
        self._cache[user.id] = (record, now)
        return record

    def locale_of(self, record: UserRecord | None) -> str:
        if record is None:
            return self._default_locale
        return resolve_locale(record.language, record.language_code, self._default_locale)

    async def get(self, user_id: int) -> UserRecord | None:
        return await user_table.get(self._db, user_id)

    async def choose_language(self, user_id: int, locale: str) -> None:
        await user_table.set_language(self._db, user_id, locale)
        self._cache.pop(user_id, None)

    async def set_subscribed(self, user_id: int, subscribed: bool) -> None:
        await user_table.set_subscribed(self._db, user_id, subscribed)
        self._cache.pop(user_id, None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await user_table.set_blocked(self._db, user_id, blocked)
        self._cache.pop(user_id, None)

    def forget_cached(self, user_id: int) -> None:
        """Drop the cached profile of a user whose row was deleted (/forgetme): their next
        message must create a fresh row, not be served from memory."""
        self._cache.pop(user_id, None)
