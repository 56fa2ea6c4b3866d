"""SQLite, PostgreSQL, and PostgreSQL with two workers: updates, broadcasts, a large log.

Run from the repository root, with a PostgreSQL server (``.ci/with-postgres`` starts a
throw-away one and sets ``TEST_DATABASE_URL``)::

    .ci/with-postgres .venv/bin/python scripts/bench_postgres.py            # a few minutes
    .ci/with-postgres .venv/bin/python scripts/bench_postgres.py --quick    # well under one

Each PostgreSQL measurement gets a fresh schema of that server. What is measured:

1. **Updates a second** through the real Application (all handlers, flood guard, retrieval)
   on the offline Bot API, the mixed stream of ``scripts/bench_updates.py`` (``/start``, a
   topic button, a question, an entry button, a second question, per user), with
   ``--concurrency`` users in flight at once per process. "2 workers" is two processes on one
   database, each with half of the users, started together: total updates / wall time.
2. **Broadcast sends a second**: the real :class:`bot.sender.BroadcastSender` (claims,
   records, progress) to ``--recipients`` subscribers, with an instant fake Telegram and
   virtual time, so the figure is the sender's own ceiling, not Telegram's limit (which is
   ``BROADCAST_RATE``, 25/s by default). "2 workers": two senders in two processes.
3. **The inquiry log at ``--rows`` rows** (a year of inquiries): the ``/inbox`` page
   (``desk_count`` + ``desk_page`` with the default filter: open questions, oldest first),
   ``/stats`` (``StatsService.compute``) and a CSV export of everything (``bot.export``),
   each the median of three runs (the export: one).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402

TOKEN = "7212345678:AAHk3vQx9Lm2Np4Rs6Tu8Vw0Yz1Ab3Cd5Ef"
STAFF_ID = 900_001
PAGE = 10
"""Inquiries on one ``/inbox`` page in the bot (bot.desk)."""


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    workers: int
    postgres: bool


BACKENDS = (
    Backend("SQLite", 1, False),
    Backend("PostgreSQL", 1, True),
    Backend("PostgreSQL, 2 workers", 2, True),
)


def _settings(database: str) -> Settings:
    if database.startswith("postgresql://"):
        return Settings(token=TOKEN, database_url=database, staff_ids=frozenset({STAFF_ID}))
    return Settings(token=TOKEN, database_path=database, staff_ids=frozenset({STAFF_ID}))


async def _fresh(server: str, work: Path, backend: Backend) -> str:
    """A new database for one measurement: a file, or a schema of the server."""
    if not backend.postgres:
        return str(work / f"bench-{uuid.uuid4().hex[:8]}.db")
    from db.fixtures import fresh_schema

    return await fresh_schema(server, f"bench_{uuid.uuid4().hex[:12]}")


def _in_processes(target: Callable[..., None], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """``target(index, barrier, results, *arguments[index])`` in one process each, at once:
    each waits at the barrier once set up, so the timed parts overlap."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(index, barrier, results, *own))
        for index, own in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return collected


# -- 1. updates -------------------------------------------------------------------------------
def _updates_child(
    index: int, barrier: Barrier, results: Any, database: str, users: list[int], conc: int
) -> None:
    results.put(asyncio.run(_feed(index, barrier, database, users, conc)))


async def _feed(
    index: int, barrier: Barrier, database: str, user_ids: list[int], concurrency: int
) -> tuple[int, float, float]:
    from app.app import build_application
    from bot.services import Services
    from scripts.bench_updates import _button, _user, load_questions
    from telegram_io.offline import OfflineBotAPI, UpdateFactory

    settings = _settings(database)
    services = await Services.start(settings)
    api = OfflineBotAPI()
    application = build_application(settings, services, request=api)
    factory = UpdateFactory()
    questions = itertools.cycle(load_questions())
    users = [_user(user_id) for user_id in user_ids]

    def start(user: dict[str, Any]) -> dict[str, Any]:
        return factory.message(user, "/start")

    def topic(user: dict[str, Any]) -> dict[str, Any]:
        data, message = _button(api, user["id"], "topic:")
        return factory.callback(user, data, message)

    def entry(user: dict[str, Any]) -> dict[str, Any]:
        try:
            data, message = _button(api, user["id"], "kb:")
        except LookupError:
            data, message = _button(api, user["id"], "menu")
        return factory.callback(user, data, message)

    def question(user: dict[str, Any]) -> dict[str, Any]:
        return factory.message(user, next(questions))

    rounds = (start, topic, question, entry, question)
    from telegram import Update

    async def one_user(user: dict[str, Any]) -> int:
        for make in rounds:
            await application.process_update(Update.de_json(make(user), application.bot))
        return len(rounds)

    async def lane(lane_users: list[dict[str, Any]]) -> int:
        return sum([await one_user(user) for user in lane_users])

    async with application:
        await asyncio.to_thread(barrier.wait)
        began = time.perf_counter()
        lanes = [users[n::concurrency] for n in range(concurrency)]
        done = sum(await asyncio.gather(*(lane(users) for users in lanes if users)))
        ended = time.perf_counter()
    await services.close()
    return done, began, ended


async def bench_updates(args: argparse.Namespace, work: Path, backend: Backend) -> float:
    database = await _fresh(args.server, work, backend)
    users = list(range(100_000, 100_000 + args.updates // 5))
    # Migrate once before the clock starts, so the workers do not race to create the schema.
    from bot.services import Services

    await (await Services.start(_settings(database))).close()
    shares = [users[n :: backend.workers] for n in range(backend.workers)]
    arguments = [(database, share, args.concurrency) for share in shares]
    results = await asyncio.to_thread(_in_processes, _updates_child, arguments)
    total = sum(done for done, _, _ in results)
    wall = max(end for _, _, end in results) - min(begin for _, begin, _ in results)
    return total / wall


# -- 2. broadcast -------------------------------------------------------------------------------
def _sender_child(index: int, barrier: Barrier, results: Any, database: str) -> None:
    results.put(asyncio.run(_send(index, barrier, database)))


async def _send(index: int, barrier: Barrier, database: str) -> tuple[int, float, float]:
    from bot.services import Services
    from tests.harness import FakeClock
    from tests.outreach import FakeTelegram, FakeTime, make_sender

    clock = FakeClock()
    services = await Services.start(_settings(database), clock=clock)
    telegram, fake_time = FakeTelegram(clock), FakeTime(clock)
    sender = make_sender(services, telegram, fake_time, rate=1_000_000, worker=f"bench:{index}")
    await asyncio.to_thread(barrier.wait)
    began = time.perf_counter()
    await sender.run_until_idle()
    ended = time.perf_counter()
    await services.close()
    return len(telegram.sent), began, ended


async def bench_broadcast(args: argparse.Namespace, work: Path, backend: Backend) -> float:
    from bot.broadcasts import Audience, AudienceKind
    from bot.services import Services
    from tests.harness import FakeClock
    from tests.outreach import add_users

    database = await _fresh(args.server, work, backend)
    services = await Services.start(_settings(database), clock=FakeClock())
    await add_users(services, [STAFF_ID], "id", topics=())
    await add_users(services, range(1, args.recipients + 1), "id")
    texts = {"id": "<b>Halo</b> UMKM", "en": "<b>Hello</b> SMEs"}
    await services.broadcasts.create(STAFF_ID, texts, "id", Audience(AudienceKind.ALL))
    await services.close()
    arguments = [(database,)] * backend.workers
    results = await asyncio.to_thread(_in_processes, _sender_child, arguments)
    total = sum(sent for sent, _, _ in results)
    if total != args.recipients:
        raise SystemExit(f"{backend.name}: {total} sent for {args.recipients} recipients")
    wall = max(end for _, _, end in results) - min(begin for _, begin, _ in results)
    return total / wall


# -- 3. the inquiry log -------------------------------------------------------------------------
async def _timed(action: Callable[[], Awaitable[Any]], runs: int) -> float:
    durations = []
    for _ in range(runs):
        began = time.perf_counter()
        await action()
        durations.append(time.perf_counter() - began)
    return statistics.median(durations)


async def bench_log(args: argparse.Namespace, work: Path, backend: Backend) -> dict[str, float]:
    from bot import export
    from bot.clock import SystemClock
    from bot.stats import StatsService
    from db import Database, fixtures
    from db import inquiries as inquiry_table

    database = await _fresh(args.server, work, backend)
    db = await Database.open(database)
    try:
        year = 365 * 24 * 3600
        began = time.perf_counter()
        now = time.time()
        await fixtures.add_inquiries(db, args.rows, int(now - year), year / args.rows)
        await fixtures.analyse(db)
        load = time.perf_counter() - began
        stats = StatsService(db, SystemClock())
        desk_filter = inquiry_table.DeskFilter()

        async def inbox() -> None:
            await inquiry_table.desk_count(db, desk_filter)
            await inquiry_table.desk_page(db, desk_filter, PAGE, 0)

        async def csv() -> None:
            export.to_csv(await export.rows(db, export.Query()), bom=True)

        return {
            "load": load,
            "inbox": await _timed(inbox, 3),
            "inbox_late": await _timed(
                lambda: inquiry_table.desk_page(db, desk_filter, PAGE, 30_000), 3
            ),
            "stats": await _timed(stats.compute, 3),
            "export": await _timed(csv, 1),
        }
    finally:
        await db.close()


# -- main ---------------------------------------------------------------------------------------
async def main(args: argparse.Namespace) -> None:
    from bot import logs

    logs.configure("WARNING")
    print(
        f"{os.cpu_count()} cores; updates: {args.updates} ({args.concurrency} users in flight "
        f"per process); broadcast: {args.recipients:,} recipients; log: {args.rows:,} rows\n"
    )
    with tempfile.TemporaryDirectory(dir=ROOT) as directory:
        work = Path(directory)
        print(f"{'':24}{'updates/s':>12}{'sends/s':>12}")
        for backend in BACKENDS:
            updates = await bench_updates(args, work, backend)
            sends = await bench_broadcast(args, work, backend)
            print(f"{backend.name:24}{updates:12.0f}{sends:12.0f}", flush=True)
        print(
            f"\nInquiry log, {args.rows:,} rows: median seconds "
            "(inbox = count + first page of open questions; inbox@30k = the page at offset "
            "30,000)"
        )
        print(f"{'':24}{'load':>9}{'inbox':>9}{'inbox@30k':>11}{'/stats':>9}{'CSV':>9}")
        for backend in BACKENDS[:2]:
            figures = await bench_log(args, work, backend)
            print(
                f"{backend.name:24}{figures['load']:9.2f}{figures['inbox']:9.4f}"
                f"{figures['inbox_late']:11.4f}{figures['stats']:9.3f}{figures['export']:9.2f}",
                flush=True,
            )
    print(f"\n({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="small numbers, a quick check")
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    if args.quick:
        args.updates, args.recipients, args.rows = 1000, 2000, 50_000
    if not args.server:
        parser.error("no PostgreSQL: run under .ci/with-postgres (or give --server URL)")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
