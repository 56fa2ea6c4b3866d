"""Shared pieces of the hostile-input tests (``test_hostile_*.py``, ``test_sql_injection.py``).

* :class:`RecordingBotAPI` keeps every call the offline Bot API refused. A handler that wraps
  its sends in ``suppress(TelegramError)`` would hide a 400 for broken HTML from the error
  log, so the tests look at what Telegram said, not only at what the bot logged.
* :class:`ErrorLog` collects ERROR records: every exception that reaches the error handler
  is logged there, so "nothing new in it" means "no handler crashed".
* :class:`Watch` checks both after each step, plus that no error apology reached a chat.
* The text strategies produce what people (and attackers) actually type: zero-width and
  bidirectional controls, combining marks, emoji sequences, HTML and Markdown fragments,
  SQL, up to Telegram's 4096 characters.
* :func:`snapshot` reads whole tables, to prove a refused action changed nothing.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import traceback
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler, CommandHandler

from app.app import build_application
from bot.config import Settings
from bot.services import Services
from bot.text import MESSAGE_LIMIT, check_html
from db import catalog
from db import privacy as privacy_table
from telegram_io.offline import ApiCall, OfflineBotAPI
from tests.harness import Harness

HOSTILE_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one bot and database for all examples: fast
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
"""Deterministic (the same examples on every run and machine) and a few seconds per test."""


def examples(count: int, *, shrink: bool = True) -> settings:
    """:data:`HOSTILE_SETTINGS` with another number of examples.

    ``shrink=False`` for tests whose examples are long conversations: shrinking one may take
    hypothesis's full five minutes, and the failing example is reported whole anyway.
    """
    phases = tuple(Phase) if shrink else tuple(p for p in Phase if p is not Phase.shrink)
    return settings(HOSTILE_SETTINGS, max_examples=count, phases=phases)


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u200e\u200f"
COMBINING = "\u0300\u0301\u0308\u0336\u0489\u20dd\u0e47"
FRAGMENTS = (
    "<b>",
    "</i>",
    "<i>tak ditutup",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x1F600;",
    "&bogus;",
    "&amp",
    "<a href='javascript:alert(1)'>klik</a>",
    '<a href="tg://user?id=1">x</a>',
    "<script>alert(1)</script>",
    "<tg-spoiler>",
    "</blockquote>",
    "<pre><code class='language-sql'>",
    "<!-- -->",
    "<",
    ">",
    "*tebal*",
    "_miring_",
    "[tautan](javascript:alert(1))",
    "`kode`",
    "```",
    "~~",
    "||spoiler||",
    "\\",
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "1); DELETE FROM inquiries; --",
    "%s %d %(x)s",
    "{}",
    "{0}",
    "{name}",
    "{id!r:>9999}",
    "@admin",
    "#1",
    "https://t.me/teman_umkm_bot?start=cek",
    "🇮🇩",
    "👨\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "Z̴̡͈a̶l̸g̷o̵",
    "مرحبا",
    "שלום",
    "中文",
    "𝕳𝖊𝖑𝖑𝖔",
    "\u00a0",
    "\t",
    "\n",
    "\r\n",
    "\n\n",
    "\u2028",
    "\x7f",
    "\x1b[31m",
    "ﷺ",
    "ǅ",
    "ß",
    "İ",
)
"""Pieces that break naive HTML, Markdown, format strings, SQL or Unicode handling."""

ANY_CHARACTER = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
"""Full Unicode without lone surrogates and NUL (neither can arrive from Telegram)."""

_piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(alphabet=ZERO_WIDTH + BIDI + COMBINING, min_size=1, max_size=4),
    st.text(alphabet=ANY_CHARACTER, min_size=1, max_size=12),
)
_mixed = st.lists(_piece, min_size=1, max_size=24).map("".join)
_long = st.builds(
    lambda unit, cut: (unit * (MESSAGE_LIMIT // len(unit) + 1))[: MESSAGE_LIMIT - cut],
    st.sampled_from(
        ["a", "&", "<b>", "ü", "🙂", "\u200b", "kata ", "x\n", "\u202e", "'; DROP TABLE x; --"]
    ),
    st.integers(min_value=0, max_value=3),
)


def as_telegram_delivers(text: str) -> str:
    """Telegram trims a message and never delivers an empty one."""
    return text.strip()


def hostile_text(*, allow_commands: bool = False) -> st.SearchStrategy[str]:
    """A message text a user could send: hostile pieces, arbitrary Unicode, up to 4096."""
    strategy = st.one_of(_mixed, _mixed, _long).map(as_telegram_delivers).filter(bool)
    if not allow_commands:
        strategy = strategy.filter(lambda text: not text.startswith("/"))
    return strategy


def hostile_word() -> st.SearchStrategy[str]:
    """One hostile argument of a command (no whitespace: commands split on it)."""
    return st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ANY_CHARACTER, max_size=20)).map(
        lambda word: "".join(word.split()) or "x"
    )


NAME_LIMIT = 64
"""Telegram's limit on a first or last name."""


def hostile_name() -> st.SearchStrategy[str]:
    """A Telegram first or last name: 1-64 characters of anything, trimmed."""
    return (
        st.lists(_piece, min_size=1, max_size=6)
        .map(lambda pieces: "".join(pieces)[:NAME_LIMIT].strip())
        .filter(bool)
    )


def hostile_user() -> st.SearchStrategy[dict[str, Any]]:
    """A Telegram user with a hostile name, maybe a surname and a username, any language;
    each drawn user has an id never used before."""
    return st.builds(
        lambda first, last, username, language: {
            "id": fresh_user_id(),
            "is_bot": False,
            "first_name": first,
            **({"last_name": last} if last else {}),
            **({"username": username} if username else {}),
            **({"language_code": language} if language else {}),
        },
        hostile_name(),
        st.none() | hostile_name(),
        st.none() | st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True),
        st.sampled_from([None, "id", "en", "en-GB", "ar", "zz-ZZ"]),
    )


# -- the watch --
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200
"""Telegram's limits on a caption and on the text of a callback answer."""


class RecordingBotAPI(OfflineBotAPI):
    """The offline Bot API, keeping each refused call with its status and description.

    It also checks two things the offline API leaves alone: captions (HTML and length) and
    the text of a callback answer (Telegram refuses more than 200 characters).
    """

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[tuple[ApiCall, int, str]] = []

    def handle(self, api_method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        problem = self._problem(api_method, params)
        if problem is not None:
            self.calls.append(ApiCall(api_method, params))
            self.refused.append((self.calls[-1], 400, problem))
            return 400, json.dumps(
                {"ok": False, "error_code": 400, "description": problem}
            ).encode()
        status, body = super().handle(api_method, params)
        if status != 200:
            self.refused.append((self.calls[-1], status, body.decode()))
        return status, body

    @staticmethod
    def _problem(api_method: str, params: dict[str, Any]) -> str | None:
        caption = params.get("caption")
        if caption:
            length = len(str(caption))
            if params.get("parse_mode") == "HTML":
                error, length = check_html(str(caption))
                if error:
                    return f"Bad Request: can't parse caption entities: {error}"
            if length > CAPTION_LIMIT:
                return "Bad Request: message caption is too long"
        if (
            api_method == "answerCallbackQuery"
            and len(str(params.get("text") or "")) > ALERT_LIMIT
        ):
            return "Bad Request: MESSAGE_TOO_LONG"
        return None


class ErrorLog(logging.Handler):
    """ERROR records of every logger while installed (the error handler logs each crash)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


APOLOGIES = (
    "Sorry, something went wrong on our side. Your message has been saved; "
    "please try again in a moment.",
    "⚠️ That did not work: {error}. Details are in the bot's log.",
    "Sorry, I cannot save messages at the moment because of a technical problem on our "
    "side. Please try again later.",
)
"""What the error handler says; the part before any ``{`` is searched for in both languages."""


@dataclass(repr=False)
class Watch:
    """Everything that must hold after any update, however hostile."""

    harness: Harness
    services: Services
    log: ErrorLog
    apologies: tuple[str, ...] = ()
    _calls: int = 0
    _refused: int = 0
    _errors: int = 0
    tables: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        catalogs = self.services.catalogs
        self.apologies = tuple(
            catalogs.gettext(locale, message).split("{")[0]
            for message in APOLOGIES
            for locale in ("id", "en")
        )
        self.mark()

    @property
    def api(self) -> RecordingBotAPI:
        assert isinstance(self.harness.api, RecordingBotAPI)
        return self.harness.api

    def mark(self) -> None:
        self._calls = len(self.api.calls)
        self._refused = len(self.api.refused)
        self._errors = len(self.log.records)

    def since_mark(self) -> list[ApiCall]:
        return self.api.calls[self._calls :]

    def check(self, what: object = "") -> list[ApiCall]:
        """No refused call, no ERROR record and no apology since :meth:`mark`; re-marks."""
        refused = self.api.refused[self._refused :]
        assert not refused, f"{what!r}: Telegram refused {[(c.method, d) for c, _, d in refused]}"
        errors = self.log.records[self._errors :]
        assert not errors, f"{what!r}: ERROR logged: {[self._describe(r) for r in errors]}"
        calls = self.since_mark()
        for text in said(calls):
            assert not any(apology in text for apology in self.apologies), (what, text)
        self.mark()
        return calls

    @staticmethod
    def _describe(record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = traceback.extract_tb(error.__traceback__)
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            return f"{record.getMessage()}: {type(error).__name__}: {error}{where}"
        return record.getMessage()

    async def check_tables(self) -> None:
        """Every table the bot started with is still there."""
        tables = await table_names(self.services)
        if not self.tables:
            self.tables = tables
        assert tables == self.tables


@asynccontextmanager
async def watched(services: Services) -> AsyncIterator[Watch]:
    """A bot on :class:`RecordingBotAPI` with an :class:`ErrorLog` on the root logger."""
    api = RecordingBotAPI()
    application = build_application(services.settings, services, request=api)
    log = ErrorLog()
    root = logging.getLogger()
    root.addHandler(log)
    try:
        async with application:
            watch = Watch(Harness(application, api), services, log)
            await watch.check_tables()
            yield watch
    finally:
        root.removeHandler(log)


def said(calls: Iterable[ApiCall]) -> list[str]:
    """Texts, captions and callback alerts in ``calls``."""
    return [
        str(value)
        for call in calls
        for key, value in call.params.items()
        if key in ("text", "caption") and value is not None
    ]


def answered_presses(calls: Iterable[ApiCall]) -> int:
    return sum(call.method == "answerCallbackQuery" for call in calls)


# -- what the Application registers --
def _handlers() -> list[Any]:
    application = build_application(Settings(token="1:collect"))  # no services: no I/O
    return [handler for group in application.handlers.values() for handler in group]


def registered_commands() -> list[str]:
    """Every command of the Application, read from it (a new command is covered at once)."""
    return sorted(
        command
        for handler in _handlers()
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    )


def registered_callback_prefixes() -> list[str]:
    """The prefix of every ``CallbackQueryHandler`` pattern (``^topic(:|$)`` → ``topic``)."""
    prefixes = set()
    for handler in _handlers():
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            pattern = handler.pattern  # (None: the catch-all for unknown buttons)
            source = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
            match = re.match(r"\^([A-Za-z]+)", source)
            assert match is not None, f"a callback pattern without a prefix: {source!r}"
            prefixes.add(match.group(1))
    return sorted(prefixes)


# -- users --
_user_ids = itertools.count(710_000)


def fresh_user_id() -> int:
    """A user id not used before in this process (examples must not share a form's state)."""
    return next(_user_ids)


# -- the database --
async def table_names(services: Services) -> frozenset[str]:
    return await catalog.schema_objects(services.db)


async def integrity(services: Services) -> str:
    return await catalog.integrity(services.db)


async def count(services: Services, table: str) -> int:
    row = await services.db.fetch_one(f'SELECT COUNT(*) FROM "{table}"')
    assert row is not None
    return int(row[0])


IGNORED_COLUMNS = {"users": {"last_seen"}}
"""Changed by every update (``resolve_user`` notes when a user was last seen)."""


async def snapshot(services: Services, *, except_user: int | None = None) -> dict[str, list]:
    """Every row of every table, sorted; without ``except_user``'s own rows if given.

    A user's own rows are those with a foreign key to them, and the rows hanging off those
    (a self-check run's answers). Anonymous aggregates (area counts) are left out then too.
    """
    db = services.db
    owned = dict(await privacy_table.user_tables(db))  # table -> column naming the user
    tables = await catalog.tables(db)
    result: dict[str, list] = {}
    for table in tables:
        rows = [dict(row) for row in await db.fetch_all(f'SELECT * FROM "{table}"')]
        for row in rows:
            for column in IGNORED_COLUMNS.get(table, ()):
                row.pop(column, None)
        if except_user is not None:
            if table == "selfcheck_area_counts":
                continue
            keys = await catalog.foreign_keys(db, table)
            rows = [
                row for row in rows if not await _belongs(db, table, row, owned, except_user, keys)
            ]
        result[table] = sorted(rows, key=repr)
    return result


async def _belongs(
    db: Any, table: str, row: dict, owned: dict[str, str], user_id: int, keys: list
) -> bool:
    if table == "users":
        return row["id"] == user_id
    if table in owned:
        return row[owned[table]] == user_id
    for key in keys:
        parent, column = key.parent, key.column
        if parent in owned and row.get(column) is not None:
            parent_key, user_column = key.parent_column, owned[parent]
            found = await db.fetch_one(
                f'SELECT 1 FROM "{parent}" WHERE "{parent_key}" = ? AND "{user_column}" = ?',
                (row[column], user_id),
            )
            if found is not None:
                return True
    return False
