"""How the bot's screens look: message HTML and inline keyboards, in the update's locale."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.knowledge.entries import Entry
from bot.smalltalk import Chatter
from bot.text import escape
from handlers import callbacks as cb
from handlers import training_callbacks as tcb
from handlers.context import BotContext

ENTRIES_PER_PAGE = 8
"""Buttons per topic page: more than this scrolls off a phone screen."""
MAX_RELATED_BUTTONS = 3


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def topic_name(context: BotContext, topic: str) -> str:
    names = {
        "bhr": context._("Business & Human Rights"),
        "partnership": context._("Partnerships"),
        "training": context._("Training programmes"),
        "about": context._("About this bot"),
    }
    return names.get(topic, topic)


def main_menu(context: BotContext) -> InlineKeyboardMarkup:
    _ = context._
    return InlineKeyboardMarkup(
        [
            [button("⚖️ " + topic_name(context, "bhr"), cb.pack(cb.TOPIC, "bhr", 0))],
            [button("🩺 " + _("Business & human rights self-check"), cb.SELFCHECK)],
            [
                button(
                    "🤝 " + topic_name(context, "partnership"), cb.pack(cb.TOPIC, "partnership", 0)
                )
            ],
            [button("🎓 " + topic_name(context, "training"), cb.pack(cb.TOPIC, "training", 0))],
            [button("💬 " + _("Ask staff a question"), cb.ASK_STAFF)],
            [
                button("🔔 " + _("Announcements"), cb.SUBSCRIBE),  # topics, opt-in
                button("🌐 " + _("Language"), cb.LANGUAGE),
            ],
        ]
    )


def back_to_menu(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button("🏠 " + context._("Main menu"), cb.MENU)]])


def chatter_reply(context: BotContext, chatter: Chatter) -> str:
    """A short, friendly answer to small talk, pointing back to what the bot is for."""
    _ = context._
    replies = {
        Chatter.THANKS: _(
            "You're welcome! 😊 If you have another question about your business, just type it."
        ),
        Chatter.GREETING: _(
            "Hello! 👋 Type your question in your own words, or open the menu to browse topics."
        ),
        Chatter.ACK: _("👍 If you have another question, just type it."),
        Chatter.GOODBYE: _("Goodbye, and good luck with your business! Come back any time. 👋"),
        Chatter.BOT: _(
            "Yes, I am a bot of the ministry's SME outreach. I answer from checked sources; "
            "what I cannot answer, our staff answer here in this chat."
        ),
        Chatter.NUMBER: _(
            "To choose, please tap one of the buttons under a message. Or type your question "
            "in words."
        ),
    }
    return escape(replies[chatter])


def language_menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(LANGUAGE_NAMES[locale], cb.pack(cb.LANGUAGE, locale)) for locale in LOCALES]]
    )


def topic_page(
    context: BotContext, topic: str, entries: list[Entry], page: int
) -> tuple[str, InlineKeyboardMarkup]:
    entries = sorted(entries, key=lambda entry: entry.text(context.locale).title.casefold())
    pages = max(1, -(-len(entries) // ENTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
    rows = [
        [button(entry.text(context.locale).title, cb.pack(cb.ENTRY, entry.id))] for entry in shown
    ]
    paging = []
    if page > 0:
        paging.append(button("◀️", cb.pack(cb.TOPIC, topic, page - 1)))
    if page < pages - 1:
        paging.append(button("▶️", cb.pack(cb.TOPIC, topic, page + 1)))
    if paging:
        rows.append(paging)
    if topic == "training":
        rows.append([button("📅 " + context._("Upcoming trainings"), tcb.TRAININGS)])
    rows.append([button("🏠 " + context._("Main menu"), cb.MENU)])
    html = f"<b>{escape(topic_name(context, topic))}</b>\n" + context._(
        "Choose a subject, or just type your question."
    )
    if pages > 1:
        html += f" ({page + 1}/{pages})"
    return html, InlineKeyboardMarkup(rows)


def entry_screen(
    context: BotContext,
    entry: Entry,
    related: list[Entry],
    *,
    details: bool = False,
    inquiry_id: int | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """An entry as a message: its answer (or full details) with feedback and next steps."""
    return (
        entry_html(context, entry, details=details),
        entry_keyboard(context, entry, related, details=details, inquiry_id=inquiry_id),
    )


def entry_html(context: BotContext, entry: Entry, *, details: bool = False) -> str:
    text = entry.text(context.locale)
    parts = [f"<b>{escape(text.title)}</b>", escape(text.answer)]
    if details and text.details:
        parts.append(escape(text.details))
    if details:
        sources = "\n".join(
            f'• <a href="{escape(source.url)}">{escape(source.title)}</a>'
            for source in entry.sources
        )
        if sources:  # entries staff wrote in the bot have none
            heading = context._("Sources")
            parts.append(f"<i>{escape(heading)}</i>\n{sources}")
        parts.append(
            "<i>" + escape(context._("Last reviewed: {date}").format(date=entry.reviewed)) + "</i>"
        )
    return "\n\n".join(parts)


def entry_keyboard(
    context: BotContext,
    entry: Entry,
    related: list[Entry],
    *,
    details: bool = False,
    inquiry_id: int | None = None,
) -> InlineKeyboardMarkup:
    _ = context._
    rows = []
    if inquiry_id is not None:
        rows.append(
            [
                button(_("👍 Helpful"), cb.pack(cb.FEEDBACK, inquiry_id, 1)),
                button(_("👎 Not helpful"), cb.pack(cb.FEEDBACK, inquiry_id, 0)),
            ]
        )
    if not details:
        rows.append([button("📖 " + _("More detail and sources"), cb.pack(cb.DETAILS, entry.id))])
    rows.extend(
        [button("↪️ " + other.text(context.locale).title, cb.pack(cb.ENTRY, other.id))]
        for other in related[:MAX_RELATED_BUTTONS]
    )
    rows.append(
        [
            button("◀️ " + topic_name(context, entry.topic), cb.pack(cb.TOPIC, entry.topic, 0)),
            button("🏠 " + _("Main menu"), cb.MENU),
        ]
    )
    return InlineKeyboardMarkup(rows)
