"""Training reminders, the day before and an hour before, planned from the database.

Nothing is scheduled in memory: every minute the sender asks :meth:`ReminderPlanner.plan`,
which looks at the trainings starting within a day and creates the reminder that is due as a
broadcast to the registrants. Each reminder has a unique key (training, kind, start time), so
planning again after a restart creates nothing twice, a bot that was down when a reminder fell
due sends it when it is back (if the training has not started), and a training moved to a new
date gets new reminders.
"""

from __future__ import annotations

import datetime as dt
import html

from bot.broadcasts import BroadcastService
from bot.clock import Clock, iso
from bot.i18n import LOCALES, N_, Catalogs
from bot.text import escape
from bot.trainings import Training, format_when, from_row
from db import Database
from db import trainings as training_table

DAY_BEFORE = dt.timedelta(hours=24)
HOUR_BEFORE = dt.timedelta(hours=1)

DAY_TEXT = N_("⏰ Reminder: you are registered for <b>{title}</b>.")
HOUR_TEXT = N_("⏰ <b>{title}</b> starts in less than an hour.")
WHEN = N_("📅 {when}")
PLACE = N_("📍 {place}")
ONLINE = N_("💻 Online: {link}")
CANNOT_COME = N_(
    "Cannot come? Please cancel your registration in /trainings so someone else can have "
    "your seat."
)


class ReminderPlanner:
    def __init__(
        self, db: Database, clock: Clock, catalogs: Catalogs, broadcasts: BroadcastService
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalogs = catalogs
        self._broadcasts = broadcasts

    async def plan(self) -> int:
        """Create the reminders due now; returns how many were new."""
        now = self._clock.now()
        rows = await training_table.starting_between(self._db, iso(now), iso(now + DAY_BEFORE))
        created = 0
        for training in map(from_row, rows):
            kind = "hour" if training.starts_at - now <= HOUR_BEFORE else "day"
            key = f"{training.id}:{kind}:{iso(training.starts_at)}"
            texts = {locale: self.render(training, kind, locale) for locale in LOCALES}
            if await self._broadcasts.create_reminder(training.id, key, texts):
                created += 1
        return created

    def render(self, training: Training, kind: str, locale: str) -> str:
        def _(message: str) -> str:
            return self._catalogs.gettext(locale, message)

        title = escape(training.text(locale).title)
        lines = [(_(DAY_TEXT) if kind == "day" else _(HOUR_TEXT)).format(title=title)]
        lines.append(_(WHEN).format(when=escape(format_when(training, locale))))
        if training.place:
            lines.append(_(PLACE).format(place=escape(training.place)))
        if training.online_url:
            link = (
                f'<a href="{html.escape(training.online_url, quote=True)}">'
                f"{escape(training.online_url)}</a>"
            )
            lines.append(_(ONLINE).format(link=link))
        if kind == "day":
            lines.append("")
            lines.append(_(CANNOT_COME))
        return "\n".join(lines)
