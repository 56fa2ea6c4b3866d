"""``smebot run``: the bot on Telegram, by long polling or by webhook, until a signal."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import build_application
from bot.config import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "telegram"


def run(settings: Settings) -> None:
    """Blocks until SIGINT/SIGTERM; in-flight updates finish and the database is closed.

    python-telegram-bot's ``run_polling``/``run_webhook`` own the event loop and the signal
    handling; the Application opens the services on that loop and closes them at shutdown.
    """
    application = build_application(settings)
    if settings.webhook_url:
        logger.info("Starting in webhook mode on port %s", settings.port)
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path=WEBHOOK_PATH,
            webhook_url=f"{settings.webhook_url.rstrip('/')}/{WEBHOOK_PATH}",
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("Starting in polling mode against %s", settings.api_url)
        application.run_polling(allowed_updates=Update.ALL_TYPES)
