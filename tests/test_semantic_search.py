"""The embedding blend switched on for the whole bot (``SEMANTIC_SEARCH=on``).

Skipped where the optional ``semantic`` extra is not installed. The first start embeds every
entry text (about 20 s here), so this module starts the bot once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from app.app import build_application
from bot.config import Settings
from bot.knowledge import semantic
from bot.knowledge.confidence import Verdict
from bot.services import Services
from db import inquiries as inquiry_table
from telegram_io.offline import OfflineBotAPI
from tests.harness import FakeClock, Harness, telegram_user, texts

pytestmark = pytest.mark.skipif(not semantic.available(), reason="the semantic extra is absent")

SITI = telegram_user(5201, "id")
PARAPHRASE = "karyawan sy lagi ngandung, kapan dia boleh cuti"
"""No word of the maternity entry's title or keywords but "cuti": BM25 alone only suggests it."""


@pytest.fixture
async def semantic_services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    services = await Services.start(dataclasses.replace(settings, semantic_search=True), clock)
    yield services
    await services.close()


async def test_a_paraphrase_is_answered_at_once_with_the_blend(
    semantic_services: Services,
) -> None:
    assert semantic_services.knowledge.semantic
    api = OfflineBotAPI()
    application = build_application(semantic_services.settings, semantic_services, request=api)
    async with application:
        harness = Harness(application, api)
        calls = await harness.send(SITI, PARAPHRASE)
    assert "hamil" in texts(calls)[0].lower()
    [inquiry] = await inquiry_table.for_user(semantic_services.db, SITI["id"])
    assert inquiry.status == "auto_answered" and inquiry.entry_id == "maternity-protection"
    # The same question without the blend is only a suggestion: the blend made the difference.
    plain = await Services.start(
        dataclasses.replace(semantic_services.settings, semantic_search=False)
    )
    try:
        assert (await plain.knowledge.consider(PARAPHRASE)).verdict is Verdict.SUGGEST
    finally:
        await plain.close()
