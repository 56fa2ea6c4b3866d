"""Throughput, latency, memory and start-up of the whole bot, next to a bare echo bot.

Run from the repository root::

    .venv/bin/python scripts/bench_updates.py                  # 5,000 updates, 1,000 users
    .venv/bin/python scripts/bench_updates.py --updates 20000 --profile   # needs pyinstrument

What is measured, in one run on this machine:

* **Our bot**: the real Application (all handlers, flood guard, knowledge-base retrieval,
  SQLite with its durable settings in a temporary file on the same disk as the repository)
  on :class:`telegram_io.offline.OfflineBotAPI`, fed a mixed stream from many users in rounds —
  ``/start``, a topic button, a question, an entry button, a second question — so 40 % of the
  updates are free-text questions, 40 % button presses and 20 % commands.
* **Echo bot**: a bare python-telegram-bot Application with one ``MessageHandler`` that sends
  the text back, on the same fake API, fed the same number of text messages. Its cost per
  update is the floor python-telegram-bot itself sets.
* Per update, from ``Update.de_json`` to the end of ``process_update`` (updates are handled
  one at a time, as ``smebot run`` does): updates a second, p50 and p99 latency.
* **Start-up and idle memory**: the real ``smebot run`` in a subprocess against the loopback
  Bot API server of the tests, from process start to its first long poll (once on a new
  database, then on the existing one), and its resident memory once idle.

With ``--repeat N`` each bot runs N times, alternating, and the fastest run of each is shown:
other load on the machine can only slow a run down.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters  # noqa: E402

from app.app import build_application  # noqa: E402
from bot import logs  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services import Services  # noqa: E402
from telegram_io.offline import OfflineBotAPI, UpdateFactory  # noqa: E402

TOKEN = "7212345678:AAHk3vQx9Lm2Np4Rs6Tu8Vw0Yz1Ab3Cd5Ef"
UPDATES_PER_USER = 5
QUESTIONS_DIR = ROOT / "tests" / "data" / "questions"

TARGET_UPDATES_PER_SECOND = 500.0
TARGET_COST_RATIO = 1.5
TARGET_IDLE_RSS_MB = 100.0
TARGET_STARTUP_SECONDS = 1.5
STARTUP_RUNS = 3
IDLE_SETTLE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    durations: list[float]
    kinds: list[str]
    """What each update was (``start``, ``topic``...), for the breakdown."""

    @property
    def per_second(self) -> float:
        return len(self.durations) / sum(self.durations)

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.durations) * 1000

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def by_kind(self) -> dict[str, Run]:
        kinds: dict[str, list[float]] = {}
        for kind, duration in zip(self.kinds, self.durations, strict=True):
            kinds.setdefault(kind, []).append(duration)
        return {kind: Run(kind, values, [kind] * len(values)) for kind, values in kinds.items()}


def load_questions() -> list[str]:
    questions = []
    for path in sorted(QUESTIONS_DIR.glob("*.yaml")):
        questions.extend(str(item["q"]) for item in yaml.safe_load(path.read_text()) or [])
    return questions


def _user(user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User{user_id}",
        "language_code": "id" if user_id % 3 else "en",
    }


def _button(api: OfflineBotAPI, chat_id: int, prefix: str) -> tuple[str, dict[str, Any]]:
    """The first button whose data starts with ``prefix`` on the newest keyboard that has one."""
    for message in reversed(api.messages(chat_id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if str(button.get("callback_data", "")).startswith(prefix):
                    return button["callback_data"], message
    raise LookupError(f"no {prefix} button in chat {chat_id}")


async def _timed(application: Application, payload: dict[str, Any]) -> float:
    start = time.perf_counter()
    await application.process_update(Update.de_json(payload, application.bot))
    return time.perf_counter() - start


async def bench_ours(updates: int, db_dir: Path, profile: Callable[[], Any] | None) -> Run:
    settings = Settings(token=TOKEN, database_path=str(db_dir / "bench.db"))
    services = await Services.start(settings)
    api = OfflineBotAPI()
    application = build_application(settings, services, request=api)
    factory = UpdateFactory()
    questions = itertools.cycle(load_questions())
    users = [_user(100_000 + number) for number in range(max(1, updates // UPDATES_PER_USER))]
    durations: list[float] = []
    kinds: list[str] = []

    def start(user: dict[str, Any]) -> dict[str, Any]:
        return factory.message(user, "/start")

    def topic(user: dict[str, Any]) -> dict[str, Any]:
        data, message = _button(api, user["id"], "topic:")
        return factory.callback(user, data, message)

    def entry(user: dict[str, Any]) -> dict[str, Any]:
        try:
            data, message = _button(api, user["id"], "kb:")
        except LookupError:  # the question was handed over: browse the menu instead
            data, message = _button(api, user["id"], "menu")
        return factory.callback(user, data, message)

    def question(user: dict[str, Any]) -> dict[str, Any]:
        return factory.message(user, next(questions))

    rounds: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
        start,
        topic,
        question,
        entry,
        question,
    ]
    async with application:
        profiler = profile() if profile else None
        if profiler:
            profiler.start()
        for make in rounds:
            for user in users:
                if len(durations) < updates:
                    durations.append(await _timed(application, make(user)))
                    kinds.append(make.__name__)
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    await services.close()
    return Run("Teman UMKM", durations, kinds)


async def bench_echo(updates: int) -> Run:
    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    api = OfflineBotAPI()
    application = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    factory = UpdateFactory()
    questions = itertools.cycle(load_questions())
    users = [_user(100_000 + number) for number in range(max(1, updates // UPDATES_PER_USER))]
    durations = []
    async with application:
        for user in itertools.islice(itertools.cycle(users), updates):
            durations.append(await _timed(application, factory.message(user, next(questions))))
    return Run("echo bot", durations, ["echo"] * len(durations))


@dataclass(frozen=True, slots=True)
class Startup:
    fresh_seconds: float
    warm_seconds: list[float]
    idle_rss_mb: float


def bench_startup(db_dir: Path) -> Startup:
    """The real ``smebot run`` as a subprocess, to its first long poll."""
    from tests.http_api.process import BotProcess, environment
    from tests.http_api.server import LoopbackBotAPI

    times = []
    rss_kib = 0
    with LoopbackBotAPI(TOKEN) as api:
        env = environment(api.url, TOKEN, db_dir / "startup.db", log_level="WARNING")
        for _ in range(1 + STARTUP_RUNS):
            process = BotProcess.start(db_dir, env)
            try:
                api.wait_until_polling(timeout=30, after=process.started_at)
                times.append(time.monotonic() - process.started_at)
                time.sleep(IDLE_SETTLE_SECONDS)
                rss_kib = max(rss_kib, process.rss_kib())
                if process.terminate() != 0:
                    raise RuntimeError(f"smebot did not stop cleanly:\n{process.logs()}")
            finally:
                process.ensure_stopped()
    return Startup(times[0], times[1:], rss_kib / 1024)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(ours: Run, echo: Run, startup: Startup | None) -> None:
    print(f"{'':<12}{'updates/s':>11}{'mean ms':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for run in (ours, echo):
        print(
            f"{run.name:<12}{run.per_second:>11.0f}{run.mean_ms:>10.2f}"
            f"{run.percentile_ms(0.50):>9.2f}{run.percentile_ms(0.99):>9.2f}"
        )
    for kind, run in ours.by_kind().items():
        print(
            f"  {kind:<10}{run.per_second:>11.0f}{run.mean_ms:>10.2f}"
            f"{run.percentile_ms(0.50):>9.2f}{run.percentile_ms(0.99):>9.2f}"
        )
    ratio = ours.mean_ms / echo.mean_ms
    print()
    print(
        f"throughput {ours.per_second:.0f}/s (target ≥ {TARGET_UPDATES_PER_SECOND:.0f}): "
        f"{_verdict(ours.per_second >= TARGET_UPDATES_PER_SECOND)}"
    )
    print(
        f"cost per update {ratio:.2f}× the echo bot (target ≤ {TARGET_COST_RATIO}×): "
        f"{_verdict(ratio <= TARGET_COST_RATIO)}"
    )
    if startup is None:
        return
    warm = statistics.median(startup.warm_seconds)
    print(
        f"start-up to first poll {warm:.2f} s on an existing database, "
        f"{startup.fresh_seconds:.2f} s on a new one (target < {TARGET_STARTUP_SECONDS} s): "
        f"{_verdict(max(warm, startup.fresh_seconds) < TARGET_STARTUP_SECONDS)}"
    )
    print(
        f"idle memory {startup.idle_rss_mb:.0f} MB RSS (target < {TARGET_IDLE_RSS_MB:.0f} MB): "
        f"{_verdict(startup.idle_rss_mb < TARGET_IDLE_RSS_MB)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each bot, alternating; the best is shown"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the subprocess part")
    parser.add_argument("--profile", action="store_true", help="profile our bot (pyinstrument)")
    parser.add_argument(
        "--db-dir", type=Path, default=None, help="where the database goes (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    logs.configure("WARNING")
    profile = None
    if args.profile:
        from pyinstrument import Profiler

        profile = Profiler
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.updates} updates each")
    with tempfile.TemporaryDirectory(dir=args.db_dir or ROOT, prefix=".bench-") as directory:
        db_dir = Path(directory)
        runner: Callable[[Awaitable[Run]], Run] = asyncio.run
        echoes, runs = [], []
        for repeat in range(args.repeat):  # a busy machine slows runs down, never speeds them up
            echoes.append(runner(bench_echo(args.updates)))
            run_dir = db_dir / str(repeat)
            run_dir.mkdir()
            runs.append(runner(bench_ours(args.updates, run_dir, profile)))
        echo = min(echoes, key=lambda run: run.mean_ms)
        ours = min(runs, key=lambda run: run.mean_ms)
        startup = None if args.no_startup else bench_startup(db_dir)
    report(ours, echo, startup)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
