"""Announcements are opt-in, by topic: /subscribe, /unsubscribe and the menu button.

/subscribe (or the menu's Announcements button) shows the topics with a switch each; nothing
is switched on until the user taps it. /unsubscribe switches everything off at once.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.subscriptions import TOPICS
from bot.text import escape
from handlers import callbacks as cb
from handlers import render
from handlers import training_callbacks as tcb
from handlers.context import BotContext
from handlers.send import send_html

OFF = "off"


def _screen(context: BotContext, topics: set[str]) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    rows = [
        [render.button(("✅ " if topic in topics else "⬜ ") + _(name), cb.pack(tcb.TOPIC, topic))]
        for topic, name in TOPICS.items()
    ]
    if topics:
        rows.append(
            [render.button("🔕 " + _("Stop all announcements"), cb.pack(cb.SUBSCRIBE, OFF))]
        )
    rows.append([render.button("🏠 " + _("Main menu"), cb.MENU)])
    html = (
        "🔔 <b>"
        + escape(_("Announcements"))
        + "</b>\n"
        + escape(_("Choose what you want to hear about. Tap a topic to switch it on or off."))
    )
    if topics:
        chosen = ", ".join(_(TOPICS[topic]) for topic in TOPICS if topic in topics)
        html += "\n\n" + escape(
            _("You receive: {topics}. Send /unsubscribe to stop at any time.").format(
                topics=chosen
            )
        )
    return html, InlineKeyboardMarkup(rows)


async def subscribe(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    topics = await context.services.subscriptions.topics(context.user_record.id)
    html, keyboard = _screen(context, topics)
    await send_html(context.bot, update.effective_chat.id, html, keyboard)


async def unsubscribe(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    await _stop_all(update, context)


async def _stop_all(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    await context.services.subscriptions.unsubscribe_all(context.user_record.id)
    html = escape(context._("🔕 You will no longer receive announcements."))
    html += "\n" + escape(
        context._(
            "Reminders for trainings you registered for still come; cancel the registration "
            "to stop them."
        )
    )
    await send_html(context.bot, update.effective_chat.id, html, render.back_to_menu(context))


async def toggle(update: Update, context: BotContext) -> None:
    """The menu button (``sub``) and the stop button (``sub:off``). Old ``sub:on`` buttons
    open the topic screen: subscribing is always the user's own tap on a topic."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    args = cb.unpack(query.data)
    if args == [OFF]:
        await _stop_all(update, context)
        return
    await subscribe(update, context)


async def toggle_topic(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = cb.unpack(query.data)
    if len(args) != 1 or args[0] not in TOPICS:
        await query.answer(context._("This button has expired."))
        return
    topics = await context.services.subscriptions.toggle(context.user_record.id, args[0])
    await query.answer(
        context._("Switched on.") if args[0] in topics else context._("Switched off.")
    )
    html, keyboard = _screen(context, topics)
    await query.edit_message_text(html, reply_markup=keyboard)
