"""``smebot run``: the bot on Telegram, by long polling or by webhook, until a signal."""

from __future__ import annotations

import logging

from telegram import Update

from app.app import build_application
from bot.config import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "telegram"
BOOTSTRAP_RETRIES = -1
"""Retry reaching Telegram at start-up for ever (every 1 s, backing off to 30 s): a bot
restarted during a network outage should come up when the network does, not exit."""


def run(settings: Settings, *, unix: str | None = None) -> None:
    """Blocks until SIGINT/SIGTERM; in-flight updates finish and the database is closed.

    python-telegram-bot's ``run_polling``/``run_webhook`` own the event loop and the signal
    handling; the Application opens the services on that loop and closes them at shutdown.
    ``unix``: a worker of ``smebot run --workers`` (:mod:`app.workers`), whose webhook server
    listens on that Unix socket for the updates the parent process forwards.
    """
    application = build_application(settings)
    if settings.webhook_url and unix:
        logger.info("Starting webhook worker %s", settings.worker_name)
        application.run_webhook(
            unix=unix,
            url_path=WEBHOOK_PATH,
            webhook_url=webhook_of(settings),
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    elif settings.webhook_url:
        logger.info(
            "Starting in webhook mode on %s port %s", settings.webhook_listen, settings.port
        )
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.port,
            url_path=WEBHOOK_PATH,
            webhook_url=webhook_of(settings),
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    else:
        logger.info("Starting in polling mode against %s", settings.api_url)
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES
        )


def webhook_of(settings: Settings) -> str:
    """The URL Telegram posts updates to."""
    assert settings.webhook_url is not None
    return f"{settings.webhook_url.rstrip('/')}/{WEBHOOK_PATH}"
