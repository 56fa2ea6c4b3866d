"""``smebot web``: the desk under uvicorn, with the services opened on uvicorn's own loop.

The database connection belongs to the event loop that opened it, so the services are
started inside ``serve`` rather than before it, and closed when uvicorn stops (SIGINT/SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.config import Settings
from bot.services import Services
from telegram_io.delivery import bot_defaults
from web.app import create_app

logger = logging.getLogger(__name__)


def make_bot(settings: Settings) -> ExtBot:
    """The bot's identity for sending answers: the same token, API server and defaults."""
    return ExtBot(
        settings.token or "0:offline",
        base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot",
        defaults=bot_defaults(),
    )


async def serve(settings: Settings, host: str, port: int) -> None:
    assert settings.web_secret_key is not None
    services = await Services.start(settings)
    bot = make_bot(settings)
    try:
        try:  # getMe: the bot's username, for the Login Widget
            await bot.initialize()
        except TelegramError as error:
            logger.warning("Telegram is not reachable (%s); the desk starts anyway", error)
        try:
            app = create_app(
                services,
                bot,
                secret_key=settings.web_secret_key,
                https_only=(settings.web_base_url or "").startswith("https://"),
            )
            config = uvicorn.Config(
                app, host=host, port=port, log_level="info", proxy_headers=True, lifespan="off"
            )
            logger.info("Web desk on http://%s:%d", host, port)
            await uvicorn.Server(config).serve()
        finally:
            with contextlib.suppress(TelegramError):
                await bot.shutdown()
    finally:
        await services.close()


def run(settings: Settings, host: str, port: int) -> None:
    asyncio.run(serve(settings, host, port))
