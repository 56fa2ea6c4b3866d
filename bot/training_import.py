"""``smebot trainings import FILE``: many trainings at once from a CSV or YAML file.

Every row is checked with the same parsers as the guided ``/newtraining`` conversation, and
the file is imported all or nothing: a file with one bad row changes nothing, and the report
names each problem with its row. Rows are matched by ``code``, so importing a corrected file
again updates the trainings instead of duplicating them.

Columns (CSV header, or YAML keys; YAML may also nest ``title: {id: ..., en: ...}``)::

    code, programme, title_id, title_en, description_id, description_en, start, end,
    timezone, place, online_url, organiser, capacity, registration_deadline, status
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import trainings
from bot.clock import Clock, iso
from bot.i18n import LOCALES
from bot.trainings import FieldError, TrainingText
from db import Database
from db import trainings as training_table

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""Lower-case letters, digits and dashes: a code is used in file names and logs."""

MAX_ROWS = 1000


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as flat dictionaries (nested YAML texts flattened to ``title_id``)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    if suffix in (".yaml", ".yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(document, Mapping):
            document = document.get("trainings")
        if not isinstance(document, list):
            raise ValueError(
                "a YAML file must be a list of trainings (or have a 'trainings' list)"
            )
        return [_flatten(item) for item in document]
    raise ValueError(f"{path.name}: use a .csv, .yaml or .yml file")


def _flatten(item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return {"_error": "not a mapping"}
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("title", "description") and isinstance(value, Mapping):
            for locale, text in value.items():
                flat[f"{key}_{locale}"] = text
        else:
            flat[str(key)] = value
    return flat


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One row as training fields; raises :class:`FieldError` naming the column."""
    if "_error" in row:
        raise FieldError(row["_error"])

    def column(name: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(*args, **kwargs)
        except FieldError as problem:
            raise FieldError(f"{name}: {problem}") from None

    code = _text(row.get("code")).lower()
    if not CODE_PATTERN.match(code):
        raise FieldError("code: use 2-63 lower-case letters, digits and dashes")
    zone = column("timezone", trainings.parse_timezone, _text(row.get("timezone")) or "WIB")
    texts: dict[str, TrainingText] = {}
    for locale in LOCALES:
        title = _text(row.get(f"title_{locale}"))
        description = _text(row.get(f"description_{locale}"))
        if title:
            texts[locale] = TrainingText(
                column(f"title_{locale}", trainings.clean_text, title, trainings.MAX_TITLE, 3),
                column(
                    f"description_{locale}",
                    trainings.clean_text,
                    description,
                    trainings.MAX_DESCRIPTION,
                    0,
                ),
            )
    missing = [locale for locale in LOCALES if locale not in texts]
    if missing:
        raise FieldError(f"title_{missing[0]}: a title in every language is required")
    starts_at = column("start", trainings.parse_local_datetime, _text(row.get("start")), zone)
    ends_at = column("end", trainings.parse_end, _text(row.get("end")), starts_at, zone)
    deadline_text = _text(row.get("registration_deadline"))
    deadline = (
        column(
            "registration_deadline",
            trainings.parse_local_datetime,
            deadline_text,
            zone,
            date_only_means_end_of_day=True,
        )
        if deadline_text
        else None
    )
    column("registration_deadline", trainings.check_schedule, starts_at, ends_at, deadline)
    place = _text(row.get("place")) or None
    online_url = _text(row.get("online_url")) or None
    if place:
        place = column("place", trainings.clean_text, place, trainings.MAX_PLACE, 3)
    if online_url:
        online_url = column("online_url", trainings.parse_url, online_url)
    if not place and not online_url:
        raise FieldError("place: give a place, an online_url, or both")
    status = _text(row.get("status")) or "published"
    if status not in trainings.STATUSES:
        raise FieldError(f"status: one of {', '.join(trainings.STATUSES)}")
    return {
        "code": code,
        "programme": column("programme", trainings.parse_programme, _text(row.get("programme"))),
        "texts": texts,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": zone,
        "place": place,
        "online_url": online_url,
        "organiser": column(
            "organiser", trainings.clean_text, _text(row.get("organiser")), trainings.MAX_ORGANISER
        ),
        "capacity": column("capacity", trainings.parse_capacity, _text(row.get("capacity"))),
        "deadline": deadline,
        "status": status,
    }


async def import_file(db: Database, clock: Clock, path: Path) -> ImportReport:
    report = ImportReport()
    try:
        rows = read_rows(path)
    except (OSError, ValueError, yaml.YAMLError, csv.Error) as problem:
        report.problems.append(f"{path}: {problem}")
        return report
    report.rows = len(rows)
    if len(rows) > MAX_ROWS:
        report.problems.append(f"{path}: more than {MAX_ROWS} rows")
        return report
    parsed: list[dict[str, Any]] = []
    codes: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            fields = parse_row(row)
        except FieldError as problem:
            report.problems.append(f"row {number}: {problem}")
            continue
        if fields["code"] in codes:
            report.problems.append(f"row {number}: code: {fields['code']!r} appears twice")
        codes.add(fields["code"])
        parsed.append(fields)
    if report.problems:
        return report
    columns = [{"code": fields["code"], **trainings.to_columns(fields)} for fields in parsed]
    report.created, report.updated = await training_table.import_many(
        db, columns, iso(clock.now())
    )
    return report
