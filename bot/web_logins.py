"""One-time sign-in links for the staff web desk, sent by the bot with ``/web``.

This is how staff sign in where the desk has no public domain (Telegram's Login Widget only
works on a domain registered with BotFather). The bot already knows who is staff, so a link
it sends to a staff member's private chat proves who opened it, as long as the link is short-
lived, single-use and unguessable: 32 random bytes, stored only as a SHA-256 hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from bot.clock import Clock, iso
from db import Database
from db import web_logins as login_table

LINK_LIFETIME = dt.timedelta(minutes=10)
"""Long enough to switch from the phone to the desk; short enough that a forwarded or
leaked link is soon worthless."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebLoginService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def issue(self, user_id: int) -> str:
        """A new token for ``user_id``; expired links are forgotten on the way."""
        now = self._clock.now()
        await login_table.purge(self._db, iso(now))
        token = secrets.token_urlsafe(32)
        await login_table.create(
            self._db, token_hash(token), user_id, iso(now), iso(now + LINK_LIFETIME)
        )
        return token

    async def redeem(self, token: str) -> int | None:
        """The user id the link was made for, once; None if unknown, used or expired."""
        if not token or len(token) > 100:
            return None
        return await login_table.redeem(self._db, token_hash(token), iso(self._clock.now()))
