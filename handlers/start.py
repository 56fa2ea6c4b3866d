"""/start (with deep links), /menu and /help."""

from __future__ import annotations

from telegram import Update

from bot.knowledge.entries import MENU_TOPICS
from bot.text import escape
from handlers import render, selfcheck, trainings
from handlers.context import BotContext
from handlers.send import send_html

TRAINING_LINK = "training_"


async def start(update: Update, context: BotContext) -> None:
    """Greet, or open the topic a deep link names (``t.me/<bot>?start=bhr``)."""
    assert update.effective_chat is not None
    payload = context.args[0].lower() if context.args else ""
    if payload == selfcheck.DEEP_LINK:
        await selfcheck.send_intro(context, update.effective_chat.id)
        return
    if payload.startswith(TRAINING_LINK):  # t.me/<bot>?start=training_12
        await trainings.open_deep_link(update, context, payload.removeprefix(TRAINING_LINK))
        return
    if payload in MENU_TOPICS:
        html, keyboard = render.topic_page(
            context, payload, context.services.knowledge.in_topic(payload), 0
        )
        await send_html(context.bot, update.effective_chat.id, html, keyboard)
        return
    name = context.user_record.first_name if context.user_record else ""
    html = context._(
        "Hello {name}! 👋 I am <b>Teman UMKM</b>, the ministry's assistant for small businesses."
    ).format(name=escape(name))
    html += "\n\n" + context._(
        "Ask me about business and human rights, partnerships with larger firms, or training "
        "programmes. Choose a topic below, or just type your question in your own words."
    )
    await send_html(context.bot, update.effective_chat.id, html, render.main_menu(context))


async def menu(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    await send_html(
        context.bot,
        update.effective_chat.id,
        context._("What would you like to know?"),
        render.main_menu(context),
    )


async def help_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    html = "\n".join(
        [
            context._("<b>How to use Teman UMKM</b>"),
            "",
            context._("Type a question in your own words, for example:"),
            context._("<i>“Do micro businesses have to pay the minimum wage?”</i>"),
            "",
            context._("/menu – topics and buttons"),
            context._("/cek – five-minute self-check on business and human rights"),
            context._("/language – Bahasa Indonesia or English"),
            context._("/trainings – upcoming trainings and registration"),
            context._("/subscribe – training announcements"),
            context._("/unsubscribe – stop announcements"),
            "",
            context._(
                "If I cannot answer, your question goes to ministry staff, who reply in this chat."
            ),
        ]
    )
    await send_html(context.bot, update.effective_chat.id, html, render.back_to_menu(context))


async def expired_button(update: Update, context: BotContext) -> None:
    """A button no handler knows (from an older version of the bot, or forged): answered,
    or the user's app would show its spinner until Telegram gives up."""
    assert update.callback_query is not None
    await update.callback_query.answer(context._("This button has expired."))


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes: politely ask for text."""
    assert update.effective_chat is not None
    await send_html(
        context.bot,
        update.effective_chat.id,
        context._("I can only read text messages. Please type your question. 🙏"),
        render.back_to_menu(context),
    )
