"""Fixtures for end-to-end tests: the real ``smebot run`` against a loopback Bot API server."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.http_api.process import BotProcess, environment
from tests.http_api.server import LoopbackBotAPI

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7212345678:AAHk3vQx9Lm2Np4Rs6Tu8Vw0Yz1Ab3Cd5Ef"
"""Shaped like a real BotFather token, so a leak would look like one."""
STAFF_ID = 900_001
START_TIMEOUT = 20.0
"""Seconds for a bot process to reach its first long poll (about 1 s on a laptop)."""

Launch = Callable[..., BotProcess]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: runs the real smebot process (deselect with -m 'not e2e')"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def api() -> Iterator[LoopbackBotAPI]:
    with LoopbackBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.db"


@pytest.fixture
def launch(api: LoopbackBotAPI, database: Path, tmp_path: Path) -> Iterator[Launch]:
    """Start ``smebot`` (``run`` by default) against ``api``; killed at teardown if alive.

    ``wait=True`` returns once the bot holds a long poll, i.e. it is ready for users.
    """
    processes: list[BotProcess] = []

    def start(
        *,
        args: tuple[str, ...] = ("run",),
        module: tuple[str, ...] = (),
        log_level: str = "INFO",
        wait: bool = True,
        **extra: str,
    ) -> BotProcess:
        """``module``: run ``python -m <module...>`` from this repository instead of smebot."""
        env = environment(
            api.url, TOKEN, database, staff_ids=[STAFF_ID], log_level=log_level, extra=extra
        )
        command = None
        if module:
            env["PYTHONPATH"] = str(ROOT)
            command = [sys.executable, "-m", *module]
        process = BotProcess.start(tmp_path, env, args, command)
        processes.append(process)
        if wait:
            try:
                api.wait_until_polling(START_TIMEOUT, after=process.started_at)
            except AssertionError:
                raise AssertionError(f"bot did not start; its log:\n{process.logs()}") from None
        return process

    yield start
    for process in processes:
        process.ensure_stopped()
        print(f"--- log of smebot pid {process.pid} ---\n{process.logs()}")


def query(database: Path, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """Read the bot's database from outside, as staff tools would (WAL allows it live)."""
    connection = sqlite3.connect(database, timeout=10)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()
