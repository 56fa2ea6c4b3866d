"""The web desk on the test database: an httpx client on the app, in the test's event loop,
and a Bot whose messages go to the offline Bot API (so a test sees what users receive)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram.ext import ExtBot

from bot.services import Services
from telegram_io.delivery import bot_defaults
from tests.conftest import STAFF_ID
from tests.harness import Harness

pytest.importorskip("starlette", reason="the web extra is not installed")

from web.app import create_app

SECRET = "test-secret-key-0123456789abcdefghijklmnop"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def client(services: Services, harness: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """The desk sends through the same offline Bot API as the harness's Application, so a
    test sees in ``harness.api`` what users receive from either."""
    bot = ExtBot(services.settings.token or "", request=harness.api, defaults=bot_defaults())
    app = create_app(services, bot, secret_key=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
        yield client


async def sign_in(client: httpx.AsyncClient, services: Services, user_id: int = STAFF_ID) -> str:
    """Sign in with a one-time link, as ``/web`` would send; returns the CSRF token."""
    token = await services.web_logins.issue(user_id)
    page = await client.get(f"/login/{token}")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    response = await client.post(f"/login/{token}", data={"csrf_token": csrf.group(1)})
    assert response.status_code == 303, response.text
    return await csrf_of(client)


async def csrf_of(client: httpx.AsyncClient, path: str = "/inbox") -> str:
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)
