"""Who may use the staff desk: administrators from ``STAFF_IDS`` and staff they add in the bot.

The role is looked up afresh for every update (see ``handlers.context.resolve_user``): a staff
member removed a moment ago must not keep their access through a cached flag or an old button.
Administrators are configuration, not data: they cannot be removed from inside the bot, so a
mistaken ``/staff remove`` can never lock the ministry out of its own desk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.clock import Clock, iso
from bot.i18n import N_
from db import Database
from db import staff as staff_table
from db import users as user_table

STAFF_COMMANDS = (
    ("inbox", N_("Open questions from users")),
    ("reply", N_("Answer a question: /reply <id> <text>")),
    ("drafts", N_("Knowledge-base drafts")),
    ("stats", N_("Question statistics")),
    ("export", N_("Export questions as a file")),
    ("broadcast", N_("Send an announcement to subscribers")),
    ("broadcasts", N_("Recent announcements and their delivery")),
    ("newtraining", N_("Add a training to the catalogue")),
    ("web", N_("Sign in to the web desk (a one-time link)")),
)
"""The staff desk's commands, shown in the command menu of staff chats only."""

ADMIN_COMMANDS = (("staff", N_("Manage staff: add, remove, list")),)

AUDIT_SHOWN = 10
"""Role changes listed under ``/staff list``: enough to see recent changes on a phone."""


class Role(enum.Enum):
    USER = "user"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.USER


class Change(enum.Enum):
    DONE = "done"
    UNCHANGED = "unchanged"
    UNKNOWN_USER = "unknown_user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    username: str | None
    role: Role
    added_by: int | None
    added_at: str | None


class StaffDirectory:
    def __init__(self, db: Database, clock: Clock, admin_ids: frozenset[int]) -> None:
        self._db = db
        self._clock = clock
        self._admin_ids = admin_ids

    async def role_of(self, user_id: int) -> Role:
        if user_id in self._admin_ids:
            return Role.ADMIN
        if await staff_table.is_staff(self._db, user_id):
            return Role.STAFF
        return Role.USER

    async def add(self, actor_id: int, user_id: int) -> Change:
        if user_id in self._admin_ids:
            return Change.ADMIN
        if await user_table.get(self._db, user_id) is None:
            return Change.UNKNOWN_USER
        added = await staff_table.add(self._db, user_id, actor_id, iso(self._clock.now()))
        return Change.DONE if added else Change.UNCHANGED

    async def remove(self, actor_id: int, user_id: int) -> Change:
        if user_id in self._admin_ids:
            return Change.ADMIN
        removed = await staff_table.remove(self._db, user_id, actor_id, iso(self._clock.now()))
        return Change.DONE if removed else Change.UNCHANGED

    async def members(self) -> list[Member]:
        """Administrators first (by id), then staff in the order they were added."""
        admins = []
        for admin_id in sorted(self._admin_ids):
            record = await user_table.get(self._db, admin_id)
            admins.append(
                Member(
                    admin_id,
                    record.first_name if record else "",
                    record.username if record else None,
                    Role.ADMIN,
                    None,
                    None,
                )
            )
        staff = [
            Member(
                row.user_id, row.first_name, row.username, Role.STAFF, row.added_by, row.added_at
            )
            for row in await staff_table.members(self._db)
        ]
        return admins + staff

    async def staff_ids(self) -> set[int]:
        """Every id with desk access (administrators and staff), for command menus."""
        return set(self._admin_ids) | {row.user_id for row in await staff_table.members(self._db)}

    async def recent_changes(self) -> list[staff_table.AuditRow]:
        return await staff_table.audit(self._db, AUDIT_SHOWN)
