"""``smebot run --workers 2`` for real: two webhook workers behind one port, on PostgreSQL.

Telegram posts updates for several users at once; every update is answered exactly once, and
each user's answers come in the order the user sent the messages (the parent routes a user's
updates to one worker). Stopping the parent stops the workers cleanly.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.backends import Schemas
from tests.e2e.conftest import Launch
from tests.harness import telegram_user
from tests.http_api.server import HOST, LoopbackBotAPI

pytestmark = pytest.mark.postgresql_only("several workers need a database server")

SECRET = "workers-Secret_token"
COMMANDS = {  # what a user sends → a fragment of the bot's answer
    "/start": "Hello",
    "/help": "How to use",
    "/menu": "What would you like to know?",
    "/privacy": "Your data and this bot",
    "/trainings": "Upcoming trainings",
}
USERS = [telegram_user(9300 + number, "en", first_name="Worker") for number in range(8)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def test_two_workers_answer_every_update_once_and_each_user_in_order(
    api: LoopbackBotAPI, launch: Launch, database_backend: Schemas
) -> None:
    port = _free_port()
    bot = launch(
        args=("run", "--workers", "2"),
        wait=False,
        DATABASE_URL=asyncio.run(database_backend.new_url()),
        WEBHOOK_URL=f"http://{HOST}:{port}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN=HOST,
        PORT=str(port),
    )
    api.wait_for(
        lambda: bot.log_lines("Dispatching webhook updates") or not bot.alive, 60, "dispatcher"
    )
    assert bot.alive, bot.logs()
    assert {call.params["url"] for call in api.served("setWebhook")} == {
        f"http://{HOST}:{port}/telegram"
    }

    def post(update: dict) -> int:
        request = urllib.request.Request(
            f"http://{HOST}:{port}/telegram",
            json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    def user_session(user: dict) -> list[int]:  # one user types the commands one by one
        return [post(api.updates.message(user, command)) for command in COMMANDS]

    with ThreadPoolExecutor(len(USERS)) as pool:
        statuses = [status for result in pool.map(user_session, USERS) for status in result]
    assert statuses == [200] * len(USERS) * len(COMMANDS)

    def all_answered() -> bool:
        return all(len(api.texts(user["id"])) >= len(COMMANDS) for user in USERS)

    api.wait_for(all_answered, 30, "every update answered")
    for user in USERS:
        answers = api.texts(user["id"])
        assert len(answers) == len(COMMANDS), answers  # once each, nothing doubled
        matched = [next(c for c, f in COMMANDS.items() if f in text) for text in answers]
        assert matched == list(COMMANDS)  # in the order the user sent them
    starts = Counter(line.split()[-1] for line in bot.log_lines("Starting webhook worker"))
    assert len(starts) == 2  # two workers, each with its own name
    assert bot.terminate() == 0
    assert bot.log_lines("Database closed") and len(bot.log_lines("Database closed")) == 2
