"""Per-user flood control: a token bucket per user, so one sender cannot crowd out the rest.

A user may send :data:`BURST` messages at once and then :data:`RATE` a second. Over the
limit, messages are still stored (nothing a user sends is lost) but not answered; the first
one over the limit gets a single "please slow down" so the user knows why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.clock import Clock

RATE = 1.0
"""Messages a second a user may keep up: faster than anyone types."""
BURST = 8
"""Messages a user may send at once (pasting a few lines, pressing a few buttons)."""
FORGET_AFTER = 600.0
"""Seconds after which an idle user's bucket is dropped, so memory stays bounded."""


class FloodVerdict(enum.Enum):
    ALLOW = "allow"
    WARN = "warn"  # first message over the limit: store it, tell the user once
    HOLD = "hold"  # still over the limit: store it silently


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class FloodGuard:
    def __init__(
        self, clock: Clock, rate: float = RATE, burst: int = BURST, *, enabled: bool = True
    ) -> None:
        self._clock = clock
        self._enabled = enabled
        self._rate = rate
        self._burst = burst
        self._buckets: dict[int, _Bucket] = {}
        self._last_sweep = 0.0

    def check(self, user_id: int) -> FloodVerdict:
        if not self._enabled:
            return FloodVerdict.ALLOW
        now = self._clock.now().timestamp()
        self._sweep(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(tokens=self._burst, updated=now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return FloodVerdict.ALLOW
        if bucket.warned:
            return FloodVerdict.HOLD
        bucket.warned = True
        return FloodVerdict.WARN

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < FORGET_AFTER:
            return
        self._last_sweep = now
        stale = [uid for uid, b in self._buckets.items() if now - b.updated > FORGET_AFTER]
        for user_id in stale:
            del self._buckets[user_id]
