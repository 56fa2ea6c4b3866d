"""The composition root: a python-telegram-bot ``Application`` wired to our services.

This is the one module of ``bot`` that knows the ``handlers`` package: it plugs the thin
Telegram adapters onto the services, and is used alike by ``smebot run``, ``smebot chat``
and the tests (which pass a fake Bot API as ``request``).
"""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.config import Settings
from bot.i18n import LOCALES, N_
from bot.services import Services
from handlers.context import SERVICES_KEY, BotContext
from handlers.routes import register

logger = logging.getLogger(__name__)

USER_COMMANDS = (
    ("start", N_("Start and main menu")),
    ("menu", N_("Topics and buttons")),
    ("help", N_("How to use this bot")),
    ("language", N_("Bahasa Indonesia or English")),
    ("subscribe", N_("Receive training announcements")),
    ("unsubscribe", N_("Stop announcements")),
)


SETTINGS_KEY = "settings"
OWNS_SERVICES_KEY = "owns_services"


def build_application(
    settings: Settings, services: Services | None = None, request: BaseRequest | None = None
) -> Application:
    """The bot's Application; without ``services`` it opens its own in ``post_init``.

    ``run_polling`` owns the event loop, and the database connection must live on that loop,
    so ``smebot run`` lets the Application open (and at shutdown close) the services.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.token or "0:offline")
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_start)
        .post_shutdown(_stop)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data[SETTINGS_KEY] = settings
    if services is not None:
        application.bot_data[SERVICES_KEY] = services
    register(application)
    return application


async def _start(application: Application) -> None:
    if SERVICES_KEY not in application.bot_data:
        application.bot_data[SERVICES_KEY] = await Services.start(
            application.bot_data[SETTINGS_KEY]
        )
        application.bot_data[OWNS_SERVICES_KEY] = True
    await set_command_menus(application)


async def _stop(application: Application) -> None:
    if application.bot_data.get(OWNS_SERVICES_KEY):
        await application.bot_data[SERVICES_KEY].close()
        logger.info("Database closed")


async def set_command_menus(application: Application) -> None:
    """One command menu per language; Telegram shows users the one matching their app."""
    catalogs = application.bot_data[SERVICES_KEY].catalogs
    default_locale = application.bot_data[SERVICES_KEY].settings.default_locale
    for locale in LOCALES:
        commands = [
            BotCommand(name, catalogs.gettext(locale, description))
            for name, description in USER_COMMANDS
        ]
        await application.bot.set_my_commands(commands, language_code=locale)
        if locale == default_locale:
            await application.bot.set_my_commands(commands)
