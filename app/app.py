"""The composition root: a python-telegram-bot ``Application`` wired to our services.

This is the one module of the shell that knows the ``handlers`` package: it plugs the thin
Telegram adapters onto the services, and is used alike by ``smebot run``, ``smebot chat``
and the tests (which pass a fake Bot API as ``request``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from app.commands import USER_COMMANDS
from bot.config import Settings
from bot.i18n import LOCALES
from bot.sender import BroadcastSender
from bot.services import Services
from handlers.broadcast import TelegramReporter
from handlers.context import SERVICES_KEY, BotContext
from handlers.questions import expire_choice_prompts
from handlers.routes import register
from handlers.staff import set_staff_menu
from telegram_io.api_policy import ApiPolicy
from telegram_io.delivery import bot_defaults, sender_bot, telegram_sender
from telegram_io.updates import PerUserUpdateProcessor

logger = logging.getLogger(__name__)


SETTINGS_KEY = "settings"
OWNS_SERVICES_KEY = "owns_services"
RETENTION_TASK_KEY = "retention_task"
CHOICE_TASK_KEY = "choice_expiry_task"
CHOICE_SWEEP_SECONDS = 60
"""How often untapped choice prompts are looked for: a question waits at most this long
beyond ``CHOICE_TIMEOUT_MINUTES`` before staff see it."""
SENDER_KEY = "broadcast_sender"


def build_application(
    settings: Settings, services: Services | None = None, request: BaseRequest | None = None
) -> Application:
    """The bot's Application; without ``services`` it opens its own in ``post_init``.

    ``run_polling`` owns the event loop, and the database connection must live on that loop,
    so ``smebot run`` lets the Application open (and at shutdown close) the services.
    """
    api_policy = ApiPolicy()
    builder = (
        ApplicationBuilder()
        .token(settings.token or "0:offline")
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .defaults(bot_defaults())
        .post_init(_start)
        .post_stop(_stop_sender)
        .post_shutdown(_stop)
        .rate_limiter(api_policy)
        .concurrent_updates(PerUserUpdateProcessor())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    api_policy.on_blocked = functools.partial(_mark_blocked, application)
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
    services = application.bot_data[SERVICES_KEY]
    if application.bot_data.get(OWNS_SERVICES_KEY):
        # The bot's own process (smebot run): purge now and then daily while it runs.
        # Elsewhere (the offline chat, tests) the services are shared: purge once at start.
        application.bot_data[RETENTION_TASK_KEY] = asyncio.create_task(
            services.privacy.run_daily(), name="retention"
        )
        application.bot_data[CHOICE_TASK_KEY] = asyncio.create_task(
            _expire_choices_periodically(application), name="choice-expiry"
        )
        start_sender(application)  # broadcasts and reminders; not in the chat or tests
    else:
        await services.privacy.purge_expired()
    try:
        await set_command_menus(application)
    except TelegramError as error:  # cosmetic, and Telegram keeps the last menus it was given
        logger.warning("Could not set the command menus: %s", error)


async def _stop_sender(application: Application) -> None:
    """Stop the broadcast sender while the HTTP pool is still open, so messages in flight
    finish (and are recorded) instead of failing as network errors."""
    sender = application.bot_data.pop(SENDER_KEY, None)
    if sender is not None:
        await sender.stop()


async def _stop(application: Application) -> None:
    await _stop_sender(application)  # no-op if post_stop already did it
    for key in (RETENTION_TASK_KEY, CHOICE_TASK_KEY):
        task = application.bot_data.pop(key, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if application.bot_data.get(OWNS_SERVICES_KEY):
        await application.bot_data[SERVICES_KEY].close()
        logger.info("Database closed")


async def _expire_choices_periodically(application: Application) -> None:
    """Send untapped choice prompts to staff, every :data:`CHOICE_SWEEP_SECONDS`."""
    context = BotContext(application)
    while True:
        try:
            await expire_choice_prompts(context)
        except Exception:  # a failed sweep must not end the loop; the next one retries
            logger.exception("Expiring choice prompts failed")
        await asyncio.sleep(CHOICE_SWEEP_SECONDS)


def start_sender(application: Application) -> BroadcastSender:
    """The broadcast sender as a task on the Application's loop, until ``_stop``.

    It works the queue in the background (see :mod:`bot.sender`), so users' updates keep
    being answered while a broadcast of any size goes out.
    """
    services = application.bot_data[SERVICES_KEY]
    sender = BroadcastSender(
        services.db,
        services.broadcasts,
        services.users,
        telegram_sender(sender_bot(application.bot, services.settings.api_url)),
        services.clock,
        rate=services.settings.broadcast_rate,
        reporter=TelegramReporter(application),
        planner=services.reminders,
        worker=services.settings.worker_name,
    )
    application.bot_data[SENDER_KEY] = sender
    sender.start()
    return sender


async def _mark_blocked(application: Application, user_id: int) -> None:
    """Telegram answered 403 for a user's chat: they blocked the bot.

    See telegram_io.api_policy.
    """
    services = application.bot_data.get(SERVICES_KEY)
    if services is not None:
        await services.users.set_blocked(user_id, True)
        logger.info("User %s has blocked the bot; marked as blocked", user_id)


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
    services = application.bot_data[SERVICES_KEY]
    for staff_id in sorted(await services.staff.staff_ids()):
        await set_staff_menu(
            application.bot,
            catalogs,
            default_locale,
            staff_id,
            USER_COMMANDS,
            await services.staff.role_of(staff_id),
        )
