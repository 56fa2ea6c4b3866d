"""Browsing the knowledge base by buttons: main menu, topic pages, entries and details."""

from __future__ import annotations

from telegram import Update

from bot.knowledge.entries import MENU_TOPICS
from handlers import callbacks as cb
from handlers import render
from handlers.context import BotContext
from handlers.send import send_html


async def show_menu(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        context._("What would you like to know?"), reply_markup=render.main_menu(context)
    )


async def show_topic(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    args = cb.unpack(query.data)
    topic = args[0] if args else ""
    if topic not in MENU_TOPICS:
        await query.answer(context._("This button has expired."), show_alert=False)
        return
    page = (cb.parse_int(args[1]) if len(args) > 1 else None) or 0
    html, keyboard = render.topic_page(
        context, topic, context.services.knowledge.in_topic(topic), page
    )
    await query.answer()
    await query.edit_message_text(html, reply_markup=keyboard)


async def show_entry(update: Update, context: BotContext) -> None:
    """An entry in full; a new message so the user keeps the topic list above it."""
    query = update.callback_query
    assert query is not None and query.message is not None
    details = (query.data or "").startswith(cb.DETAILS + ":")
    args = cb.unpack(query.data)
    knowledge = context.services.knowledge
    entry = knowledge.get(args[0]) if args else None
    if entry is None:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    related = [other for other in map(knowledge.get, entry.related) if other is not None]
    html, keyboard = render.entry_screen(context, entry, related, details=details)
    await send_html(context.bot, query.message.chat.id, html, keyboard)
