"""Benchmark the broadcast sender: rate, loss, duplicates after a crash, memory.

Run from the repository root::

    .venv/bin/python scripts/bench_broadcast.py             # everything (about 12 minutes)
    .venv/bin/python scripts/bench_broadcast.py --quick     # small numbers, about a minute

Every run happens in a child process (so its memory is its own, and it can be killed):

1. **Rate**: ``--recipients`` (10,000) subscribers, one broadcast, ``BROADCAST_RATE``
   ``--rate`` (25). The bot is the real Application and sender (``app.app.start_sender``)
   talking to the offline Bot API behind a simulated network: every call waits 40–80 ms
   (an ``asyncio.sleep`` in a ``BaseRequest`` wrapper). The fake Telegram enforces its
   limits (``--telegram-limit`` messages in any second overall, one a second per chat:
   beyond that it answers 429 retry_after=1), answers 403 for 1 % of the users (they
   "blocked the bot") and injects random 429s (``--p429``). Meanwhile users keep asking
   questions, and the time to answer them is measured.
2. **Crash**: the same broadcast again in a fresh database, the child is killed with SIGKILL
   half-way and started again; lost and duplicate messages are counted from the fake
   Telegram's delivery log (written per message, so it survives the kill), and the
   duplicates are compared with the rows in flight at the kill.
3. **Memory**: ``--memory-recipients`` (100,000) queued and sent at ``--memory-rate`` with
   Telegram's paid-broadcast limit (1,000/s), to keep the run short; peak RSS of the process.

A baseline runs in the same invocation: a naive loop (sequential, no pacing, no retries)
and a naive burst (all at once, 100 in flight) through the same fake Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, OrderedDict, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Bot, Update  # noqa: E402
from telegram.error import TelegramError  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from app.app import build_application, start_sender  # noqa: E402
from bot.broadcasts import Audience, AudienceKind  # noqa: E402
from bot.clock import SystemClock, iso  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services import Services  # noqa: E402
from db import broadcasts as broadcast_table  # noqa: E402
from db import fixtures  # noqa: E402
from telegram_io.offline import ApiCall, ApiError, OfflineBotAPI, UpdateFactory  # noqa: E402

STAFF_ID = 999_000_001
ASKER_BASE = 900_000_000
"""Users who ask questions during the broadcast: not recipients, not in the delivery log."""
ASKERS = 50
QUESTION_INTERVAL = 0.5
BLOCKED_EVERY = 100
"""Every 100th user has blocked the bot (403): 1 %."""
SEED_CHUNK = 10_000
QUESTIONS = (
    "Apa itu uji tuntas HAM?",
    "What is the minimum wage for micro businesses?",
    "Bagaimana cara ikut pelatihan SIYB?",
    "What is a grievance mechanism?",
)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- the fake Telegram (runs inside the child) ------------------------------------------------


class SimulatedTelegram(OfflineBotAPI):
    """The offline Bot API with Telegram's limits, blocked users, random 429s, and a
    delivery log; it keeps no messages but the staff member's (so memory is the bot's)."""

    def __init__(self, log_path: Path, limit: float, p429: float, seed: int) -> None:
        super().__init__(fault=self._fault)
        self._log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._limit = limit
        self._p429 = p429
        self._rng = random.Random(seed)
        self._window: deque[float] = deque()
        self._last_by_chat: OrderedDict[int, float] = OrderedDict()
        self.counts: Counter[str] = Counter()

    def _fault(self, call: ApiCall) -> ApiError | None:
        if call.method != "sendMessage":
            return None
        chat = int(call.params["chat_id"])
        if chat == STAFF_ID or chat >= ASKER_BASE:
            return None
        now = time.monotonic()
        if chat % BLOCKED_EVERY == 0:
            self.counts["403"] += 1
            return ApiError(403, "Forbidden: bot was blocked by the user")
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        while self._last_by_chat:
            oldest_chat, oldest = next(iter(self._last_by_chat.items()))
            if now - oldest < 1.0:
                break
            del self._last_by_chat[oldest_chat]
        if len(self._window) >= self._limit:
            self.counts["429 over the global limit"] += 1
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if chat in self._last_by_chat:
            self.counts["429 over the per-chat limit"] += 1
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if self._rng.random() < self._p429:
            self.counts["429 injected"] += 1
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._window.append(now)
        self._last_by_chat[chat] = now
        return None

    def _store(self, chat_id: int, body: dict[str, Any]) -> dict[str, Any]:
        if chat_id == STAFF_ID or chat_id >= ASKER_BASE:
            return super()._store(chat_id, body)
        os.write(self._log, f"{chat_id} {time.time():.4f}\n".encode())
        self.counts["delivered"] += 1
        return {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
            "text": body.get("text", ""),
        }


class SimulatedNetwork(BaseRequest):
    """40–80 ms per call, then the fake Telegram answers."""

    def __init__(self, telegram: SimulatedTelegram, delay: tuple[float, float], seed: int) -> None:
        self.telegram = telegram
        self._delay = delay
        self._rng = random.Random(seed)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        await asyncio.sleep(self._rng.uniform(*self._delay))
        try:
            return await self.telegram.do_request(url, method, request_data)
        finally:
            self.telegram.calls.clear()


# -- the child: one bot process ----------------------------------------------------------------


def _settings(db_path: Path, rate: float) -> Settings:
    return Settings(
        token="123456:BENCH-abcdefghijklmnopqrstuvwxyz",
        database_path=str(db_path),
        staff_ids=frozenset({STAFF_ID}),
        broadcast_rate=rate,
    )


async def child(args: argparse.Namespace) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter("ignore")
    rss_start = rss_kib()
    services = await Services.start(_settings(Path(args.db), args.rate))
    telegram = SimulatedTelegram(Path(args.log), args.telegram_limit, args.p429, args.seed)
    network = SimulatedNetwork(telegram, (0.04, 0.08), args.seed + 1)
    result: dict[str, Any] = {"rss_after_start_kib": rss_kib(), "rss_at_exec_kib": rss_start}
    if args.baseline:
        result.update(await _baseline(args, services, network))
        await services.close()
        result["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result["telegram"] = dict(telegram.counts)
        return result
    application = build_application(services.settings, services, request=network)
    latencies: list[float] = []
    async with application:
        broadcast = await services.broadcasts.get(args.broadcast_id)
        assert broadcast is not None
        progress = await application.bot.send_message(STAFF_ID, "progress")
        await services.broadcasts.set_progress_message(broadcast.id, progress.message_id)
        started = time.monotonic()
        sender = start_sender(application)
        asker = asyncio.create_task(_ask_questions(application, latencies))
        while True:
            await asyncio.sleep(0.5)
            row = await services.broadcasts.get(broadcast.id)
            if row is not None and row.status == "done" and row.reported_at:
                break
        elapsed = time.monotonic() - started
        asker.cancel()
        await sender.stop()
    await services.close()
    stats = sender.stats
    result.update(
        {
            "elapsed": elapsed,
            "sent": stats.sent,
            "blocked": stats.blocked,
            "failed": stats.failed,
            "rate_limited": stats.rate_limited,
            "paused_seconds": stats.paused_seconds,
            "recovered": stats.recovered,
            "claim_size": sender.claim_size,
            "max_in_flight": sender.max_in_flight,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "telegram": dict(telegram.counts),
            "answers": len(latencies),
            "answer_p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "answer_max_ms": 1000 * max(latencies) if latencies else None,
        }
    )
    return result


async def _ask_questions(application: Any, latencies: list[float]) -> None:
    """Users asking the bot questions while it broadcasts: how long until they are answered."""
    updates = UpdateFactory()
    for number in range(10**9):
        user = {
            "id": ASKER_BASE + number % ASKERS,
            "is_bot": False,
            "first_name": "Asker",
            "language_code": "id",
        }
        payload = updates.message(user, QUESTIONS[number % len(QUESTIONS)])
        started = time.monotonic()
        await application.process_update(Update.de_json(payload, application.bot))
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(QUESTION_INTERVAL)


async def _baseline(
    args: argparse.Namespace, services: Services, network: SimulatedNetwork
) -> dict[str, Any]:
    """What a handler-style loop would do: send to everyone, no pacing, no retries."""
    bot = Bot("123456:BENCH-abcdefghijklmnopqrstuvwxyz", request=network)
    chats = list(range(1, args.recipients + 1))
    errors: Counter[str] = Counter()
    semaphore = asyncio.Semaphore(args.burst_in_flight)

    async def send(chat: int) -> None:
        async with semaphore:
            try:
                await bot.send_message(chat, "Pelatihan SIYB baru!")
            except TelegramError as error:
                errors[type(error).__name__] += 1

    started = time.monotonic()
    if args.baseline == "sequential":
        for chat in chats:
            await send(chat)
    else:
        await asyncio.gather(*(send(chat) for chat in chats))
    return {"elapsed": time.monotonic() - started, "errors": dict(errors)}


# -- the parent: set up, run, kill, count ----------------------------------------------------


async def setup(db_path: Path, recipients: int) -> int:
    """``recipients`` subscribers (ids 1..n) and one broadcast to all; returns its id."""
    services = await Services.start(_settings(db_path, 25))
    try:
        now = iso(SystemClock().now())
        await fixtures.add_subscribers(services.db, [(STAFF_ID, "en")], (), now)
        for start in range(1, recipients + 1, SEED_CHUNK):
            users = [
                (user, "en" if user % 3 == 0 else "id")
                for user in range(start, min(start + SEED_CHUNK, recipients + 1))
            ]
            await fixtures.add_subscribers(services.db, users, ("trainings",), now)
        broadcast = await services.broadcasts.create(
            STAFF_ID,
            {"id": "<b>Pelatihan SIYB</b> baru di Makassar!", "en": "<b>New SIYB</b> training!"},
            "id",
            Audience(AudienceKind.ALL),
        )
        return broadcast.id
    finally:
        await services.close()


async def db_counts(db_path: Path, broadcast_id: int) -> dict[str, int]:
    services = await Services.start(_settings(db_path, 25))
    try:
        return await broadcast_table.counts(services.db, broadcast_id)
    finally:
        await services.close()


def spawn(arguments: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", *arguments],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"child failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def read_log(log_path: Path) -> tuple[Counter[int], list[float]]:
    per_chat: Counter[int] = Counter()
    times: list[float] = []
    if log_path.exists():
        for line in log_path.read_text().splitlines():
            chat, moment = line.split()
            per_chat[int(chat)] += 1
            times.append(float(moment))
    return per_chat, sorted(times)


def max_in_window(times: list[float]) -> int:
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def judge(per_chat: Counter[int], recipients: int) -> tuple[int, int, int]:
    """(expected, lost, duplicates): every user not blocked must get exactly one."""
    expected = [user for user in range(1, recipients + 1) if user % BLOCKED_EVERY != 0]
    lost = sum(1 for user in expected if per_chat[user] == 0)
    duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
    return len(expected), lost, duplicates


def child_args(db: Path, log: Path, rate: float, limit: float, p429: float, bid: int) -> list[str]:
    return [
        f"--db={db}",
        f"--log={log}",
        f"--rate={rate}",
        f"--telegram-limit={limit}",
        f"--p429={p429}",
        f"--broadcast-id={bid}",
    ]


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MB"


def run_rate(args: argparse.Namespace, work: Path) -> None:
    db, log = work / "rate.db", work / "rate.log"
    bid = asyncio.run(setup(db, args.recipients))
    result = finish(spawn(child_args(db, log, args.rate, args.telegram_limit, args.p429, bid)))
    per_chat, times = read_log(log)
    expected, lost, duplicates = judge(per_chat, args.recipients)
    span = times[-1] - times[0]
    achieved = (len(times) - 1) / span
    active = (len(times) - 1) / max(1e-9, span - result["paused_seconds"])
    counts = asyncio.run(db_counts(db, bid))
    print(f"\n1. RATE: {args.recipients:,} recipients, BROADCAST_RATE={args.rate:g}/s")
    print(
        f"   delivered {len(times):,} of {expected:,} expected ({args.recipients - expected} "
        f"had blocked the bot) in {span:.1f} s"
    )
    print(
        f"   achieved {achieved:.2f} msg/s = {100 * achieved / args.rate:.1f} % of "
        f"BROADCAST_RATE overall; {active:.2f} msg/s = {100 * active / args.rate:.1f} % "
        f"outside the {result['paused_seconds']:.0f} s of pauses Telegram ordered "
        f"({result['rate_limited']} × 429)"
    )
    print(
        f"   busiest second: {max_in_window(times)} messages "
        f"(Telegram limit {args.telegram_limit:g}); fake Telegram saw {result['telegram']}"
    )
    print(f"   lost {lost}, duplicates {duplicates}; queue rows {counts}")
    print(
        f"   users' questions answered meanwhile: {result['answers']}, median "
        f"{result['answer_p50_ms']:.0f} ms, slowest {result['answer_max_ms']:.0f} ms"
    )
    print(
        f"   peak RSS {mib(result['peak_rss_kib'])} (after start-up "
        f"{mib(result['rss_after_start_kib'])}); claim batch {result['claim_size']}, "
        f"max in flight {result['max_in_flight']}"
    )


def run_crash(args: argparse.Namespace, work: Path) -> None:
    db, log = work / "crash.db", work / "crash.log"
    bid = asyncio.run(setup(db, args.recipients))
    arguments = child_args(db, log, args.crash_rate, args.crash_limit, args.p429, bid)
    process = spawn(arguments)
    target = args.recipients // 2
    while True:
        time.sleep(0.05)
        delivered = sum(1 for _ in log.open()) if log.exists() else 0
        if delivered >= target:
            process.send_signal(signal.SIGKILL)
            process.wait()
            break
        if process.poll() is not None:
            raise SystemExit("the child finished before it could be killed")
    at_kill = asyncio.run(db_counts(db, bid))
    in_flight = at_kill.get("sending", 0)
    result = finish(spawn(arguments))
    per_chat, _ = read_log(log)
    expected, lost, duplicates = judge(per_chat, args.recipients)
    counts = asyncio.run(db_counts(db, bid))
    print(
        f"\n2. CRASH: {args.recipients:,} recipients at {args.crash_rate:g}/s "
        f"(Telegram limit {args.crash_limit:g}/s), SIGKILL after {delivered:,} deliveries"
    )
    print(
        f"   rows at the kill: {at_kill}; in flight (claimed, outcome not yet written): "
        f"{in_flight}; the restarted sender recovered {result['recovered']}"
    )
    print(
        f"   after the restart: lost {lost} of {expected:,}, duplicates {duplicates} "
        f"(bound: {in_flight} in flight) -> {'OK' if duplicates <= in_flight else 'OVER'}"
    )
    print(f"   queue rows at the end {counts}")


def run_memory(args: argparse.Namespace, work: Path) -> None:
    db, log = work / "memory.db", work / "memory.log"
    bid = asyncio.run(setup(db, args.memory_recipients))
    result = finish(
        spawn(child_args(db, log, args.memory_rate, args.memory_limit, args.memory_p429, bid))
    )
    per_chat, times = read_log(log)
    expected, lost, duplicates = judge(per_chat, args.memory_recipients)
    span = times[-1] - times[0]
    print(
        f"\n3. MEMORY: {args.memory_recipients:,} recipients queued and sent at "
        f"BROADCAST_RATE={args.memory_rate:g}/s (Telegram paid-broadcast limit "
        f"{args.memory_limit:g}/s, random 429 on {args.memory_p429:.2%} of calls)"
    )
    print(
        f"   peak RSS {mib(result['peak_rss_kib'])} (after start-up "
        f"{mib(result['rss_after_start_kib'])}); delivered {len(times):,} in {span:.1f} s "
        f"= {(len(times) - 1) / span:.0f}/s; lost {lost} of {expected:,}, duplicates "
        f"{duplicates}"
    )


def run_baselines(args: argparse.Namespace, work: Path) -> None:
    print(f"\n0. BASELINE: {args.baseline_recipients:,} recipients, same network and Telegram")
    db = work / "baseline.db"
    asyncio.run(setup(db, args.baseline_recipients))
    for kind in ("sequential", "burst"):
        log = work / f"baseline-{kind}.log"
        result = finish(
            spawn(
                [
                    *child_args(db, log, args.rate, args.telegram_limit, args.p429, 0),
                    f"--baseline={kind}",
                    f"--recipients={args.baseline_recipients}",
                ]
            )
        )
        per_chat, times = read_log(log)
        expected, lost, duplicates = judge(per_chat, args.baseline_recipients)
        label = "naive loop (sequential)" if kind == "sequential" else "naive burst (100 at once)"
        print(
            f"   {label}: delivered {len(times)} in {result['elapsed']:.1f} s = "
            f"{len(times) / result['elapsed']:.1f} msg/s, busiest second {max_in_window(times)}, "
            f"lost {lost} of {expected} ({result['errors']}), duplicates {duplicates}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, about a minute")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="BROADCAST_RATE of run 1")
    parser.add_argument("--telegram-limit", type=float, default=30.0)
    parser.add_argument("--p429", type=float, default=0.001, help="random 429s per call")
    parser.add_argument("--crash-rate", type=float, default=200.0)
    parser.add_argument("--crash-limit", type=float, default=1000.0)
    parser.add_argument("--memory-recipients", type=int, default=100_000)
    parser.add_argument("--memory-rate", type=float, default=1000.0)
    parser.add_argument("--memory-limit", type=float, default=1000.0)
    parser.add_argument(
        "--memory-p429",
        type=float,
        default=0.0001,
        help="random 429s in run 3 (each pauses the sender a second: fewer keep it short)",
    )
    parser.add_argument("--baseline-recipients", type=int, default=600)
    parser.add_argument("--only", choices=("baseline", "rate", "crash", "memory"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    parser.add_argument("--broadcast-id", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", choices=("sequential", "burst"), help=argparse.SUPPRESS)
    parser.add_argument("--burst-in-flight", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args))))
        return
    if args.quick:
        args.recipients, args.memory_recipients, args.baseline_recipients = 1500, 10_000, 200
    print(
        f"bench_broadcast: network delay 40-80 ms per call, 1 in {BLOCKED_EVERY} users blocked "
        f"the bot (403), random 429 (retry_after=1) on {args.p429:.1%} of calls"
    )
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as directory:
        work = Path(directory)
        runs = {
            "baseline": run_baselines,
            "rate": run_rate,
            "crash": run_crash,
            "memory": run_memory,
        }
        for name, run in runs.items():
            if args.only in (None, name):
                run(args, work)


if __name__ == "__main__":
    main()
