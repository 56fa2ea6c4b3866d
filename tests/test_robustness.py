"""Fast, in-process checks of the robustness pieces the end-to-end tests exercise for real:
Telegram's 429/403, storage problems, the webhook settings and backup/restore edge cases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from telegram.error import Forbidden, RetryAfter

from bot.config import ConfigError, from_mapping
from bot.faults import StorageProblem, Throttle, storage_problem
from bot.services import Services
from db import Database
from db import users as user_table
from db.backup import BackupError, backup, restore
from db.connection import BUSY_TIMEOUT_MS
from telegram_io import api_policy
from telegram_io.api_policy import ApiPolicy
from telegram_io.offline import ApiCall, ApiError
from tests.conftest import STAFF_ID
from tests.harness import Harness, telegram_user, texts

SITI = telegram_user(5101, "id")
PTB_22_RETRY_AFTER = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
"""``RetryAfter(...)`` itself warns that ``retry_after`` will become a timedelta."""


# -- settings ------------------------------------------------------------------------------
def test_webhook_listen_defaults_to_all_interfaces_and_is_checked() -> None:
    assert from_mapping({}).webhook_listen == "0.0.0.0"
    assert from_mapping({"WEBHOOK_LISTEN": "127.0.0.1"}).webhook_listen == "127.0.0.1"
    with pytest.raises(ConfigError, match=r"^WEBHOOK_LISTEN"):
        from_mapping({"WEBHOOK_LISTEN": "localhost:80"})


@pytest.mark.parametrize("secret", [None, "has spaces", "x" * 257, "ünïcode"])
def test_webhook_mode_needs_a_valid_secret(secret: str | None) -> None:
    env = {"WEBHOOK_URL": "https://bot.example.go.id"}
    if secret is not None:
        env["WEBHOOK_SECRET"] = secret
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET"):
        from_mapping(env)


# -- Telegram's 429 and 403 -----------------------------------------------------------------
@PTB_22_RETRY_AFTER
async def test_retry_after_is_waited_out_then_the_request_is_repeated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(api_policy.asyncio, "sleep", sleep)
    attempts = []

    async def send() -> bool:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryAfter(7)
        return True

    assert await ApiPolicy().process_request(send, (), {}, "sendMessage", {}, None) is True
    assert waits == [7.0] and len(attempts) == 2


@PTB_22_RETRY_AFTER
async def test_a_wait_longer_than_the_limit_fails_instead_of_stalling_everyone() -> None:
    async def send() -> bool:
        raise RetryAfter(int(api_policy.MAX_RETRY_WAIT) + 1)

    with pytest.raises(RetryAfter):
        await ApiPolicy().process_request(send, (), {}, "sendMessage", {}, None)


@pytest.mark.parametrize(("chat_id", "recorded"), [(5101, [5101]), (-100123, []), ("@chan", [])])
async def test_403_is_recorded_only_for_a_users_private_chat(
    chat_id: object, recorded: list[int]
) -> None:
    blocked: list[int] = []

    async def on_blocked(user_id: int) -> None:
        blocked.append(user_id)

    async def send() -> bool:
        raise Forbidden("Forbidden: bot was blocked by the user")

    with pytest.raises(Forbidden):
        await ApiPolicy(on_blocked).process_request(
            send, (), {}, "sendMessage", {"chat_id": chat_id}, None
        )
    assert blocked == recorded


async def test_403_from_telegram_marks_the_user_blocked(
    harness: Harness, services: Services
) -> None:
    harness.api.fault = lambda call: (
        ApiError(403, "Forbidden: bot was blocked by the user")
        if call.method == "sendMessage"
        else None
    )
    await harness.send(SITI, "/start")
    record = await user_table.get(services.db, SITI["id"])
    assert record is not None and record.blocked


# -- storage problems ------------------------------------------------------------------------
def _sqlite_error(sql: str, connection: sqlite3.Connection) -> sqlite3.Error:
    try:
        connection.execute(sql)
    except sqlite3.Error as error:
        return error
    raise AssertionError("no error")


def test_storage_problems_are_recognised_through_their_causes() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA query_only = 1")
    read_only = _sqlite_error("CREATE TABLE t (x)", connection)
    assert storage_problem(read_only) is StorageProblem.READ_ONLY
    try:
        raise RuntimeError("handler failed") from read_only
    except RuntimeError as wrapped:
        assert storage_problem(wrapped) is StorageProblem.READ_ONLY
    syntax = _sqlite_error("SELEKT 1", sqlite3.connect(":memory:"))
    assert storage_problem(syntax) is None  # a bug, not the disk
    assert storage_problem(ValueError("x")) is None


def test_throttle_says_yes_once_per_interval() -> None:
    now = [0.0]
    throttle = Throttle(60, clock=lambda: now[0])
    assert throttle.allow("full") and not throttle.allow("full")
    assert throttle.allow("read-only")
    now[0] = 61
    assert throttle.allow("full")


@pytest.mark.sqlite_only("SQLite's busy_timeout")
async def test_database_waits_for_locks(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        assert (await db.fetch_one("PRAGMA busy_timeout"))[0] == BUSY_TIMEOUT_MS >= 2000
    finally:
        await db.close()


@pytest.mark.sqlite_only("fills the SQLite file with max_page_count")
async def test_full_disk_user_is_told_nothing_was_saved_and_admins_are_alerted_once(
    harness: Harness, services: Services
) -> None:
    staff = telegram_user(STAFF_ID, "en", first_name="Staff")
    await harness.send(staff, "/start")
    await harness.send(SITI, "/start")
    await services.db.execute("VACUUM")
    pages = (await services.db.fetch_one("PRAGMA page_count"))[0]
    await services.db.execute(f"PRAGMA max_page_count = {pages}")
    long_question = ("Bagaimana cara ikut pelatihan? " * 140)[:4090]

    first = await harness.send(SITI, long_question)
    [to_user] = [c for c in first if int(c.params["chat_id"]) == SITI["id"]]
    assert "belum bisa disimpan" in texts([to_user])[0]
    [alert] = [c for c in first if int(c.params["chat_id"]) == STAFF_ID]
    assert texts([alert])[0].startswith("⚠️ The database disk is full")

    second = await harness.send(SITI, "2 " + long_question)
    assert all(int(c.params["chat_id"]) == SITI["id"] for c in _sends(second))  # no new alert
    own = await harness.send(staff, long_question)
    assert texts(own) == [texts([alert])[0]]  # staff trying themselves get the short reason


def _sends(calls: list[ApiCall]) -> list[ApiCall]:
    return [call for call in calls if call.method == "sendMessage"]


# -- backup and restore --------------------------------------------------------------------
async def _database_with_one_user(path: Path) -> None:
    db = await Database.open(path)
    await db.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (1, 'x', 'x')")
    await db.close()


@pytest.mark.sqlite_only("backup and restore use SQLite's backup API")
async def test_restore_onto_a_new_server_creates_the_database(tmp_path: Path) -> None:
    await _database_with_one_user(tmp_path / "old.db")
    backup(tmp_path / "old.db", tmp_path / "backup.db")
    restored, kept = restore(tmp_path / "backup.db", tmp_path / "new" / "bot.db")
    assert kept is None and restored.inquiries == 0
    db = await Database.open(tmp_path / "new" / "bot.db")
    try:
        assert (await db.fetch_one("SELECT COUNT(*) FROM users"))[0] == 1
    finally:
        await db.close()


@pytest.mark.sqlite_only("backup and restore use SQLite's backup API")
async def test_restore_refuses_what_is_not_a_good_backup(tmp_path: Path) -> None:
    await _database_with_one_user(tmp_path / "bot.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE other (x)").connection.close()
    newer = tmp_path / "newer.db"
    backup(tmp_path / "bot.db", newer)
    connection = sqlite3.connect(newer)
    connection.execute("PRAGMA user_version = 9999")
    connection.close()
    for bad, reason in [(junk, "not a usable"), (foreign, "not a Teman"), (newer, "newer")]:
        with pytest.raises(BackupError, match=reason):
            restore(bad, tmp_path / "bot.db")
    with pytest.raises(BackupError, match="no database"):
        backup(tmp_path / "missing.db", tmp_path / "b.db")
    assert not (tmp_path / "bot.db.before-restore").exists()  # nothing was touched
