"""Users' rights over their data (UU PDP 27/2022): see it, erase it, and a retention period.

* /mydata sends everything stored about the user, from every table that references them.
* /forgetme deletes the user and everything tied to them; their questions stay only as
  anonymous rows (no text, no link to anyone) so the ministry's counts remain true.
* Questions older than ``INQUIRY_RETENTION_DAYS`` lose their text and their link to the user
  the same way. This runs when the bot starts and then once a day, and on demand with
  ``smebot db purge``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

from bot.clock import Clock, iso
from bot.users import UserDirectory
from db import Database
from db import privacy as privacy_table

logger = logging.getLogger(__name__)

RETENTION_INTERVAL = dt.timedelta(days=1)
"""How often the retention purge runs while the bot is up: the period is counted in days."""


class Privacy:
    def __init__(
        self, db: Database, clock: Clock, users: UserDirectory, retention_days: int
    ) -> None:
        self._db = db
        self._clock = clock
        self._users = users
        self.retention_days = retention_days

    async def my_data(self, user_id: int) -> bytes:
        """A JSON document of every row about ``user_id``, readable by a person."""
        document = {
            "exported_at": iso(self._clock.now()),
            "user_id": user_id,
            "retention_days": self.retention_days,
            "tables": await privacy_table.personal_data(self._db, user_id),
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

    async def forget(self, user_id: int) -> int:
        """Erase the user; returns how many of their questions were anonymised."""
        count = await privacy_table.forget_user(self._db, user_id, iso(self._clock.now()))
        self._users.forget_cached(user_id)
        logger.info("Erased a user's data on request (%d inquiries anonymised)", count)
        return count

    async def purge_expired(self) -> int:
        """Anonymise questions older than the retention period; returns how many."""
        now = self._clock.now()
        cutoff = now - dt.timedelta(days=self.retention_days)
        count = await privacy_table.anonymise_before(self._db, iso(cutoff), iso(now))
        if count:
            logger.info("Retention: anonymised %d inquiries older than %s", count, iso(cutoff))
        return count

    async def run_daily(self, interval: dt.timedelta = RETENTION_INTERVAL) -> None:
        """Purge now and then every ``interval``, until cancelled (at shutdown)."""
        while True:
            try:
                await self.purge_expired()
            except Exception:  # a failed purge must not end the loop; it is retried
                logger.exception("Retention purge failed")
            await asyncio.sleep(interval.total_seconds())
