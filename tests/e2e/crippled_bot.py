"""``smebot run`` whose database stops taking writes when the test sends SIGUSR1.

Run as ``python -m tests.e2e.crippled_bot full|read-only``. A test cannot fill a real disk,
and root ignores file permissions, so the bot's own SQLite connection is limited the way a
full disk or a read-only file limits it: ``max_page_count`` at the current size (the next new
page fails with SQLITE_FULL) or ``query_only`` (every write fails with SQLITE_READONLY). The
rest is the shipped ``smebot run``, unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from app.cli import main
from bot.config import Settings
from bot.services import Services
from db import Database

logger = logging.getLogger("crippled_bot")

READY_LINE = "database limited"
"""Logged once the limit is in place, so the test knows when to go on."""


async def _limit(db: Database, problem: str) -> None:
    if problem == "full":
        await db.execute("VACUUM")  # no free pages left to reuse: the next page is a new one
        row = await db.fetch_one("PRAGMA page_count")
        assert row is not None
        await db.execute(f"PRAGMA max_page_count = {int(row[0])}")
    else:
        await db.execute("PRAGMA query_only = 1")
    logger.warning("%s: %s", READY_LINE, problem)


def _install(problem: str) -> None:
    original = Services.start.__func__  # type: ignore[attr-defined]

    async def start(cls: type[Services], settings: Settings, clock=None) -> Services:
        services = await original(cls, settings, clock)
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGUSR1, lambda: asyncio.ensure_future(_limit(services.db, problem))
        )
        return services

    Services.start = classmethod(start)  # type: ignore[method-assign, assignment]


if __name__ == "__main__":
    _install(sys.argv[1])
    raise SystemExit(main(["run"]))
