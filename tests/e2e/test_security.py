"""Security on the real process: no token in the logs, the webhook secret, private files,
and backups that are consistent while the bot runs."""

from __future__ import annotations

import json
import socket
import sqlite3
import stat
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from telegram_io.offline import ApiCall, ApiError
from tests.e2e.conftest import TOKEN, Launch, query
from tests.harness import telegram_user
from tests.http_api.process import BotProcess
from tests.http_api.server import HOST, LoopbackBotAPI, Outage

SECRET = "s3cret-Token_for-tests"
COMMAND_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _finished(process: BotProcess) -> tuple[int, str]:
    return process.popen.wait(COMMAND_TIMEOUT), process.logs()


def test_the_token_is_in_no_log_line_even_at_debug_level(
    api: LoopbackBotAPI, launch: Launch
) -> None:
    bot = launch(log_level="DEBUG")
    user = telegram_user(9001, "en", first_name="Rani")
    api.send(user, "/start")
    api.wait_for_text(user["id"], "Hello Rani")
    api.press(user, "Business & Human Rights")
    api.send(user, "What are the three pillars of the UN Guiding Principles?")
    api.wait_for(lambda: len(api.texts(user["id"])) >= 2, 10, "an answer")
    refused: list[bool] = []

    def once_429(call: ApiCall) -> ApiError | None:  # errors are where URLs tend to leak
        if call.method == "sendMessage" and not refused:
            refused.append(True)
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        return None

    api.set_fault(once_429)
    api.send(user, "/menu")
    api.wait_for(lambda: len(api.texts(user["id"])) >= 3, 10, "the menu after a 429")
    outage = time.monotonic()
    api.outage(Outage.BAD_GATEWAY, 1)
    api.wait_for(lambda: any(s.status == 502 for s in api.served("getUpdates")), 10, "a 502")
    api.wait_until_polling(after=outage + 1)
    assert bot.terminate() == 0

    logs = bot.logs()
    assert logs.count(" DEBUG ") > 50  # the level really was DEBUG ...
    assert "/bot<token>" in logs  # ... and PTB logged its API URL: the filter caught it
    secret_part = TOKEN.split(":", 1)[1]
    leaks = [line for line in logs.splitlines() if secret_part in line]
    assert leaks == []


def test_the_webhook_accepts_only_posts_with_the_secret(
    api: LoopbackBotAPI, launch: Launch
) -> None:
    port = _free_port()
    bot = launch(
        wait=False,
        WEBHOOK_URL=f"http://{HOST}:{port}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN=HOST,
        PORT=str(port),
    )
    [registered] = api.wait_for(lambda: api.served("setWebhook"), 20, "setWebhook")
    assert registered.params["secret_token"] == SECRET
    assert registered.params["url"] == f"http://{HOST}:{port}/telegram"
    api.wait_for(lambda: bot.log_lines("Application started"), 20, "the webhook server")
    if sys.platform.startswith("linux"):  # /proc
        assert _listening_address(bot.pid, port) == HOST  # WEBHOOK_LISTEN, not 0.0.0.0

    def post(user_id: int, secret: str | None) -> int:
        update = api.updates.message(telegram_user(user_id, "en", first_name="Web"), "/start")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            f"http://{HOST}:{port}/telegram", json.dumps(update).encode(), headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post(9101, None) == 403
    assert post(9102, "wrong-secret") == 403
    assert post(9103, SECRET) == 200
    api.wait_for_text(9103, "Hello Web")
    time.sleep(0.5)
    assert api.texts(9101) == [] and api.texts(9102) == []  # refused ones were not processed


def _listening_address(pid: int, port: int) -> str:
    """The local address of the process's listening TCP socket on ``port`` (``/proc``)."""
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if int(local_port, 16) == port and state == "0A":  # LISTEN
            return socket.inet_ntoa(bytes.fromhex(address)[::-1])
    raise AssertionError(f"nothing listens on port {port}")


def test_backup_while_the_bot_runs_and_restore_after_it_stops(
    api: LoopbackBotAPI, launch: Launch, database: Path, tmp_path: Path
) -> None:
    bot = launch()
    users = [telegram_user(9200 + number, "id") for number in range(3)]
    for user in users:
        api.send(user, f"pertanyaan dari {user['id']} tentang cuaca besok")
    api.wait_for(lambda: all(api.texts(u["id"]) for u in users), 10, "three answers")

    for number in range(30):  # the bot is busy writing while the backup runs
        api.send(telegram_user(9300 + number, "en"), "/start")
    backup_file = tmp_path / "backups" / "bot-backup.db"
    code, output = _finished(launch(args=("db", "backup", str(backup_file)), wait=False))
    assert code == 0, output
    assert "3 inquiries" in output
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert not Path(f"{backup_file}-wal").exists()  # one self-contained file
    assert query(backup_file, "PRAGMA integrity_check")[0][0] == "ok"
    assert query(backup_file, "SELECT COUNT(*) FROM inquiries")[0][0] == 3

    code, output = _finished(launch(args=("db", "restore", str(backup_file)), wait=False))
    assert code == 1 and "stop the bot first" in output
    api.wait_for(lambda: all(api.texts(9300 + n) for n in range(30)), 10, "the busy period")
    assert bot.terminate() == 0

    live = sqlite3.connect(database, isolation_level=None)  # an accident after the backup
    live.execute("DELETE FROM inquiries")
    live.close()
    code, output = _finished(launch(args=("db", "restore", str(backup_file)), wait=False))
    assert code == 0, output
    assert len(query(database, "SELECT id FROM inquiries")) == 3
    kept = Path(f"{database}.before-restore")
    assert query(kept, "SELECT COUNT(*) FROM inquiries")[0][0] == 0  # the replaced one, kept
    for path in (database, kept):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    launch()  # and the bot runs on the restored database
    api.send(users[0], "/start")
    api.wait_for_text(users[0]["id"], "Halo")
