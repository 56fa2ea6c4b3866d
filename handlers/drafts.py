"""Knowledge-base drafts from staff answers: create, complete both languages, publish."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.drafts import Created, issues
from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.knowledge.entries import MAX_ANSWER, MAX_TITLE, Entry
from bot.text import escape
from handlers import desk_render, render
from handlers import staff_callbacks as scb
from handlers.callbacks import pack, unpack
from handlers.context import BotContext
from handlers.guards import staff_only
from handlers.send import send_html
from handlers.staff_callbacks import parse_int


def _screen(context: BotContext, entry: Entry) -> tuple[str, InlineKeyboardMarkup | None]:
    return (
        desk_render.draft_html(context, entry, issues(entry) if entry.status == "draft" else []),
        desk_render.draft_keyboard(context, entry),
    )


async def _entry_arg(update: Update, context: BotContext) -> Entry | None:
    """The draft named in the button's data, or None (and the press answered)."""
    query = update.callback_query
    assert query is not None
    args = unpack(query.data)
    entry = await context.services.drafts.get(args[0]) if args else None
    if entry is None or entry.status != "draft":
        await query.answer(context._("This button has expired."))
        return None
    return entry


@staff_only
async def from_inquiry(update: Update, context: BotContext) -> None:
    """ "Add to knowledge base" under an answered question."""
    query = update.callback_query
    assert query is not None and query.message is not None
    args = unpack(query.data)
    inquiry_id = parse_int(args[0]) if args else None
    if inquiry_id is None:
        await query.answer(context._("This button has expired."))
        return
    outcome, entry = await context.services.drafts.from_inquiry(inquiry_id)
    if entry is None:
        await query.answer(
            context._("Only a question answered by staff can become an entry."), show_alert=True
        )
        return
    await query.answer(
        context._("Draft created.") if outcome is Created.CREATED else context._("Draft exists.")
    )
    html, keyboard = _screen(context, entry)
    await send_html(context.bot, query.message.chat.id, html, keyboard)


@staff_only
async def list_drafts(update: Update, context: BotContext) -> None:
    """``/drafts``: one button per unpublished draft."""
    assert update.effective_chat is not None
    drafts = await context.services.drafts.drafts()
    if not drafts:
        html = escape(
            context._("No drafts. Under a question you answered, press “Add to knowledge base”.")
        )
        await send_html(context.bot, update.effective_chat.id, html)
        return
    rows = [
        [
            render.button(
                f"{'✅' if not issues(entry) else '📝'} {entry.text(context.locale).title}",
                pack(scb.DRAFT, entry.id),
            )
        ]
        for entry in drafts
    ]
    html = escape(context._("Knowledge-base drafts ({count}):").format(count=len(drafts)))
    await send_html(context.bot, update.effective_chat.id, html, InlineKeyboardMarkup(rows))


@staff_only
async def show(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    entry = await _entry_arg(update, context)
    if entry is None:
        return
    await query.answer()
    html, keyboard = _screen(context, entry)
    await send_html(context.bot, query.message.chat.id, html, keyboard)


@staff_only
async def ask_text(update: Update, context: BotContext) -> None:
    """ "✍️ <language>": the next message is that language's title and answer."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    args = unpack(query.data)
    entry = await _entry_arg(update, context)
    if entry is None:
        return
    language = args[1] if len(args) == 2 and args[1] in LOCALES else None
    if language is None:
        await query.answer(context._("This button has expired."))
        return
    await context.services.desk.start_kb_text(context.user_record.id, entry.id, language)
    await query.answer()
    html = escape(
        context._(
            "Send the {language} text in one message: the first line is the title (at most "
            "{title_limit} characters), the lines after it the answer (at most {answer_limit})."
        ).format(language=LANGUAGE_NAMES[language], title_limit=MAX_TITLE, answer_limit=MAX_ANSWER)
    )
    current = entry.texts.get(language)
    if current is not None:
        html += (
            "\n\n"
            + escape(context._("Now:"))
            + (
                f"\n<blockquote>{desk_render.excerpt(current.title, 200)}\n"
                + desk_render.excerpt(current.answer, desk_render.DRAFT_ANSWER_LIMIT)
                + "</blockquote>"
            )
        )
    await send_html(context.bot, query.message.chat.id, html, desk_render.cancel_keyboard(context))


async def text_received(update: Update, context: BotContext, entry_id: str, language: str) -> None:
    """The text asked for by :func:`ask_text` (called by the desk's input handler)."""
    message = update.effective_message
    assert message is not None and context.user_record is not None
    await context.services.desk.cancel(context.user_record.id)
    entry = await context.services.drafts.set_text(entry_id, language, message.text or "")
    if entry is None:
        await send_html(
            context.bot,
            message.chat_id,
            escape(context._("That draft no longer exists or is already published.")),
        )
        return
    html, keyboard = _screen(context, entry)
    await send_html(context.bot, message.chat_id, html, keyboard)


async def _redraw(query: CallbackQuery, context: BotContext, entry: Entry) -> None:
    """Show the draft's card again in place, after a change to it."""
    html, keyboard = _screen(context, entry)
    with contextlib.suppress(TelegramError):  # unchanged text, or the message is gone
        await query.edit_message_text(html, reply_markup=keyboard)


@staff_only
async def next_topic(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    entry = await _entry_arg(update, context)
    if entry is None:
        return
    entry = await context.services.drafts.next_topic(entry.id)
    await query.answer()
    if entry is not None:
        await _redraw(query, context, entry)


@staff_only
async def publish(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    entry = await _entry_arg(update, context)
    if entry is None:
        return
    published, problems = await context.services.drafts.publish(entry.id)
    if not published:
        lines = [context._("Not published yet:")]
        lines.extend(desk_render.issue_text(context, issue) for issue in problems)
        await query.answer("\n".join(lines)[:200], show_alert=True)
        return
    await query.answer(
        context._("Published: the bot answers with it from now on."), show_alert=True
    )
    entry = await context.services.drafts.get(entry.id)
    if entry is not None:
        await _redraw(query, context, entry)


@staff_only
async def delete(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    entry = await _entry_arg(update, context)
    if entry is None:
        return
    await context.services.drafts.delete(entry.id)
    await query.answer(context._("Draft deleted."))
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(escape(context._("Draft {id} deleted.").format(id=entry.id)))
