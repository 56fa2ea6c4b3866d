"""Checks shared by the staff-only flows (broadcasts, the training catalogue)."""

from __future__ import annotations

from telegram import Update

from handlers.context import BotContext
from handlers.send import send_html


async def is_staff_or_told(update: Update, context: BotContext) -> bool:
    """True for staff; anyone else is told, on the button or in the chat, and gets False.

    The role comes from ``context``, resolved afresh for this very update, so a button pressed
    after the presser lost the role is refused too.
    """
    if context.is_staff:
        return True
    refusal = context._("This is for ministry staff only.")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal)
    elif update.effective_chat is not None:
        await send_html(context.bot, update.effective_chat.id, refusal)
    return False


async def staff_form_allowed(context: BotContext, chat_id: int) -> bool:
    """True while the form's filler is still staff; otherwise the form is ended and they are
    told. A staff form can outlive the role (``/staff remove`` mid-form), so every answer
    checks it again."""
    if context.is_staff:
        return True
    assert context.user_record is not None
    await context.services.forms.finish(context.user_record.id)
    await send_html(context.bot, chat_id, context._("This is for ministry staff only."))
    return False
