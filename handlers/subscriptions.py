"""Announcements are opt-in: /subscribe, /unsubscribe and the menu button."""

from __future__ import annotations

from telegram import Update

from handlers import callbacks as cb
from handlers import render
from handlers.context import BotContext
from handlers.send import send_html


async def _set(update: Update, context: BotContext, subscribed: bool) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    await context.services.users.set_subscribed(context.user_record.id, subscribed)
    context.user_record = await context.services.users.get(context.user_record.id)
    if subscribed:
        html = context._(
            "🔔 You will receive announcements of trainings and programmes. "
            "Send /unsubscribe to stop at any time."
        )
    else:
        html = context._("🔕 You will no longer receive announcements.")
    await send_html(context.bot, update.effective_chat.id, html, render.back_to_menu(context))


async def subscribe(update: Update, context: BotContext) -> None:
    await _set(update, context, True)


async def unsubscribe(update: Update, context: BotContext) -> None:
    await _set(update, context, False)


async def toggle(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    args = cb.unpack(query.data)
    await _set(update, context, subscribed=bool(args) and args[0] == "on")
