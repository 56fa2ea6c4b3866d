"""Guided conversations in progress (registration, /newtraining, /broadcast), in the database.

Each user has at most one form open. Its step and answers are written on every step, so a
restart in the middle of a registration loses nothing the user typed. A copy is kept in memory
as well: deciding whether a message belongs to a form happens for every message, and on SQLite
(one process, so the copy is authoritative) it must not cost a database query.

On PostgreSQL several workers share the table, and a form started on one may be continued on
another (or finished, or erased by /forgetme there). The table is authoritative then: before a
private message is routed, :meth:`FormStore.refresh` reads the user's row into the copy (one
primary-key lookup), and :meth:`FormStore.get` always reads the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, iso, parse_iso
from db import Database
from db import forms as form_table

FORM_TTL = dt.timedelta(hours=6)
"""A form left alone this long is forgotten: the user's next message is a question again."""


@dataclass(slots=True)
class Form:
    user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: dt.datetime | None = None


class FormStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._forms: dict[int, Form] = {}
        self.shared = db.dialect == "postgresql"
        """Other workers may change the table: read it rather than trust the copy."""

    @classmethod
    async def load(cls, db: Database, clock: Clock) -> FormStore:
        store = cls(db, clock)
        await form_table.delete_older_than(db, iso(clock.now() - FORM_TTL))
        for row in await form_table.all_drafts(db):
            store._forms[row.user_id] = Form(
                row.user_id, row.flow, row.step, row.data, parse_iso(row.updated_at)
            )
        return store

    def active(self, user_id: int) -> Form | None:
        """The user's open form, from memory (synchronous: used to route every message)."""
        form = self._forms.get(user_id)
        if form is None:
            return None
        if form.updated_at is not None and self._clock.now() - form.updated_at > FORM_TTL:
            del self._forms[user_id]  # the row goes at the next start (or the next save)
            return None
        return form

    async def refresh(self, user_id: int) -> None:
        """Shared table only: bring the copy of ``user_id``'s form up to date with the row,
        so the synchronous :meth:`active` that routes the next message sees what another
        worker did. A no-op on SQLite, where the copy is authoritative."""
        if not self.shared:
            return
        row = await form_table.get(self._db, user_id)
        if row is None:
            self._forms.pop(user_id, None)
            return
        self._forms[user_id] = Form(
            row.user_id, row.flow, row.step, row.data, parse_iso(row.updated_at)
        )

    async def get(self, user_id: int) -> Form | None:
        """The form as stored: the memory copy may outlive a row deleted by /forgetme."""
        await self.refresh(user_id)
        form = self.active(user_id)
        if form is None or self.shared:  # shared: refresh has just read the row
            return form
        if await form_table.get(self._db, user_id) is None:
            self._forms.pop(user_id, None)
            return None
        return form

    async def start(self, user_id: int, flow: str, step: str, data: dict[str, Any]) -> Form:
        form = Form(user_id, flow, step, dict(data))
        await self.save(form)
        return form

    async def save(self, form: Form) -> None:
        form.updated_at = self._clock.now()
        await form_table.save(
            self._db, form.user_id, form.flow, form.step, form.data, iso(form.updated_at)
        )
        self._forms[form.user_id] = form

    async def finish(self, user_id: int) -> None:
        self._forms.pop(user_id, None)
        await form_table.delete(self._db, user_id)
