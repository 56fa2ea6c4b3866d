"""Fakes for the trainings and broadcast tests: time that sleeps instantly, a scriptable
Telegram for the sender, and quick ways to create users and trainings."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter, deque
from dataclasses import dataclass, field

from bot.broadcasts import Progress
from bot.clock import iso
from bot.sender import BroadcastSender
from bot.services import Services
from bot.trainings import Training, TrainingText
from db import fixtures
from tests.harness import FakeClock, Harness


class FakeTime:
    """``sleep`` moves the fake clock instead of waiting: hours of pacing in milliseconds."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.slept = 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # what is ready runs now, as it would in real time
        self.clock.advance(seconds=seconds)
        self.slept += seconds
        await asyncio.sleep(0)


@dataclass
class FakeTelegram:
    """The sender's send function: records (time, chat, text) or raises a scripted error."""

    clock: FakeClock
    sent: list[tuple[float, int, str]] = field(default_factory=list)
    errors_for_chat: dict[int, list[Exception]] = field(default_factory=dict)
    next_errors: deque[Exception] = field(default_factory=deque)
    calls: int = 0

    async def __call__(self, chat_id: int, html: str) -> None:
        self.calls += 1
        errors = self.errors_for_chat.get(chat_id)
        if errors:
            raise errors.pop(0)
        if self.next_errors:
            raise self.next_errors.popleft()
        self.sent.append((self.clock.now().timestamp(), chat_id, html))

    def per_chat(self) -> Counter[int]:
        return Counter(chat for _, chat, _ in self.sent)

    def times(self) -> list[float]:
        return sorted(moment for moment, _, _ in self.sent)


@dataclass
class FakeReporter:
    progress_reports: list[Progress] = field(default_factory=list)
    final_reports: list[Progress] = field(default_factory=list)

    async def progress(self, progress: Progress) -> None:
        self.progress_reports.append(progress)

    async def finished(self, progress: Progress) -> None:
        self.final_reports.append(progress)


def make_sender(
    services: Services,
    send: FakeTelegram,
    time: FakeTime,
    *,
    rate: float = 25.0,
    **options: object,
) -> BroadcastSender:
    return BroadcastSender(
        services.db,
        services.broadcasts,
        services.users,
        send,
        services.clock,
        rate=rate,
        sleep=time.sleep,
        **options,  # type: ignore[arg-type]
    )


async def add_users(
    services: Services,
    ids: range | list[int],
    language_code: str | None = "id",
    topics: tuple[str, ...] = ("trainings",),
) -> None:
    await fixtures.add_subscribers(
        services.db,
        [(user_id, language_code) for user_id in ids],
        topics,
        iso(services.clock.now()),
    )


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most messages in any ``window`` seconds (sliding)."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def make_training(
    services: Services,
    *,
    starts_in: dt.timedelta = dt.timedelta(days=10),
    capacity: int | None = 30,
    deadline_in: dt.timedelta | None = None,
    status: str = "published",
    title: str = "SIYB Makassar",
) -> Training:
    now = services.clock.now()
    starts_at = now + starts_in
    return await services.trainings.create(
        {
            "programme": "SIYB",
            "texts": {
                "id": TrainingText(f"Pelatihan {title}", "Deskripsi pelatihan."),
                "en": TrainingText(f"Training {title}", "About the training."),
            },
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=7),
            "timezone": "WITA",
            "place": "Aula Dinas Koperasi, Makassar",
            "online_url": None,
            "organiser": "Dinas Koperasi dan UKM",
            "capacity": capacity,
            "deadline": now + deadline_in if deadline_in else None,
            "status": status,
        },
        created_by=None,
    )


class Steps:
    """Drive a harness as a person would: a couple of seconds between actions, so the flood
    guard (which uses the same fake clock) sees a human pace."""

    def __init__(self, harness: Harness, clock: FakeClock) -> None:
        self.harness = harness
        self.clock = clock

    async def send(self, user: dict, text: str):
        self.clock.advance(seconds=3)
        return await self.harness.send(user, text)

    async def press(self, user: dict, label: str):
        self.clock.advance(seconds=3)
        return await self.harness.press(user, label)

    async def press_data(self, user: dict, data: str):
        self.clock.advance(seconds=3)
        return await self.harness.press_data(user, data)

    async def feed(self, payload: dict):
        self.clock.advance(seconds=3)
        return await self.harness.feed(payload)
