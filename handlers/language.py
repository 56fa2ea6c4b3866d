"""/language: the user's choice is stored and wins over what Telegram reports."""

from __future__ import annotations

from telegram import Update

from bot.i18n import LOCALES
from handlers import callbacks as cb
from handlers import render
from handlers.context import BotContext
from handlers.send import send_html


async def ask_language(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    if update.callback_query:
        await update.callback_query.answer()
    await send_html(
        context.bot,
        update.effective_chat.id,
        "🌐 Pilih bahasa / Choose your language",
        render.language_menu(),
    )


async def choose_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = cb.unpack(query.data)
    if not args or args[0] not in LOCALES:
        await ask_language(update, context)
        return
    await context.services.users.choose_language(context.user_record.id, args[0])
    context.locale = args[0]
    await query.answer()
    await query.edit_message_text(
        context._("Done: I will talk to you in English."), reply_markup=render.main_menu(context)
    )
