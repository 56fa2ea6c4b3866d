"""Announcements to many users: who gets one, in which language, and how far along it is.

A broadcast is stored, texts and audience included, in one row the moment staff confirm it.
Its recipients are then queued in chunks by the sender (:mod:`bot.sender`), one row each, so
confirming a broadcast to 100,000 people is instant and never holds the database for long.
Each recipient gets the text in their own language, or the staff member's text when only one
language was written.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import Clock, iso
from bot.i18n import LOCALES, N_, Catalogs, resolve_locale
from bot.subscriptions import TOPICS
from bot.text import MESSAGE_LIMIT, check_html, escape
from db import Database
from db import broadcasts as broadcast_table
from db.broadcasts import BroadcastRow

ANNOUNCEMENT_PRIORITY = 1
REMINDER_PRIORITY = 0
"""Reminders are claimed first: an "it starts in an hour" must not wait behind 10,000
announcements."""

EXPANSION_CHUNK = 2000
"""Recipients queued per statement: about 10 ms of database time, so a user's question
waits at most that long behind the queueing of a huge audience."""

RECENT_LIMIT = 10

FOOTER = N_("You receive this because you subscribed. To stop, send /unsubscribe.")


class AudienceKind(enum.StrEnum):
    ALL = "all"
    LANGUAGE = "language"
    TOPIC = "topic"
    TRAINING = "training"


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    value: str | None = None  # the language or the topic
    training_id: int | None = None

    def __post_init__(self) -> None:
        valid = (
            (self.kind is AudienceKind.ALL)
            or (self.kind is AudienceKind.LANGUAGE and self.value in LOCALES)
            or (self.kind is AudienceKind.TOPIC and self.value in TOPICS)
            or (self.kind is AudienceKind.TRAINING and self.training_id is not None)
        )
        if not valid:
            raise ValueError(f"invalid audience {self!r}")

    @classmethod
    def of(cls, row: BroadcastRow) -> Audience:
        return cls(AudienceKind(row.audience), row.audience_value, row.training_id)


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast: BroadcastRow
    sent: int
    blocked: int
    failed: int
    remaining: int
    eta: dt.timedelta | None

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.remaining


class BroadcastService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        default_locale: str,
        rate: float,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalogs = catalogs
        self._default_locale = default_locale
        self.rate = rate
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called when a broadcast is created or changes state: the sender wakes up."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def locale_of(self, language: str | None, language_code: str | None) -> str:
        return resolve_locale(language, language_code, self._default_locale)

    def compose(self, texts: dict[str, str], primary: str, *, footer: bool) -> dict[str, str]:
        """The message each language gets: its own text or the primary one, plus the
        unsubscribe footer where it still fits in one message."""
        composed = {}
        for locale in LOCALES:
            body = texts.get(locale) or texts[primary]
            if footer:
                note = f"\n\n<i>{escape(self._catalogs.gettext(locale, FOOTER))}</i>"
                if check_html(body + note)[1] <= MESSAGE_LIMIT:
                    body += note
            composed[locale] = body
        return composed

    async def estimate(self, audience: Audience) -> int:
        """How many people the audience is right now."""
        groups = await broadcast_table.audience_languages(
            self._db, audience.kind.value, audience.value, audience.training_id
        )
        if audience.kind is not AudienceKind.LANGUAGE:
            return sum(count for _, _, count in groups)
        return sum(
            count
            for language, code, count in groups
            if self.locale_of(language, code) == audience.value
        )

    async def create(
        self,
        author_id: int,
        texts: dict[str, str],
        primary: str,
        audience: Audience,
        send_at: dt.datetime | None = None,
    ) -> BroadcastRow:
        """Store a confirmed announcement; it is sent from ``send_at`` (default: now)."""
        now = self._clock.now()
        scheduled = send_at is not None and send_at > now
        broadcast_id = await broadcast_table.create(
            self._db,
            kind="announcement",
            priority=ANNOUNCEMENT_PRIORITY,
            texts=self.compose(texts, primary, footer=audience.kind is not AudienceKind.TRAINING),
            primary_language=primary,
            audience=audience.kind.value,
            audience_value=audience.value,
            training_id=audience.training_id,
            status="scheduled" if scheduled else "sending",
            send_at=iso(send_at if scheduled and send_at else now),
            created_by=author_id,
            now=iso(now),
        )
        self._changed()
        row = await broadcast_table.get(self._db, broadcast_id)
        assert row is not None
        return row

    async def create_reminder(self, training_id: int, key: str, texts: dict[str, str]) -> int:
        """A training reminder to its registrants; 0 if this reminder exists already."""
        now = iso(self._clock.now())
        broadcast_id = await broadcast_table.create(
            self._db,
            kind="reminder",
            priority=REMINDER_PRIORITY,
            texts=texts,
            primary_language=self._default_locale,
            audience=AudienceKind.TRAINING.value,
            audience_value=None,
            training_id=training_id,
            status="sending",
            send_at=now,
            created_by=None,
            now=now,
            reminder_key=key,
        )
        if broadcast_id:
            self._changed()
        return broadcast_id

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await broadcast_table.set_progress_message(self._db, broadcast_id, message_id)

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        return await broadcast_table.get(self._db, broadcast_id)

    async def recent(self, limit: int = RECENT_LIMIT) -> list[BroadcastRow]:
        return await broadcast_table.recent(self._db, limit)

    async def pause(self, broadcast_id: int) -> bool:
        return await self._move(broadcast_id, "paused", ("sending",))

    async def resume(self, broadcast_id: int) -> bool:
        return await self._move(broadcast_id, "sending", ("paused",))

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop for good; rows not yet sent stay unsent (the report counts them)."""
        return await self._move(broadcast_id, "cancelled", ("scheduled", "sending", "paused"))

    async def _move(self, broadcast_id: int, status: str, allowed: tuple[str, ...]) -> bool:
        moved = await broadcast_table.set_status(
            self._db, broadcast_id, status, allowed, iso(self._clock.now())
        )
        if moved:
            self._changed()
        return moved

    async def progress(self, broadcast: BroadcastRow) -> Progress:
        counts = await broadcast_table.counts(self._db, broadcast.id)
        remaining = counts.get("pending", 0) + counts.get("sending", 0)
        if not broadcast.queued and broadcast.status in ("scheduled", "sending", "paused"):
            remaining = max(remaining, await self._not_yet_queued(broadcast, counts))
        eta = (
            dt.timedelta(seconds=round(remaining / self.rate))
            if broadcast.status == "sending"
            else None
        )
        return Progress(
            broadcast=broadcast,
            sent=counts.get("sent", 0),
            blocked=counts.get("blocked", 0),
            failed=counts.get("failed", 0),
            remaining=remaining,
            eta=eta,
        )

    async def _not_yet_queued(self, broadcast: BroadcastRow, counts: dict[str, int]) -> int:
        return max(0, await self.estimate(Audience.of(broadcast)) - sum(counts.values()))

    async def queue_chunk(self, broadcast: BroadcastRow, cursor: int) -> tuple[int, bool]:
        """Queue the next chunk of recipients after user id ``cursor``.

        Returns the new cursor and whether the audience is exhausted. Safe to repeat after a
        crash: a user already queued is skipped, and the cursor only moves forward.
        """
        members = await broadcast_table.audience_chunk(
            self._db,
            broadcast.audience,
            broadcast.audience_value,
            broadcast.training_id,
            cursor,
            EXPANSION_CHUNK,
        )
        recipients = [
            (member.user_id, self.locale_of(member.language, member.language_code))
            for member in members
        ]
        if broadcast.audience == AudienceKind.LANGUAGE.value:
            recipients = [(uid, loc) for uid, loc in recipients if loc == broadcast.audience_value]
        if recipients:
            await broadcast_table.add_recipients(self._db, broadcast.id, recipients)
        finished = len(members) < EXPANSION_CHUNK
        new_cursor = members[-1].user_id if members else cursor
        await broadcast_table.advance_cursor(self._db, broadcast.id, new_cursor, finished)
        return new_cursor, finished
