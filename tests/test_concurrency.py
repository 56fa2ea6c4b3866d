"""Concurrent tasks share one database connection and one Application safely."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Update

from bot.services import Services
from db import Database
from telegram_io.offline import ApiCall, ApiError
from tests.harness import Harness, telegram_user, texts


async def test_a_statement_never_joins_another_tasks_transaction(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        inside = asyncio.Event()

        async def rolled_back() -> None:
            try:
                async with db.transaction() as connection:
                    await connection.execute(
                        "INSERT INTO users (id, first_seen, last_seen) VALUES (1, 'a', 'a')"
                    )
                    inside.set()
                    await asyncio.sleep(0.05)  # another task writes meanwhile
                    raise RuntimeError("abandon this transaction")
            except RuntimeError:
                pass

        async def independent_write() -> None:
            await inside.wait()
            await db.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (2, 'b', 'b')")

        await asyncio.gather(rolled_back(), independent_write())
        rows = await db.fetch_all("SELECT id FROM users ORDER BY id")
        assert [row[0] for row in rows] == [2]  # the other task's write survived the rollback
    finally:
        await db.close()


async def test_a_slow_reply_to_one_user_does_not_hold_up_another(
    harness: Harness, services: Services
) -> None:
    slow_user, quick_user = telegram_user(7001, "en"), telegram_user(7002, "en")
    release = asyncio.Event()
    original = harness.api.do_request

    async def slow_for_one_chat(url, method, request_data=None, *args, **kwargs):
        params = request_data.parameters if request_data else {}
        if url.endswith("/sendMessage") and int(params.get("chat_id", 0)) == slow_user["id"]:
            await release.wait()
        return await original(url, method, request_data, *args, **kwargs)

    harness.api.do_request = slow_for_one_chat  # type: ignore[method-assign]
    bot = harness.application.bot
    slow = asyncio.create_task(
        harness.application.update_processor.process_update(
            update := Update.de_json(harness.updates.message(slow_user, "/start"), bot),
            harness.application.process_update(update),
        )
    )
    await asyncio.sleep(0)
    before = len(harness.api.calls)
    quick = Update.de_json(harness.updates.message(quick_user, "/start"), bot)
    await asyncio.wait_for(
        harness.application.update_processor.process_update(
            quick, harness.application.process_update(quick)
        ),
        timeout=5,
    )
    assert "Hello" in texts(harness.api.calls[before:])[0]  # answered meanwhile
    assert not slow.done()
    release.set()
    await slow


async def test_one_users_updates_are_handled_in_order(harness: Harness) -> None:
    user = telegram_user(7003, "en")
    processor = harness.application.update_processor
    seen: list[str] = []

    def record(call: ApiCall) -> ApiError | None:
        if call.method == "sendMessage":
            seen.append(str(call.params["text"]))
        return None

    harness.api.fault = record
    bot = harness.application.bot
    updates = [
        Update.de_json(harness.updates.message(user, text), bot) for text in ("/start", "/help")
    ]
    await asyncio.gather(
        *(processor.process_update(u, harness.application.process_update(u)) for u in updates)
    )
    assert "Hello" in seen[0] and "How to use" in seen[1]


async def test_a_users_queued_updates_run_one_at_a_time_in_arrival_order(
    harness: Harness,
) -> None:
    """Updates of one user arriving while earlier ones are still handled: none overlaps
    another, none jumps the queue (the user's lock was once dropped between a release and the
    next waiter's wake-up, and an update arriving then ran beside the waiter)."""
    processor = harness.application.update_processor
    user = telegram_user(7004, "en")
    bot = harness.application.bot
    running: list[int] = []
    order: list[int] = []

    async def handle(number: int) -> None:
        running.append(number)
        assert len(running) == 1, f"update {number} ran beside {running[0]}"
        await asyncio.sleep(0.01)
        order.append(number)
        running.remove(number)

    update = Update.de_json(harness.updates.message(user, "hi"), bot)
    tasks = []
    for number in range(6):  # a new one every 4 ms, each taking 10 ms
        tasks.append(asyncio.create_task(processor.process_update(update, handle(number))))
        await asyncio.sleep(0.004)
    await asyncio.gather(*tasks)
    assert order == list(range(6))
