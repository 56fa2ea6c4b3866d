"""The last line of defence: log the traceback, tell the user politely, never show it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.faults import storage_problem
from handlers import failures
from handlers.context import BotContext
from handlers.send import send_html

logger = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    failures.log_error(update, context)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the user blocked the bot (telegram_io.api_policy noted it): nothing reaches them
    await _recover_locale(update, context)
    problem = storage_problem(context.error)
    if problem is not None:
        await failures.report_storage_problem(update, context, problem)
        return
    if context.is_staff:
        text = context._("⚠️ That did not work: {error}. Details are in the bot's log.").format(
            error=type(context.error).__name__
        )
    else:
        text = context._(
            "Sorry, something went wrong on our side. Your message has been saved; "
            "please try again in a moment."
        )
    try:
        await send_html(context.bot, update.effective_chat.id, text)
    except TelegramError:
        logger.warning("Could not tell chat %s about the error", update.effective_chat.id)


async def _recover_locale(update: Update, context: BotContext) -> None:
    """The error context is a fresh one: look the user up again, if the database lets us."""
    if update.effective_user is None:
        return
    users = context.services.users
    try:
        context.user_record = await users.get(update.effective_user.id)
        context.role = await context.services.staff.role_of(update.effective_user.id)
    except Exception:  # the database may be what failed
        logger.warning("Could not load the user to localise an error message")
        return
    context.locale = users.locale_of(context.user_record)
