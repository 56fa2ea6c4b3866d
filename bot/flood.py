"""Per-user flood control: a token bucket per user, so one sender cannot crowd out the rest.

A user may send :data:`BURST` messages at once and then :data:`RATE` a second. Over the
limit, messages are still stored (nothing a user sends is lost) but not answered; the first
one over the limit gets a single "please slow down" so the user knows why.

Where the buckets live depends on the database. On SQLite the bot is one process, so they
stay in memory (:class:`MemoryBuckets`): no query on the hot path of every message. On
PostgreSQL several workers may take one user's messages, so the buckets are rows
(:class:`SharedBuckets`, :mod:`db.flood`): one upsert per message, which also survives a
worker's restart. The arithmetic is the same in both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from db import Database
from db import flood as flood_table

RATE = 1.0
"""Messages a second a user may keep up: faster than anyone types."""
BURST = 8
"""Messages a user may send at once (pasting a few lines, pressing a few buttons)."""
FORGET_AFTER = 600.0
"""Seconds after which an idle user's bucket is dropped, so memory (or the table) stays
bounded; by then it has refilled anyway."""


class FloodVerdict(enum.Enum):
    ALLOW = "allow"
    WARN = "warn"  # first message over the limit: store it, tell the user once
    HOLD = "hold"  # still over the limit: store it silently


class Buckets(Protocol):
    """One step of a user's bucket at ``now`` (seconds): the verdict for their message."""

    async def take(self, user_id: int, now: float, rate: float, burst: int) -> FloodVerdict: ...

    async def forget_idle(self, cutoff: float) -> None: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class MemoryBuckets:
    """This process's buckets (SQLite: the bot is one process)."""

    def __init__(self) -> None:
        self._buckets: dict[int, _Bucket] = {}

    async def take(self, user_id: int, now: float, rate: float, burst: int) -> FloodVerdict:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(tokens=burst, updated=now)
        bucket.tokens = min(burst, bucket.tokens + max(now - bucket.updated, 0) * rate)
        bucket.updated = max(bucket.updated, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return FloodVerdict.ALLOW
        if bucket.warned:
            return FloodVerdict.HOLD
        bucket.warned = True
        return FloodVerdict.WARN

    async def forget_idle(self, cutoff: float) -> None:
        stale = [uid for uid, b in self._buckets.items() if b.updated < cutoff]
        for user_id in stale:
            del self._buckets[user_id]


class SharedBuckets:
    """Buckets in the ``flood_buckets`` table, counted together by every worker."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, user_id: int, now: float, rate: float, burst: int) -> FloodVerdict:
        return FloodVerdict(await flood_table.check(self._db, user_id, now, rate, burst))

    async def forget_idle(self, cutoff: float) -> None:
        await flood_table.forget_idle(self._db, cutoff)


class FloodGuard:
    def __init__(
        self,
        clock: Clock,
        rate: float = RATE,
        burst: int = BURST,
        *,
        enabled: bool = True,
        buckets: Buckets | None = None,
    ) -> None:
        self._clock = clock
        self._enabled = enabled
        self._rate = rate
        self._burst = burst
        self._buckets = buckets or MemoryBuckets()
        self._last_sweep = 0.0

    @classmethod
    def for_database(cls, db: Database, clock: Clock) -> FloodGuard:
        """Shared buckets where several workers may share the database, memory otherwise."""
        shared = db.dialect == "postgresql"
        return cls(clock, buckets=SharedBuckets(db) if shared else MemoryBuckets())

    async def check(self, user_id: int) -> FloodVerdict:
        if not self._enabled:
            return FloodVerdict.ALLOW
        now = self._clock.now().timestamp()
        if now - self._last_sweep >= FORGET_AFTER:
            self._last_sweep = now
            await self._buckets.forget_idle(now - FORGET_AFTER)
        return await self._buckets.take(user_id, now, self._rate, self._burst)
