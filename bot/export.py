"""Inquiries as a spreadsheet for reporting: CSV always, XLSX when openpyxl is installed.

Encoding: files meant for people (``--output``, and /export in Telegram) are UTF-8 *with* a
byte-order mark, because Excel on Windows, which ministry offices use, reads a CSV without one
in the local ANSI code page and garbles every name with an accent, every emoji and every
curly quote. Standard output gets no BOM by default: it is usually piped into another program,
where a BOM would end up glued to the first column's name (``--bom`` adds it anyway).

Formula injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by spreadsheet programs, and question text is typed by anyone on
Telegram. In CSV such cells get a leading apostrophe (OWASP's advice; spreadsheets then show
the text as it was typed); in XLSX they are stored as explicit strings, which are never run.

Only the columns reporting needs are exported: the user appears as a Telegram id, not by name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import iso
from bot.stats import day_start_utc
from db import Database
from db import inquiries as inquiry_table
from db.inquiries import InquiryRecord

COLUMNS = (
    "id",
    "created_at",
    "user_id",
    "language",
    "question",
    "status",
    "topic",
    "entry_id",
    "score",
    "answer",
    "answered_by",
    "answered_at",
    "helpful",
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORTABLE_STATUSES = inquiry_table.STATUSES
FORMATS = ("csv", "xlsx")
BOM = "\ufeff"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxUnavailableError(RuntimeError):
    """openpyxl is not installed (``pip install teman-umkm[xlsx]``)."""


@dataclass(frozen=True, slots=True)
class Query:
    """Which inquiries: one status or all, created between two reporting days (inclusive)."""

    status: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in EXPORTABLE_STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.since and self.until and self.since > self.until:
            raise ValueError("--since is after --until")


def parse_day(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` day; raises ValueError otherwise."""
    return dt.datetime.strptime(text, "%Y-%m-%d").date()


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _row(record: InquiryRecord) -> list[object]:
    helpful = None if record.helpful is None else int(record.helpful)
    return [
        record.id,
        record.created_at,
        record.user_id,
        record.language,
        record.question,
        record.status,
        record.topic,
        record.entry_id,
        None if record.score is None else round(record.score, 3),
        record.answer,
        record.answered_by,
        record.answered_at,
        helpful,
    ]


async def rows(db: Database, query: Query) -> list[list[object]]:
    since = iso(day_start_utc(query.since)) if query.since else None
    until = iso(day_start_utc(query.until + dt.timedelta(days=1))) if query.until else None
    records = await inquiry_table.for_export(db, query.status, since, until)
    return [_row(record) for record in records]


def to_csv(data: Sequence[Sequence[object]], *, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow(
            [
                "" if value is None else neutralise(value) if isinstance(value, str) else value
                for value in row
            ]
        )
    return ((BOM if bom else "") + buffer.getvalue()).encode("utf-8")


def to_xlsx(data: Sequence[Sequence[object]]) -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    except ImportError:
        raise XlsxUnavailableError("openpyxl is not installed") from None
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "inquiries"
    sheet.append(list(COLUMNS))
    for values in data:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        )
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(data: Sequence[Sequence[object]], file_format: str, *, bom: bool = True) -> bytes:
    if file_format == "xlsx":
        return to_xlsx(data)
    return to_csv(data, bom=bom)


def file_name(query: Query, file_format: str, today: dt.date) -> str:
    parts = ["inquiries"]
    if query.status:
        parts.append(query.status)
    if query.since or query.until:
        parts.append(f"{query.since or ''}_{query.until or ''}")
    else:
        parts.append(today.isoformat())
    return "-".join(parts) + f".{file_format}"
