"""Runs after the user is resolved and before any other handler: slows down message floods."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.flood import FloodVerdict
from handlers.context import BotContext
from handlers.questions import question_of
from handlers.send import send_html


async def guard(update: object, context: BotContext) -> None:
    """Over the limit, a text is stored for staff unanswered and handling stops here."""
    if not isinstance(update, Update) or update.message is None:
        return  # button presses are cheap and each is checked on its own; messages are not
    if context.user_record is None or context.is_staff:
        return
    verdict = context.services.flood.check(context.user_record.id)
    if verdict is FloodVerdict.ALLOW:
        return
    message = update.message
    text = message.text or message.caption
    if text and not text.startswith("/"):
        await context.services.inquiries.ask(question_of(message, context), for_staff=True)
    if verdict is FloodVerdict.WARN:
        await send_html(
            context.bot,
            message.chat_id,
            context._(
                "You are sending messages very quickly. I have saved them all; please wait a "
                "moment before sending more. 🙏"
            ),
        )
    raise ApplicationHandlerStop
