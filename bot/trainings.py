"""The training catalogue: what a training is, how its fields are checked, how it is shown.

Times are stored in UTC and shown in the training's own Indonesian time zone (WIB, WITA or
WIT); staff type local times, because that is what the invitation letter says. Indonesia has
no daylight saving time, so each zone is a fixed offset and needs no time-zone database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from babel.dates import format_datetime

from bot.clock import Clock, iso, parse_iso
from bot.i18n import LOCALES, N_
from db import Database
from db import trainings as training_table
from db.trainings import TrainingRow

PROGRAMMES = ("SCORE", "SIYB", "BHR", "SSE", "other")
"""ILO SCORE, ILO Start and Improve Your Business, business & human rights, social and
solidarity economy, and anything else."""

TIMEZONES: dict[str, dt.timezone] = {
    "WIB": dt.timezone(dt.timedelta(hours=7), "WIB"),
    "WITA": dt.timezone(dt.timedelta(hours=8), "WITA"),
    "WIT": dt.timezone(dt.timedelta(hours=9), "WIT"),
}
DEFAULT_TIMEZONE = "WIB"
STATUSES = ("draft", "published", "cancelled")

MAX_TITLE = 120
"""Characters: a title is also a button label, and Telegram cuts long labels."""
MIN_TITLE = 3
MAX_DESCRIPTION = 1500
"""Characters: the training screen must stay well inside one 4096-character message."""
MAX_PLACE = 200
MAX_ORGANISER = 120
MAX_URL = 300
MAX_CAPACITY = 100_000
UPCOMING_LIMIT = 40
"""Trainings listed to users: more than a ministry runs in a season."""
STAFF_LIST_LIMIT = 60
STAFF_LIST_PAST = dt.timedelta(days=30)
"""Staff also see trainings that ended this long ago (to look up their registrants)."""

DATE_FORMAT = "EEEE, d MMMM y"
TIME_FORMAT = "HH:mm"
SHORT_DATE_FORMAT = "d MMM"


class FieldError(ValueError):
    """A value staff (or an import file) gave is not acceptable. ``message`` is an English
    msgid (marked with ``N_``) that handlers translate; ``str()`` is for log lines and the CLI."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True, slots=True)
class TrainingText:
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Training:
    id: int
    code: str | None
    programme: str
    texts: Mapping[str, TrainingText]
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    place: str | None
    online_url: str | None
    organiser: str
    capacity: int | None
    deadline: dt.datetime | None
    status: str
    registered: int

    def text(self, locale: str) -> TrainingText:
        """The text in ``locale``, or in the other language when only one was written."""
        if locale in self.texts:
            return self.texts[locale]
        return next(iter(self.texts.values()))

    @property
    def zone(self) -> dt.timezone:
        return TIMEZONES[self.timezone]

    @property
    def closes_at(self) -> dt.datetime:
        """Registration closes at the deadline, and at the latest when the training starts."""
        return min(self.deadline, self.starts_at) if self.deadline else self.starts_at

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.registered)

    def is_open(self, now: dt.datetime) -> bool:
        return (
            self.status == "published"
            and now < self.closes_at
            and (self.seats_left is None or self.seats_left > 0)
        )


def from_row(row: TrainingRow) -> Training:
    return Training(
        id=row.id,
        code=row.code,
        programme=row.programme,
        texts={
            locale: TrainingText(text.get("title", ""), text.get("description", ""))
            for locale, text in row.texts.items()
        },
        starts_at=parse_iso(row.starts_at),
        ends_at=parse_iso(row.ends_at),
        timezone=row.timezone,
        place=row.place,
        online_url=row.online_url,
        organiser=row.organiser,
        capacity=row.capacity,
        deadline=parse_iso(row.registration_deadline) if row.registration_deadline else None,
        status=row.status,
        registered=row.registered,
    )


# -- showing times -------------------------------------------------------------------------


def format_moment(moment: dt.datetime, zone: str, locale: str) -> str:
    """``Kamis, 3 Desember 2026, 09:00 WITA``."""
    local = moment.astimezone(TIMEZONES[zone])
    date = format_datetime(local, DATE_FORMAT, locale=locale)
    return f"{date}, {local.strftime('%H:%M')} {zone}"


def format_when(training: Training, locale: str) -> str:
    """Start and end in the training's zone; the date once when it is a one-day event."""
    start = training.starts_at.astimezone(training.zone)
    end = training.ends_at.astimezone(training.zone)
    if start.date() == end.date():
        date = format_datetime(start, DATE_FORMAT, locale=locale)
        return f"{date}, {start.strftime('%H:%M')}–{end.strftime('%H:%M')} {training.timezone}"
    first = format_datetime(start, DATE_FORMAT, locale=locale)
    last = format_datetime(end, DATE_FORMAT, locale=locale)
    return (
        f"{first}, {start.strftime('%H:%M')} – {last}, {end.strftime('%H:%M')} {training.timezone}"
    )


def format_short_date(training: Training, locale: str) -> str:
    """``3 Des``: for button labels."""
    return format_datetime(
        training.starts_at.astimezone(training.zone), SHORT_DATE_FORMAT, locale=locale
    )


# -- reading fields ------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"^\s*(?:(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})[-/.](?P<m2>\d{1,2})[-/.](?P<y2>\d{4}))"
    r"(?:[ T,]+(?P<h>\d{1,2})[:.](?P<min>\d{2})(?:[:.]\d{2})?)?"
    r"\s*(?P<zone>WIB|WITA|WIT)?\s*$",
    re.IGNORECASE,
)
_TIME_ONLY = re.compile(
    r"^\s*(?P<h>\d{1,2})[:.](?P<min>\d{2})\s*(?P<zone>WIB|WITA|WIT)?\s*$", re.I
)


def parse_local_datetime(
    text: str, zone: str, *, date_only_means_end_of_day: bool = False
) -> dt.datetime:
    """A local date and time as staff type it (``2026-12-03 09:00``, ``3/12/2026 09.00``,
    optionally followed by ``WITA``) in UTC. A bare date is accepted only where it has an
    obvious time (a deadline: the end of that day)."""
    match = _DATE_TIME.match(text)
    if match is None:
        raise FieldError(N_("Please write a date and time like 2026-12-03 09:00."))
    parts = match.groupdict()
    year = int(parts["y1"] or parts["y2"])
    month = int(parts["m1"] or parts["m2"])
    day = int(parts["d1"] or parts["d2"])
    if parts["h"] is None:
        if not date_only_means_end_of_day:
            raise FieldError(N_("Please add the time, like 2026-12-03 09:00."))
        hour, minute = 23, 59
    else:
        hour, minute = int(parts["h"]), int(parts["min"])
    zone = (parts["zone"] or zone).upper()
    try:
        local = dt.datetime(year, month, day, hour, minute, tzinfo=TIMEZONES[zone])
    except ValueError:
        raise FieldError(N_("That date does not exist. Please check it.")) from None
    return local.astimezone(dt.UTC)


def parse_end(text: str, start: dt.datetime, zone: str) -> dt.datetime:
    """The end: a full date and time, or just a time on the start's day."""
    match = _TIME_ONLY.match(text)
    if match:
        local_start = start.astimezone(TIMEZONES[zone])
        try:
            end = local_start.replace(hour=int(match["h"]), minute=int(match["min"]))
        except ValueError:
            raise FieldError(N_("Please write a date and time like 2026-12-03 09:00.")) from None
        end = end.astimezone(dt.UTC)
    else:
        end = parse_local_datetime(text, zone)
    if end < start:
        raise FieldError(N_("The end must be after the start."))
    return end


def clean_text(text: str, limit: int, minimum: int = 1) -> str:
    value = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(value) < minimum:
        raise FieldError(N_("That is too short."))
    if len(value) > limit:
        raise FieldError(N_("Please keep it under {limit} characters."), limit=limit)
    return value


def parse_programme(text: str) -> str:
    for programme in PROGRAMMES:
        if text.strip().casefold() == programme.casefold():
            return programme
    raise FieldError(N_("Programme must be one of SCORE, SIYB, BHR, SSE or other."))


def parse_timezone(text: str) -> str:
    zone = text.strip().upper()
    if zone not in TIMEZONES:
        raise FieldError(N_("Time zone must be WIB, WITA or WIT."))
    return zone


def parse_url(text: str) -> str:
    url = text.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > MAX_URL:
        raise FieldError(N_("That does not look like a web link (https://...)."))
    return url


def parse_place(text: str) -> tuple[str | None, str | None]:
    """``(place, online_url)``: a link means an online training, anything else an address.
    ``Address | https://link`` gives both (a hybrid event)."""
    parts = [part.strip() for part in text.split("|")]
    place = online = None
    for part in parts:
        if part.lower().startswith(("http://", "https://")):
            online = parse_url(part)
        elif part:
            place = clean_text(part, MAX_PLACE, minimum=3)
    if place is None and online is None:
        raise FieldError(N_("Please give an address or an online link."))
    return place, online


def parse_capacity(text: str | int | None) -> int | None:
    """Seats; empty, ``0`` or ``-`` mean no limit."""
    if text is None or str(text).strip() in ("", "-", "0"):
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise FieldError(N_("Capacity must be a whole number of seats.")) from None
    if not 0 < value <= MAX_CAPACITY:
        raise FieldError(N_("Capacity must be a whole number of seats."))
    return value


def check_schedule(
    starts_at: dt.datetime, ends_at: dt.datetime, deadline: dt.datetime | None
) -> None:
    if ends_at < starts_at:
        raise FieldError(N_("The end must be after the start."))
    if deadline is not None and deadline > starts_at:
        raise FieldError(N_("The registration deadline must be before the start."))


# -- the service ---------------------------------------------------------------------------


class TrainingService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, training_id: int) -> Training | None:
        row = await training_table.get(self._db, training_id)
        return from_row(row) if row else None

    async def upcoming(self) -> list[Training]:
        rows = await training_table.upcoming(self._db, iso(self._clock.now()), UPCOMING_LIMIT)
        return [from_row(row) for row in rows]

    async def for_staff(self) -> list[Training]:
        since = iso(self._clock.now() - STAFF_LIST_PAST)
        rows = await training_table.for_staff(self._db, since, STAFF_LIST_LIMIT)
        return [from_row(row) for row in rows]

    async def create(self, fields: Mapping[str, Any], created_by: int | None) -> Training:
        """A training from fields already checked by the parsers above."""
        check_schedule(fields["starts_at"], fields["ends_at"], fields.get("deadline"))
        training_id = await training_table.insert(
            self._db, to_columns(fields), created_by, iso(self._clock.now())
        )
        training = await self.get(training_id)
        assert training is not None
        return training

    async def update(self, training: Training, changes: Mapping[str, Any]) -> Training:
        """Apply checked ``changes`` (field names as in :func:`_columns`)."""
        merged = {
            "starts_at": training.starts_at,
            "ends_at": training.ends_at,
            "deadline": training.deadline,
            **changes,
        }
        check_schedule(merged["starts_at"], merged["ends_at"], merged["deadline"])
        await training_table.update(
            self._db, training.id, to_columns(changes), iso(self._clock.now())
        )
        updated = await self.get(training.id)
        assert updated is not None
        return updated

    async def set_status(self, training: Training, status: str) -> Training:
        if status not in STATUSES:
            raise FieldError(N_("Unknown status."))
        return await self.update(training, {"status": status})


def to_columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Domain fields (datetimes, texts) as the table's columns (ISO strings, JSON)."""
    columns: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("starts_at", "ends_at"):
            columns[key] = iso(value)
        elif key == "deadline":
            columns["registration_deadline"] = iso(value) if value else None
        elif key == "texts":
            columns["texts"] = {
                locale: {"title": text.title, "description": text.description}
                for locale, text in value.items()
                if locale in LOCALES
            }
        else:
            columns[key] = value
    return columns
