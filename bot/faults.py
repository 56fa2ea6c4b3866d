"""Failures the operators must act on, recognised and named, and alerts that do not flood.

A read-only or full database is not a bug in one handler: every update fails the same way
until someone frees the disk or fixes the file. Staff need one short, specific sentence (not an
exception class name), and the log needs one traceback per episode, not one per message.
"""

from __future__ import annotations

import enum
import sqlite3
import time
from collections.abc import Callable, Hashable

from bot.i18n import N_

ALERT_INTERVAL = 15 * 60.0
"""Seconds between two alerts (and two full tracebacks) about the same problem."""


class StorageProblem(enum.Enum):
    READ_ONLY = "read-only"
    FULL = "full"
    BUSY = "locked"
    DAMAGED = "damaged"

    @property
    def staff_message(self) -> str:
        """What staff are told, untranslated (``N_``): what is wrong and what to do."""
        return _STAFF_MESSAGES[self]


_STAFF_MESSAGES = {
    StorageProblem.READ_ONLY: N_(
        "⚠️ The database is read-only: questions cannot be saved. Check the database file "
        "and its permissions; details are in the bot's log."
    ),
    StorageProblem.FULL: N_(
        "⚠️ The database disk is full or failing: questions cannot be saved. Free some disk "
        "space; details are in the bot's log."
    ),
    StorageProblem.BUSY: N_(
        "⚠️ The database is locked by another program: this message was not saved. Details "
        "are in the bot's log."
    ),
    StorageProblem.DAMAGED: N_(
        "⚠️ The database file is damaged: restore the latest backup with “smebot db restore”. "
        "Details are in the bot's log."
    ),
}

_BY_ERROR_NAME = (
    ("SQLITE_READONLY", StorageProblem.READ_ONLY),
    ("SQLITE_CANTOPEN", StorageProblem.READ_ONLY),
    ("SQLITE_FULL", StorageProblem.FULL),
    ("SQLITE_IOERR", StorageProblem.FULL),
    ("SQLITE_BUSY", StorageProblem.BUSY),
    ("SQLITE_LOCKED", StorageProblem.BUSY),
    ("SQLITE_CORRUPT", StorageProblem.DAMAGED),
    ("SQLITE_NOTADB", StorageProblem.DAMAGED),
)
"""SQLite result codes (extended codes share the prefix) and what they mean to an operator.
An I/O error on write is nearly always a full or failing disk."""


def storage_problem(error: BaseException | None) -> StorageProblem | None:
    """The storage problem behind ``error`` (or its causes), if it is one."""
    seen = 0
    while error is not None and seen < 10:  # causes may chain; never loop forever
        if isinstance(error, sqlite3.Error):
            name = getattr(error, "sqlite_errorname", "") or ""
            for prefix, problem in _BY_ERROR_NAME:
                if name.startswith(prefix):
                    return problem
        error = error.__cause__ or error.__context__
        seen += 1
    return None


class Throttle:
    """Says yes to a key at most once per ``interval`` seconds."""

    def __init__(
        self, interval: float = ALERT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last: dict[Hashable, float] = {}

    def allow(self, key: Hashable) -> bool:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last[key] = now
        return True
