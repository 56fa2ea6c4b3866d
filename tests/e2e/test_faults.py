"""Faults around the real ``smebot run``: Telegram saying no, a sick database, hard kills.

Each test would fail without the behaviour it names: the 429 wait, the 403 bookkeeping, the
busy timeout, the storage-problem reporting, storing before answering, the clean shutdown and
retrying Telegram at start-up.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from telegram_io.offline import ApiCall, ApiError
from tests.e2e.conftest import STAFF_ID, Launch, query
from tests.harness import telegram_user
from tests.http_api.server import LoopbackBotAPI, Outage

RETRY_AFTER = 2
LOCK_SECONDS = 2.0
"""Shorter than db.connection.BUSY_TIMEOUT_MS (5 s): the bot must wait, not fail."""
IDLE_WINDOW = 2.0
MAX_IDLE_CPU = 0.25
"""CPU seconds a healthy idle bot may use in :data:`IDLE_WINDOW` (it uses about 0.01)."""
UNKNOWN_QUESTION = "besok cuaca di bandung hujan ga ya"
LINUX = sys.platform.startswith("linux")


def _to(user: dict, method: str = "sendMessage"):
    """A fault/stall condition: ``method`` calls to ``user``'s chat."""

    def matches(call_method: str, params: dict) -> bool:
        return call_method == method and str(params.get("chat_id")) == str(user["id"])

    return matches


def test_flood_wait_is_honoured_and_the_reply_still_arrives(
    api: LoopbackBotAPI, launch: Launch
) -> None:
    bot = launch()
    user = telegram_user(8001, "en", first_name="Ani")
    to_user = _to(user)
    refused: list[float] = []

    def flood(call: ApiCall) -> ApiError | None:
        if to_user(call.method, call.params) and not refused:
            refused.append(time.monotonic())
            return ApiError(429, "Too Many Requests: retry after 2", retry_after=RETRY_AFTER)
        return None

    api.set_fault(flood)
    api.send(user, "/start")
    api.wait_for_text(user["id"], "Hello Ani", timeout=RETRY_AFTER + 10)
    sends = [s for s in api.served("sendMessage") if to_user(s.method, s.params)]
    assert [s.status for s in sends] == [429, 200]
    waited = sends[1].at - sends[0].at
    assert RETRY_AFTER <= waited < RETRY_AFTER + 2, waited  # after the pause, not before
    assert len(api.texts(user["id"])) == 1  # the greeting only, no error message
    assert bot.log_lines("Telegram asked to wait 2")


def test_a_user_who_blocked_the_bot_is_marked_blocked(
    api: LoopbackBotAPI, launch: Launch, database: Path
) -> None:
    launch()
    user = telegram_user(8002, "id")
    to_user = _to(user)
    api.set_fault(
        lambda call: (
            ApiError(403, "Forbidden: bot was blocked by the user")
            if to_user(call.method, call.params)
            else None
        )
    )
    api.send(user, "/start")
    api.wait_for(
        lambda: query(database, "SELECT id FROM users WHERE id = ? AND blocked = 1", (8002,)),
        10,
        "users.blocked = 1",
    )
    time.sleep(0.3)
    sends = [s for s in api.served("sendMessage") if to_user(s.method, s.params)]
    assert [s.status for s in sends] == [403]  # no retry, no error message to a blocked chat


def test_a_database_locked_by_another_program_is_waited_for(
    api: LoopbackBotAPI, launch: Launch, database: Path
) -> None:
    bot = launch()
    user = telegram_user(8003, "id")
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # the write lock a backup or an admin tool might hold
        api.send(user, UNKNOWN_QUESTION)
        time.sleep(LOCK_SECONDS)
        assert api.texts(user["id"]) == []  # the bot is waiting for the lock, not failing
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "petugas" in api.wait_for_text(user["id"], "petugas")
    rows = query(database, "SELECT question, status FROM inquiries WHERE user_id = ?", (8003,))
    assert [(row["question"], row["status"]) for row in rows] == [(UNKNOWN_QUESTION, "open")]
    assert not bot.log_lines("Error while handling an update")


@pytest.mark.parametrize(
    ("problem", "staff_words"),
    [("full", "Disk basis data penuh"), ("read-only", "Basis data hanya bisa dibaca")],
)
def test_an_unwritable_database_is_reported_without_spinning(
    api: LoopbackBotAPI, launch: Launch, problem: str, staff_words: str
) -> None:
    bot = launch(module=("tests.e2e.crippled_bot", problem))
    staff = telegram_user(STAFF_ID, "id", first_name="Petugas")
    users = [telegram_user(8100 + number, "id") for number in range(4)]
    for person in [staff, *users]:  # all known (and cached) before the disk "fills up"
        api.send(person, "/start")
        api.wait_for_text(person["id"], "Halo")

    bot.popen.send_signal(signal.SIGUSR1)
    api.wait_for(lambda: bot.log_lines("database limited"), 10, "the database limit")
    # As long as Telegram allows: the row cannot fit in a page that is already there.
    question = ("Bagaimana cara ikut pelatihan? " + "Saya ingin tahu lebih banyak. " * 140)[:4090]
    for round_number in range(3):
        for user in users:
            api.send(user, f"{round_number} {question}")

    def replies(person: dict) -> list[str]:
        return api.texts(person["id"])[1:]  # after the greeting

    polite = "belum bisa disimpan"
    api.wait_for(
        lambda: all(sum(polite in text for text in replies(u)) == 3 for u in users),
        15,
        "a polite reply to every message",
    )
    # Only now the staff member's own try: users' updates are handled concurrently, so sent
    # together the staff's could come first and would then carry the one alert itself.
    api.send(staff, question)
    staff_replies = api.wait_for(lambda: replies(staff)[1:] and replies(staff), 10, "staff")
    assert all(staff_words in text for text in staff_replies), staff_replies
    assert len(staff_replies) == 2  # one alert when users failed, one answer to their own try
    assert not any("disimpan; silakan" in text for user in users for text in replies(user))

    if LINUX:  # /proc
        cpu_before = bot.cpu_seconds()
        time.sleep(IDLE_WINDOW)
        assert bot.cpu_seconds() - cpu_before < MAX_IDLE_CPU  # nothing retries in a loop
    assert len(bot.log_lines("Error while handling an update")) == 1  # one traceback ...
    assert len(bot.log_lines("Update not handled, the database is")) == 12  # ... then a line each
    api.send(users[0], "/menu")  # still answering what needs no writing
    api.wait_for_text(users[0]["id"], "ingin Anda ketahui")


def test_a_question_is_stored_before_the_reply_even_if_the_bot_is_killed(
    api: LoopbackBotAPI, launch: Launch, database: Path
) -> None:
    bot = launch()
    user = telegram_user(8004, "id")
    api.stall(_to(user))  # Telegram is slow to accept the reply ...
    api.send(user, UNKNOWN_QUESTION)
    api.wait_for(
        lambda: [s for s in api.served("sendMessage") if _to(user)(s.method, s.params)],
        10,
        "the bot to send its reply",
    )
    assert bot.kill() == -signal.SIGKILL  # ... and the process dies before it is accepted
    rows = query(database, "SELECT question, status FROM inquiries WHERE user_id = ?", (8004,))
    assert [(row["question"], row["status"]) for row in rows] == [(UNKNOWN_QUESTION, "open")]

    api.clear_stalls()
    restarted = time.monotonic()
    launch()  # the same database opens cleanly after the kill and the bot carries on
    api.wait_until_polling(after=restarted)
    other = telegram_user(8005, "en", first_name="Budi")
    api.send(other, "/start")
    api.wait_for_text(other["id"], "Hello Budi")
    assert query(database, "PRAGMA integrity_check")[0][0] == "ok"
    assert max(api.deliveries().values()) == 1  # the killed update was not handed out again


def test_sigterm_when_idle_stops_cleanly(api: LoopbackBotAPI, launch: Launch) -> None:
    bot = launch()
    user = telegram_user(8006, "en", first_name="Dewi")
    api.send(user, "/start")
    api.wait_for_text(user["id"], "Hello Dewi")
    assert bot.terminate() == 0
    assert bot.log_lines("Database closed")
    assert not bot.log_lines("Traceback")


def test_a_bot_started_while_telegram_is_down_comes_up_when_it_returns(
    api: LoopbackBotAPI, launch: Launch
) -> None:
    api.outage(Outage.REFUSED, 1.5)
    bot = launch(wait=False)
    api.wait_until_polling(timeout=20, after=bot.started_at)
    user = telegram_user(8007, "en", first_name="Eka")
    api.send(user, "/start")
    api.wait_for_text(user["id"], "Hello Eka")
    assert bot.alive
