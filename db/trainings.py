"""The trainings and registrations tables: the catalogue and who signed up for what."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from db import named
from db.connection import Database

EDITABLE = frozenset(
    {
        "programme",
        "texts",
        "starts_at",
        "ends_at",
        "timezone",
        "place",
        "online_url",
        "organiser",
        "capacity",
        "registration_deadline",
        "status",
    }
)
"""Columns :func:`update` may change (the names are put into SQL, so they are checked)."""


@dataclass(frozen=True, slots=True)
class TrainingRow:
    id: int
    code: str | None
    programme: str
    texts: dict[str, dict[str, str]]
    starts_at: str
    ends_at: str
    timezone: str
    place: str | None
    online_url: str | None
    organiser: str
    capacity: int | None
    registration_deadline: str | None
    status: str
    created_by: int | None
    created_at: str
    updated_at: str
    registered: int


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    id: int
    training_id: int
    user_id: int
    full_name: str
    business_name: str
    sector: str
    province: str
    phone: str | None
    consent_at: str
    created_at: str


_SELECT = """
    SELECT t.id, t.code, t.programme, t.texts, t.starts_at, t.ends_at, t.timezone, t.place,
           t.online_url, t.organiser, t.capacity, t.registration_deadline, t.status,
           t.created_by, t.created_at, t.updated_at,
           (SELECT COUNT(*) FROM registrations r WHERE r.training_id = t.id) AS registered
    FROM trainings t
"""

_REGISTRATION_COLUMNS = (
    "id, training_id, user_id, full_name, business_name, sector, province, phone, consent_at, "
    "created_at"
)


def _training(row: Any) -> TrainingRow:
    values = dict(row)
    values["texts"] = json.loads(values["texts"])
    return TrainingRow(**values)


def _registration(row: Any) -> RegistrationRow:
    return RegistrationRow(**dict(row))


def _texts_json(texts: Mapping[str, Mapping[str, str]]) -> str:
    return json.dumps({k: dict(v) for k, v in texts.items()}, ensure_ascii=False, sort_keys=True)


async def insert(db: Database, fields: Mapping[str, Any], created_by: int | None, now: str) -> int:
    """A new training from validated ``fields`` (the :data:`EDITABLE` columns plus ``code``)."""
    row = await named.fetch_one(
        db,
        """
        INSERT INTO trainings (code, programme, texts, starts_at, ends_at, timezone, place,
                               online_url, organiser, capacity, registration_deadline, status,
                               created_by, created_at, updated_at)
        VALUES (:code, :programme, :texts, :starts_at, :ends_at, :timezone, :place,
                :online_url, :organiser, :capacity, :registration_deadline, :status,
                :created_by, :now, :now)
        RETURNING id
        """,
        _parameters(fields, created_by=created_by, now=now),
    )
    assert row is not None
    return int(row[0])


def _parameters(fields: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    values = {key: fields.get(key) for key in EDITABLE | {"code"}}
    values["texts"] = _texts_json(fields["texts"])
    values.update(extra)
    return values


async def import_many(
    db: Database, rows: Iterable[Mapping[str, Any]], now: str
) -> tuple[int, int]:
    """Insert or update (by ``code``) every row in one transaction: all of a file or none.

    Returns ``(created, updated)``. Used by ``smebot trainings import``, which runs in its own
    process with its own connection, so the transaction cannot swallow another task's writes.
    """
    created = updated = 0
    async with db.transaction() as connection:
        for fields in rows:
            existing = await connection.fetch_one(
                "SELECT id FROM trainings WHERE code = ?", (fields["code"],)
            )
            await connection.execute(
                """
                INSERT INTO trainings (code, programme, texts, starts_at, ends_at, timezone,
                                       place, online_url, organiser, capacity,
                                       registration_deadline, status, created_at, updated_at)
                VALUES (:code, :programme, :texts, :starts_at, :ends_at, :timezone, :place,
                        :online_url, :organiser, :capacity, :registration_deadline, :status,
                        :now, :now)
                ON CONFLICT (code) DO UPDATE SET
                    programme = excluded.programme, texts = excluded.texts,
                    starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                    timezone = excluded.timezone, place = excluded.place,
                    online_url = excluded.online_url, organiser = excluded.organiser,
                    capacity = excluded.capacity,
                    registration_deadline = excluded.registration_deadline,
                    status = excluded.status, updated_at = excluded.updated_at
                """,
                _parameters(fields, now=now),
            )
            if existing is None:
                created += 1
            else:
                updated += 1
    return created, updated


async def update(db: Database, training_id: int, changes: Mapping[str, Any], now: str) -> bool:
    """Change some columns of one training in a single statement."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = dict(changes)
    if "texts" in values:
        values["texts"] = _texts_json(values["texts"])
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    changed = await named.write(
        db,
        f"UPDATE trainings SET {assignments}, updated_at = :now WHERE id = :id",
        {**values, "now": now, "id": training_id},
    )
    return changed == 1


async def get(db: Database, training_id: int) -> TrainingRow | None:
    row = await db.fetch_one(_SELECT + " WHERE t.id = ?", (training_id,))
    return _training(row) if row else None


async def upcoming(db: Database, now: str, limit: int) -> list[TrainingRow]:
    """Published trainings that have not ended, soonest first."""
    rows = await db.fetch_all(
        _SELECT + " WHERE t.status = 'published' AND t.ends_at > ? ORDER BY t.starts_at, t.id "
        "LIMIT ?",
        (now, limit),
    )
    return [_training(row) for row in rows]


async def for_staff(db: Database, since: str, limit: int) -> list[TrainingRow]:
    """Every training (drafts and cancelled ones too) ending after ``since``, soonest first."""
    rows = await db.fetch_all(
        _SELECT + " WHERE t.ends_at > ? ORDER BY t.starts_at, t.id LIMIT ?", (since, limit)
    )
    return [_training(row) for row in rows]


async def starting_between(db: Database, start: str, end: str) -> list[TrainingRow]:
    """Published trainings with registrants that start in ``(start, end]`` (for reminders)."""
    rows = await db.fetch_all(
        _SELECT
        + """
        WHERE t.status = 'published' AND t.starts_at > ? AND t.starts_at <= ?
          AND EXISTS (SELECT 1 FROM registrations r WHERE r.training_id = t.id)
        ORDER BY t.starts_at
        """,
        (start, end),
    )
    return [_training(row) for row in rows]


_REGISTER = """
        INSERT INTO registrations (training_id, user_id, full_name, business_name, sector,
                                   province, phone, consent_at, created_at)
        SELECT t.id, :user_id, :full_name, :business_name, :sector, :province, :phone,
               :now, :now
        FROM trainings t
        WHERE t.id = :training_id
          AND t.status = 'published'
          AND t.starts_at > :now
          AND (t.registration_deadline IS NULL OR t.registration_deadline > :now)
          AND (t.capacity IS NULL
               OR (SELECT COUNT(*) FROM registrations r WHERE r.training_id = t.id) < t.capacity)
        ON CONFLICT (training_id, user_id) DO NOTHING
        """
"""Insert a registration only while there is a seat and time: one statement."""


async def register(
    db: Database, training_id: int, user_id: int, form: Mapping[str, Any], now: str
) -> bool:
    """Register in one statement, so capacity and deadline hold under concurrent sign-ups.

    The row is only inserted while the training is published, not started, before its
    deadline and below its capacity. SQLite runs one statement at a time, and on PostgreSQL
    the training's row is locked first, so two users can never both take the last seat.
    Returns False when nothing was inserted (the caller asks
    :func:`registration` and :func:`get` why).
    """
    parameters = {
        "training_id": training_id,
        "user_id": user_id,
        "full_name": form["full_name"],
        "business_name": form["business_name"],
        "sector": form["sector"],
        "province": form["province"],
        "phone": form.get("phone"),
        "now": now,
    }
    if db.dialect == "postgresql":
        # Under READ COMMITTED a statement counts only registrations committed before it
        # began, so two sign-ups for the last seat could both see one free. Locking the
        # training row first queues them; each INSERT then counts with a fresh snapshot.
        async with db.transaction() as transaction:
            await transaction.execute(
                "SELECT 1 FROM trainings WHERE id = ? FOR UPDATE", (training_id,)
            )
            changed = await transaction.execute_rowcount(_REGISTER, parameters)
    else:
        changed = await named.write(db, _REGISTER, parameters)
    return changed == 1


async def registration(db: Database, training_id: int, user_id: int) -> RegistrationRow | None:
    row = await db.fetch_one(
        f"SELECT {_REGISTRATION_COLUMNS} FROM registrations WHERE training_id = ? AND user_id = ?",
        (training_id, user_id),
    )
    return _registration(row) if row else None


async def cancel_registration(db: Database, training_id: int, user_id: int) -> bool:
    changed = await db.execute_rowcount(
        "DELETE FROM registrations WHERE training_id = ? AND user_id = ?", (training_id, user_id)
    )
    return changed == 1


async def registered_training_ids(db: Database, user_id: int) -> set[int]:
    rows = await db.fetch_all(
        "SELECT training_id FROM registrations WHERE user_id = ?", (user_id,)
    )
    return {row[0] for row in rows}


async def registrations_of(db: Database, training_id: int) -> list[RegistrationRow]:
    rows = await db.fetch_all(
        f"SELECT {_REGISTRATION_COLUMNS} FROM registrations WHERE training_id = ? "
        "ORDER BY created_at, id",
        (training_id,),
    )
    return [_registration(row) for row in rows]
