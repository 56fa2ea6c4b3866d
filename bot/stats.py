"""Numbers for the ministry's reporting: how many questions, on what, and how fast staff answer.

Days are calendar days in Western Indonesia Time (WIB, UTC+7), where the ministry works: a
question sent at 06:00 in Jakarta belongs to that day, not to the previous UTC day.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from bot.clock import Clock, iso, parse_iso
from db import Database
from db import inquiries as inquiry_table

REPORT_TIMEZONE = dt.timezone(dt.timedelta(hours=7), "WIB")
"""Reporting days (statistics, export date filters) are Jakarta days."""

SHORT_PERIOD_DAYS = 7
LONG_PERIOD_DAYS = 30


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(REPORT_TIMEZONE).date()


def day_start_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in the reporting time zone."""
    return dt.datetime.combine(day, dt.time(), REPORT_TIMEZONE).astimezone(dt.UTC)


def _sqlite_offset() -> str:
    offset = REPORT_TIMEZONE.utcoffset(None)
    return f"{int(offset.total_seconds() // 3600):+d} hours"


@dataclass(frozen=True, slots=True)
class Stats:
    today: dt.date
    days: list[tuple[dt.date, int]]
    """Questions per day for the last :data:`LONG_PERIOD_DAYS` days, oldest first."""
    by_topic: dict[str | None, int]
    by_language: dict[str | None, int]
    by_status: dict[str, int]
    median_staff_answer: dt.timedelta | None
    staff_answers: int
    open_backlog: int
    oldest_open: dt.datetime | None

    def total(self, days: int) -> int:
        return sum(count for _, count in self.days[-days:])

    @property
    def auto_share(self) -> float | None:
        """Share of the period's questions the bot answered itself (and still stands)."""
        total = sum(self.by_status.values())
        return self.by_status.get("auto_answered", 0) / total if total else None


class StatsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def compute(self) -> Stats:
        """The last :data:`LONG_PERIOD_DAYS` days (today included) and the current backlog."""
        now = self._clock.now()
        today = local_day(now)
        first = today - dt.timedelta(days=LONG_PERIOD_DAYS - 1)
        since = iso(day_start_utc(first))
        daily = await inquiry_table.daily_counts(self._db, since, _sqlite_offset())
        days = [
            (day, daily.get(day.isoformat(), 0))
            for day in (first + dt.timedelta(days=n) for n in range(LONG_PERIOD_DAYS))
        ]
        delays = [
            parse_iso(answered) - parse_iso(created)
            for created, answered in await inquiry_table.staff_answer_times(self._db, since)
        ]
        oldest = await inquiry_table.oldest_open(self._db)
        open_now = await inquiry_table.desk_count(self._db, inquiry_table.DeskFilter("open"))
        return Stats(
            today=today,
            days=days,
            by_topic=await inquiry_table.counts_by(self._db, "topic", since),
            by_language=await inquiry_table.counts_by(self._db, "language", since),
            by_status=await inquiry_table.counts_by(self._db, "status", since),
            median_staff_answer=statistics.median(delays) if delays else None,
            staff_answers=len(delays),
            open_backlog=open_now,
            oldest_open=parse_iso(oldest) if oldest else None,
        )
