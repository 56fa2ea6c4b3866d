"""Runs after the user is resolved and before any other handler: slows down message floods."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.flood import FloodVerdict
from handlers.context import BotContext
from handlers.questions import question_of
from handlers.send import send_html


async def guard(update: object, context: BotContext) -> None:
    """Over the limit, a text is stored for staff unanswered and handling stops here."""
    query = update.callback_query if isinstance(update, Update) else None
    if query is not None and query.message is None:
        # A button on an inline-mode message: no chat to answer in, and every button
        # handler works on its message. Answered, so the spinner stops; nothing else.
        await query.answer()
        raise ApplicationHandlerStop
    # Button presses are cheap and each is checked on its own; messages are not, and an edit
    # is answered like a message. In a group only a staff reply does anything: nothing to
    # slow down there, and group chatter must not become questions (or get a reply).
    message = (update.message or update.edited_message) if isinstance(update, Update) else None
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    if context.user_record is None or context.is_staff:
        return
    verdict = await context.services.flood.check(context.user_record.id)
    if verdict is FloodVerdict.ALLOW:
        return
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
