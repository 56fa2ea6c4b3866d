"""What the error handler says and logs when the cause is outside the code: the network or disk.

* Network failures outside any update (polling while Telegram is unreachable) are expected
  during an outage and retried by python-telegram-bot: one warning line each, no traceback.
* A storage problem (read-only, full, locked, damaged database) fails every update alike: the
  user is told plainly that nothing could be saved, staff get one short sentence naming the
  problem, the administrators are alerted once per :data:`bot.faults.ALERT_INTERVAL`, and the
  log gets one traceback per interval and a single line for each further failure.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.faults import StorageProblem, Throttle, storage_problem
from handlers.context import BotContext
from handlers.send import send_html

logger = logging.getLogger(__name__)

THROTTLE_KEY = "fault_throttle"
"""``bot_data`` key of the per-process :class:`bot.faults.Throttle`."""


def _throttle(context: BotContext) -> Throttle:
    return context.application.bot_data.setdefault(THROTTLE_KEY, Throttle())


def log_error(update: object, context: BotContext) -> None:
    """Log ``context.error`` as much as it deserves (see the module docstring)."""
    error = context.error
    if update is None and isinstance(error, NetworkError):
        logger.warning("Telegram unreachable, retrying: %s", error)
        return
    problem = storage_problem(error)
    if problem is not None and not _throttle(context).allow(("log", problem)):
        logger.error("Update not handled, the database is %s: %s", problem.value, error)
        return
    logger.error("Error while handling an update", exc_info=error)


async def report_storage_problem(
    update: Update, context: BotContext, problem: StorageProblem
) -> None:
    """Tell this chat (staff: the problem; users: that nothing was saved), alert admins once."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    if context.is_staff:
        text = context._(problem.staff_message)
    else:
        text = context._(
            "Sorry, I cannot save messages at the moment because of a technical problem on our "
            "side. Please try again later."
        )
    await _send_quietly(context, chat_id, text)
    if _throttle(context).allow(("alert", problem)):
        await _alert_admins(context, problem, skip=chat_id)


async def _alert_admins(context: BotContext, problem: StorageProblem, skip: int) -> None:
    """Administrators come from ``STAFF_IDS``, not the database: it may be what failed."""
    services = context.services
    settings = services.settings
    chats = set(settings.staff_ids)
    if settings.staff_chat_id is not None:
        chats.add(settings.staff_chat_id)
    for chat_id in sorted(chats - {skip}):
        locale = settings.default_locale
        try:
            locale = services.users.locale_of(await services.users.get(chat_id))
        except Exception:  # reading may fail too; the default language will do
            logger.debug("Could not read the language of chat %s", chat_id)
        text = services.catalogs.gettext(locale, problem.staff_message)
        await _send_quietly(context, chat_id, text)


async def _send_quietly(context: BotContext, chat_id: int, text: str) -> None:
    try:
        await send_html(context.bot, chat_id, text)
    except TelegramError as error:
        logger.warning("Could not tell chat %s about the error: %s", chat_id, error)
