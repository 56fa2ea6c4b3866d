"""The background sender: works the broadcast queue within Telegram's limits, crash-safely.

One asyncio task, started with the bot (``smebot run``), does all of it:

* **Pacing.** At most ``BROADCAST_RATE`` messages a second overall (evenly spaced, so there
  are no bursts) and at most one a second per chat. A 429 pauses the whole sender for the
  ``retry_after`` Telegram asks for; a network error pauses it with exponential backoff.
* **Durability.** Rows are claimed in small batches (marked ``sending`` by this worker) and
  marked ``sent`` only after the API call returned. On PostgreSQL several workers' senders
  share the queue: a claim skips rows another worker has locked, so no row goes out twice.
  At start-up, rows this worker left ``sending`` when it crashed go back to
  the queue: nothing is lost, and only messages in flight at the crash can arrive twice.
  Outcomes are written in batches of one statement, so the handlers sharing the connection
  never wait behind the sender for more than a few milliseconds.
* **Concurrency.** Calls are dispatched on schedule as separate tasks (up to
  ``max_in_flight``), so network latency does not lower the rate: with 40–80 ms per call a
  one-at-a-time loop could not reach 25 messages a second.
* **Outcomes.** 403 (the user blocked the bot) marks the user blocked and unsubscribed; 400
  (chat not found, or a message Telegram refuses) fails that row only; a network error is
  retried with backoff, up to :data:`MAX_ATTEMPTS`.
* **Reporting.** The staff member's progress message is edited every
  :data:`PROGRESS_INTERVAL` seconds and a final report is sent once the broadcast is done.

Time comes from an injectable clock and sleep function, so the tests run hours of sending
in milliseconds; the Telegram call is an injectable ``send(chat_id, html)`` function.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.broadcasts import BroadcastService, Progress
from bot.clock import Clock, iso, parse_iso
from bot.users import UserDirectory
from db import Database
from db import broadcasts as broadcast_table
from db.broadcasts import BroadcastRow, ClaimedRow, OutcomeRow

logger = logging.getLogger(__name__)

PER_CHAT_INTERVAL = 1.0
"""Seconds between two messages to the same chat (Telegram: about one a second)."""
CLAIM_SECONDS = 0.5
"""Rows claimed per batch: this many seconds of sending. Small, because every claimed row
not yet recorded may be sent twice after a crash."""
MAX_CLAIM = 100
IN_FLIGHT_SECONDS = 1.0
"""Calls allowed in flight: enough for this many seconds of network latency at full rate."""
MAX_IN_FLIGHT = 200
FLUSH_INTERVAL = 0.5
"""Seconds an outcome may wait in memory before it is written."""
HOUSEKEEPING_INTERVAL = 1.0
"""Seconds between looks at the broadcasts table (new, paused, cancelled, finished)."""
PROGRESS_INTERVAL = 5.0
"""Seconds between edits of a staff member's progress message."""
REMINDER_INTERVAL = 60.0
"""Seconds between looks for training reminders that have fallen due."""
IDLE_INTERVAL = 5.0
"""Longest sleep when there is nothing to send (a new broadcast wakes the sender at once)."""
STALE_CHECK_INTERVAL = 60.0
STALE_CLAIM = dt.timedelta(minutes=10)
"""A row ``sending`` this long had its outcome lost (it can only happen if a write failed);
it is queued again."""
MAX_ATTEMPTS = 6
"""Network failures before a row is given up as failed (about a minute of backoff)."""
BACKOFF_BASE = 2.0
BACKOFF_MAX = 60.0
ERROR_PAUSE = 5.0
"""Seconds to wait after an unexpected error before the loop tries again."""
STOP_TIMEOUT = 10.0
"""Seconds to let calls in flight finish at shutdown before giving up on them."""
TIME_RESOLUTION = 0.001
"""Waits shorter than this are not slept: clocks (and datetimes) do not resolve them."""


class DeliveryError(Exception):
    """Why a message did not go; raised by the send function."""


class RateLimitedError(DeliveryError):
    """429: Telegram asks the bot to wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class BotBlockedError(DeliveryError):
    """403: the user blocked the bot (or deleted their account)."""


class UndeliverableError(DeliveryError):
    """400: this message cannot reach this chat (chat not found, message refused)."""


class TransientError(DeliveryError):
    """A network failure or a server error: worth trying again later."""


SendFunction = Callable[[int, str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class Reporter(Protocol):
    """Tells the staff member who sent a broadcast how it is going."""

    async def progress(self, progress: Progress) -> None: ...

    async def finished(self, progress: Progress) -> None: ...


class Planner(Protocol):
    """Creates the broadcasts that fall due by time (training reminders)."""

    async def plan(self) -> int: ...


def backoff(attempt: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempt - 1))


class Pacer:
    """When the next message may go: evenly spaced at ``rate`` overall, one a second per chat,
    and nothing at all while paused (after a 429 or a network failure)."""

    def __init__(self, rate: float, per_chat: float = PER_CHAT_INTERVAL) -> None:
        self.interval = 1.0 / rate
        self.per_chat = per_chat
        self._next_slot = -math.inf
        self.paused_until = -math.inf
        self._last_by_chat: OrderedDict[int, float] = OrderedDict()

    def wait(self, now: float) -> float:
        """Seconds until the next message may go."""
        return max(0.0, self._next_slot - now, self.paused_until - now)

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Seconds until ``chat_id`` may get another message."""
        while self._last_by_chat:  # forget chats served long enough ago (bounded memory)
            oldest_chat, oldest = next(iter(self._last_by_chat.items()))
            if now - oldest < self.per_chat:
                break
            del self._last_by_chat[oldest_chat]
        last = self._last_by_chat.get(chat_id)
        return 0.0 if last is None else max(0.0, last + self.per_chat - now)

    def take(self, chat_id: int, now: float) -> None:
        """Use the current slot. A loop running a little late keeps to the grid of slots (so
        sleeping a millisecond too long does not lower the rate); one that was idle or far
        behind starts a new grid now (so it never sends a burst to catch up)."""
        on_grid = self._next_slot > now - self.interval
        self._next_slot = (self._next_slot if on_grid else now) + self.interval
        self._last_by_chat[chat_id] = now
        self._last_by_chat.move_to_end(chat_id)

    def pause_until(self, moment: float) -> None:
        self.paused_until = max(self.paused_until, moment)


@dataclass(slots=True)
class SenderStats:
    """Counters for logs and the benchmark."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0
    network_errors: int = 0
    recovered: int = 0
    paused_seconds: float = 0.0


class BroadcastSender:
    def __init__(
        self,
        db: Database,
        broadcasts: BroadcastService,
        users: UserDirectory,
        send: SendFunction,
        clock: Clock,
        *,
        rate: float,
        sleep: Sleep = asyncio.sleep,
        reporter: Reporter | None = None,
        planner: Planner | None = None,
        claim_size: int | None = None,
        max_in_flight: int | None = None,
        worker: str = "",
    ) -> None:
        self._db = db
        self.worker = worker
        """Names this sender's claims. Workers sharing a PostgreSQL database each need their
        own, so a restarted worker puts back only its own in-flight rows (on SQLite there is
        one sender, and the name is empty)."""
        self._broadcasts = broadcasts
        self._users = users
        self._send = send
        self._clock = clock
        self._sleep = sleep
        self._reporter = reporter
        self._planner = planner
        self.rate = rate
        self.claim_size = claim_size or min(MAX_CLAIM, max(1, math.ceil(rate * CLAIM_SECONDS)))
        self.max_in_flight = max_in_flight or min(
            MAX_IN_FLIGHT, max(2, math.ceil(rate * IN_FLIGHT_SECONDS))
        )
        self._pacer = Pacer(rate)
        self._queue: deque[ClaimedRow] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._outcomes: list[OutcomeRow] = []
        self._blocked_users: list[int] = []
        self._active: dict[int, BroadcastRow] = {}
        self._last_progress: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._recovered = False
        self._task: asyncio.Task[None] | None = None
        self._next_housekeeping = -math.inf
        self._next_plan = -math.inf
        self._next_stale_check = -math.inf
        self._last_flush = -math.inf
        self._network_failures = 0
        self.stats = SenderStats()
        broadcasts.on_change(self.wake)

    # -- lifecycle -----------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the broadcasts table now (a broadcast was created, paused, cancelled)."""
        self._wake.set()

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="broadcast-sender")
        return self._task

    async def stop(self) -> None:
        """Let calls in flight finish, write their outcomes, put unsent claims back."""
        self._stopping = True
        self.wake()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(
                asyncio.shield(self._task), STOP_TIMEOUT + HOUSEKEEPING_INTERVAL
            )
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """The loop: until :meth:`stop`, send what is due and sleep when nothing is."""
        await self.recover()
        try:
            while not self._stopping:
                try:
                    worked = await self.step()
                    if not worked:
                        await self._idle()
                except Exception:
                    logger.exception("Broadcast sender: unexpected error; retrying shortly")
                    await self._sleep(ERROR_PAUSE)
        finally:
            await self._drain()

    async def recover(self) -> int:
        """Rows a dead process had claimed go back to the queue (run once, at start-up)."""
        count = await broadcast_table.recover_in_flight(self._db, self.worker)
        self._recovered = True
        self.stats.recovered += count
        if count:
            logger.warning(
                "Broadcast sender: %d messages in flight at the last stop resent", count
            )
        return count

    async def run_until_idle(self, max_steps: int = 10_000_000) -> None:
        """Send until no broadcast has anything left that is due (scheduled ones in the
        future are left): for tests and the benchmark, with a fake or real clock."""
        if not self._recovered:
            await self.recover()
        for _ in range(max_steps):
            if await self.step():
                continue
            await self._flush()
            await self._housekeeping(self._now())
            sending = [b for b in self._active.values() if b.status == "sending"]
            if not sending and not self._in_flight and not self._queue:
                return
            wait = await self._next_event_in(self._now())
            await self._sleep(max(0.01, min(wait if wait is not None else 1.0, IDLE_INTERVAL)))
        raise RuntimeError("broadcast sender did not become idle")

    # -- one round -------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _at(self, moment: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(moment, dt.UTC)

    async def step(self) -> bool:
        """Do the next piece of work; False when there was nothing to do right now."""
        now = self._now()
        if self._wake.is_set() or now >= self._next_housekeeping:
            self._wake.clear()
            await self._housekeeping(now)
            self._next_housekeeping = now + HOUSEKEEPING_INTERVAL
        queued = await self._queue_recipients()
        if not self._queue:
            await self._flush()
            await self._refill(now)
            if not self._queue:
                if self._in_flight:
                    await asyncio.wait(
                        set(self._in_flight),
                        timeout=FLUSH_INTERVAL,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    await self._flush()
                    return True
                return queued
        wait = self._pacer.wait(now)
        if wait >= TIME_RESOLUTION:
            if self._outcomes and now - self._last_flush >= FLUSH_INTERVAL:
                await self._flush()
            if self._pacer.paused_until > now:
                self.stats.paused_seconds += min(wait, HOUSEKEEPING_INTERVAL)
            await self._sleep(min(wait, HOUSEKEEPING_INTERVAL))
            return True
        row = self._queue.popleft()
        broadcast = self._active.get(row.broadcast_id)
        if broadcast is None or broadcast.status != "sending":  # paused or cancelled meanwhile
            self._outcomes.append(OutcomeRow(row.id, "pending", row.attempts))
            return True
        chat_wait = self._pacer.chat_wait(row.user_id, now)
        if chat_wait >= TIME_RESOLUTION:  # the same user got a message under a second ago
            self._outcomes.append(
                OutcomeRow(row.id, "pending", row.attempts, self._due_after(now, chat_wait))
            )
            return True
        self._pacer.take(row.user_id, now)
        if len(self._in_flight) >= self.max_in_flight:
            await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(self._deliver(row, broadcast))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        if len(self._outcomes) >= self.claim_size:
            await self._flush()
        return True

    def _due_after(self, now: float, seconds: float) -> str:
        """A retry time, rounded up to the stored whole second so it is never early."""
        return iso(self._at(now + seconds + 1))

    async def _deliver(self, row: ClaimedRow, broadcast: BroadcastRow) -> None:
        text = broadcast.texts.get(row.locale) or broadcast.texts[broadcast.primary_language]
        try:
            await self._send(row.user_id, text)
        except RateLimitedError as limit:
            now = self._now()
            self.stats.rate_limited += 1
            self._pacer.pause_until(now + limit.retry_after)
            logger.warning("Broadcast sender: 429, pausing %.0f s", limit.retry_after)
            self._outcomes.append(
                OutcomeRow(
                    row.id, "pending", row.attempts, self._due_after(now, limit.retry_after)
                )
            )
        except BotBlockedError:
            self._outcomes.append(OutcomeRow(row.id, "blocked", row.attempts + 1, error="blocked"))
            self._blocked_users.append(row.user_id)
        except UndeliverableError as failure:
            self._outcomes.append(
                OutcomeRow(row.id, "failed", row.attempts + 1, error=str(failure)[:200])
            )
        except Exception as failure:  # TransientError, and anything unforeseen
            if not isinstance(failure, TransientError):
                logger.exception("Broadcast sender: unexpected error from the send function")
            now = self._now()
            attempts = row.attempts + 1
            self.stats.network_errors += 1
            self._network_failures += 1
            self._pacer.pause_until(now + backoff(self._network_failures))
            if attempts >= MAX_ATTEMPTS:
                self._outcomes.append(
                    OutcomeRow(row.id, "failed", attempts, error=f"network: {failure}"[:200])
                )
            else:
                self._outcomes.append(
                    OutcomeRow(
                        row.id, "pending", attempts, self._due_after(now, backoff(attempts))
                    )
                )
        else:
            self._network_failures = 0
            self._outcomes.append(OutcomeRow(row.id, "sent", row.attempts + 1))

    async def _flush(self) -> None:
        """Write the outcomes gathered so far (one statement), then the blocked users."""
        if not self._outcomes and not self._blocked_users:
            return
        outcomes, self._outcomes = self._outcomes, []
        blocked, self._blocked_users = self._blocked_users, []
        try:
            await broadcast_table.record_outcomes(self._db, outcomes, iso(self._clock.now()))
        except BaseException:
            self._outcomes[:0] = outcomes
            self._blocked_users[:0] = blocked
            raise
        for outcome in outcomes:
            if outcome.status == "sent":
                self.stats.sent += 1
            elif outcome.status == "blocked":
                self.stats.blocked += 1
            elif outcome.status == "failed":
                self.stats.failed += 1
            else:
                self.stats.retried += 1
        for user_id in blocked:
            await self._users.set_blocked(user_id, True)
        self._last_flush = self._now()

    async def _refill(self, now: float) -> None:
        for broadcast in self._active.values():
            need = self.claim_size - len(self._queue)
            if need <= 0:
                return
            if broadcast.status == "sending":
                self._queue.extend(
                    await broadcast_table.claim(
                        self._db, broadcast.id, iso(self._at(now)), need, self.worker
                    )
                )

    async def _queue_recipients(self) -> bool:
        """Queue one chunk of recipients of a broadcast that is not fully queued yet."""
        for broadcast in self._active.values():
            if broadcast.status == "sending" and not broadcast.queued:
                cursor, finished = await self._broadcasts.queue_chunk(
                    broadcast, broadcast.queue_cursor
                )
                self._active[broadcast.id] = replace(
                    broadcast, queue_cursor=cursor, queued=finished
                )
                return True
        return False

    async def _housekeeping(self, now: float) -> None:
        moment = self._at(now)
        await self._flush()
        await broadcast_table.promote_due(self._db, iso(moment))
        if self._planner is not None and now >= self._next_plan:
            self._next_plan = now + REMINDER_INTERVAL
            await self._planner.plan()
        if now >= self._next_stale_check:
            self._next_stale_check = now + STALE_CHECK_INTERVAL
            await broadcast_table.requeue_stale(self._db, iso(moment - STALE_CLAIM))
        self._active = {row.id: row for row in await broadcast_table.active(self._db)}
        for broadcast in list(self._active.values()):
            if (
                broadcast.status == "sending"
                and broadcast.queued
                and await broadcast_table.finish_if_complete(self._db, broadcast.id, iso(moment))
            ):
                del self._active[broadcast.id]
                logger.info("Broadcast %d finished", broadcast.id)
        if self._reporter is not None:
            await self._report(now)

    async def _report(self, now: float) -> None:
        assert self._reporter is not None
        for broadcast in self._active.values():
            if broadcast.created_by is None or broadcast.progress_message_id is None:
                continue
            if now - self._last_progress.get(broadcast.id, -math.inf) < PROGRESS_INTERVAL:
                continue
            self._last_progress[broadcast.id] = now
            try:
                await self._reporter.progress(await self._broadcasts.progress(broadcast))
            except Exception:
                logger.exception("Broadcast %d: progress report failed", broadcast.id)
        for broadcast in await broadcast_table.unreported(self._db):
            if broadcast.created_by is not None:
                try:
                    await self._reporter.finished(await self._broadcasts.progress(broadcast))
                except Exception:
                    logger.exception("Broadcast %d: final report failed", broadcast.id)
                    continue
            await broadcast_table.mark_reported(self._db, broadcast.id, iso(self._at(now)))
            self._last_progress.pop(broadcast.id, None)

    async def _next_event_in(self, now: float) -> float | None:
        """Seconds until a postponed row or a scheduled broadcast falls due (None: neither)."""
        moments = [
            parse_iso(text).timestamp()
            for text in (
                await broadcast_table.next_retry(self._db),
                await broadcast_table.next_scheduled(self._db),
            )
            if text
        ]
        return max(0.0, min(moments) - now) if moments else None

    async def _idle(self) -> None:
        """Sleep until something may be due, or until woken by a new broadcast."""
        wait = await self._next_event_in(self._now())
        timeout = IDLE_INTERVAL if wait is None else max(0.05, min(wait, IDLE_INTERVAL))
        sleeper = asyncio.ensure_future(self._sleep(timeout))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _drain(self) -> None:
        """At shutdown: calls in flight finish and are recorded; claimed rows not yet sent
        are released. A call still hanging after the timeout stays ``sending`` (it may or may
        not have arrived) and is resent at the next start."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=STOP_TIMEOUT)
        while self._queue:
            row = self._queue.popleft()
            self._outcomes.append(OutcomeRow(row.id, "pending", row.attempts))
        try:
            await self._flush()
        except Exception:
            logger.exception("Broadcast sender: could not record the last outcomes")
