"""Every access rule of the handlers: staff only, administrators only, staff forms.

A desk or admin command refused to a user gets exactly what any user gets for an unknown
command or a stale button, so the desk's existence leaks nothing; the staff flows that a user
can reach by a shared link (broadcasts, the training catalogue) say politely who they are for.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import Update

from handlers import render
from handlers.context import BotContext
from handlers.send import send_html


async def unknown_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    await send_html(
        context.bot,
        update.effective_chat.id,
        context._("I don't know that command. Here is what I can do:"),
        render.main_menu(context),
    )


Handler = Callable[[Update, BotContext], Awaitable[None]]


def staff_only(handler: Handler) -> Handler:
    """Run ``handler`` for staff; anyone else gets the ordinary answer for a user."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if context.is_staff:
            await handler(update, context)
            return
        if update.callback_query is not None:
            await update.callback_query.answer(context._("This button has expired."))
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await unknown_command(update, context)

    return guarded


def admin_only(handler: Handler) -> Handler:
    """Administrators only; staff and users get the ordinary unknown-command answer."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if context.is_admin:
            await handler(update, context)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await unknown_command(update, context)

    return guarded


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
