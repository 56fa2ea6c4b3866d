"""Opt-in announcement topics: a user chooses what to hear about, and can stop at any time.

Nothing subscribes a user but the user. Blocking the bot unsubscribes from everything (a
database trigger, whichever code marks the user blocked).
"""

from __future__ import annotations

from bot.clock import Clock, iso
from bot.i18n import N_
from bot.users import UserDirectory
from db import Database
from db import subscriptions as subscription_table

TOPICS: dict[str, str] = {
    "trainings": N_("Trainings"),
    "bhr": N_("Business and human rights"),
    "partnerships": N_("Partnerships"),
}
"""Topic keys (stored) and their names (translated where shown)."""


class SubscriptionService:
    def __init__(self, db: Database, clock: Clock, users: UserDirectory) -> None:
        self._db = db
        self._clock = clock
        self._users = users

    async def topics(self, user_id: int) -> set[str]:
        return await subscription_table.topics_of(self._db, user_id)

    async def toggle(self, user_id: int, topic: str) -> set[str]:
        """Switch one topic on or off; returns the topics now subscribed."""
        if topic not in TOPICS:
            raise ValueError(topic)
        if topic in await self.topics(user_id):
            await subscription_table.remove(self._db, user_id, topic)
        else:
            await subscription_table.add(self._db, user_id, topic, iso(self._clock.now()))
        return await self._refreshed(user_id)

    async def subscribe(self, user_id: int, topics: set[str]) -> set[str]:
        for topic in topics & set(TOPICS):
            await subscription_table.add(self._db, user_id, topic, iso(self._clock.now()))
        return await self._refreshed(user_id)

    async def unsubscribe_all(self, user_id: int) -> None:
        await subscription_table.clear(self._db, user_id)
        await self._refreshed(user_id)

    async def _refreshed(self, user_id: int) -> set[str]:
        """The user's topics; also drops the cached profile, whose ``subscribed`` changed."""
        topics = await self.topics(user_id)
        await self._users.set_subscribed(user_id, bool(topics))
        return topics

    async def counts(self) -> dict[str, int]:
        return await subscription_table.count_by_topic(self._db)
