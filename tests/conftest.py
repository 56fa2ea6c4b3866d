from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.app import build_application
from bot.config import Settings
from bot.services import Services
from telegram_io.offline import OfflineBotAPI
from tests.backends import database_backend, skip_other_backend
from tests.harness import FakeClock, Harness

__all__ = ["database_backend"]  # an autouse fixture: the PostgreSQL pass (tests/backends.py)

STAFF_ID = 900_001


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_other_backend(items)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(tmp_path / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
    )


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    services = await Services.start(settings, clock=clock)
    yield services
    await services.close()


@pytest.fixture
async def harness(services: Services) -> AsyncIterator[Harness]:
    api = OfflineBotAPI()
    application = build_application(services.settings, services, request=api)
    async with application:
        yield Harness(application, api)
