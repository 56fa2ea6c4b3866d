"""Free-text questions: logged first, then answered from the knowledge base or sent to staff."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.inquiries import Asked, Question
from bot.knowledge.confidence import Verdict
from bot.knowledge.entries import Entry
from handlers import callbacks as cb
from handlers import render
from handlers.context import BotContext
from handlers.send import send_html, typing_if_slow
from handlers.staff_group import post_to_staff_group

ASK_STAFF_FLAG = "ask_staff"
"""Set by the "Ask staff" button: the user's next message goes straight to staff."""


def question_of(message: Message, context: BotContext) -> Question:
    """The user's message as the inquiry service takes it (a caption counts as text)."""
    assert context.user_record is not None
    return Question(
        user_id=context.user_record.id,
        chat_id=message.chat_id,
        message_id=message.message_id,
        locale=context.locale,
        text=message.text or message.caption or "",
    )


async def question(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and context.user_record is not None
    for_staff = bool(context.user_data.pop(ASK_STAFF_FLAG, False))
    service = context.services.inquiries
    async with typing_if_slow(context.bot, message.chat_id):
        asked = await service.ask(question_of(message, context), for_staff=for_staff)
    if asked.chatter is not None:
        await send_html(
            context.bot,
            message.chat_id,
            render.chatter_reply(context, asked.chatter),
            render.back_to_menu(context),
        )
        return
    verdict = asked.decision.verdict
    if verdict is Verdict.ANSWER:
        entry, also = asked.entries[0], list(asked.entries[1:])
        score = asked.decision.matches[0].score
        await _answer(context, message.chat_id, asked.inquiry_id, entry, score, also)
    elif verdict in (Verdict.CHOOSE, Verdict.SUGGEST):
        await _offer(context, message.chat_id, asked)
    else:
        await _handed_over(context, message.chat_id, asked_for_staff=for_staff)
        await post_to_staff_group(context, asked.inquiry_id)


async def _offer(context: BotContext, chat_id: int, asked: Asked) -> None:
    """Entries to tap, and "none of these"; the inquiry waits as ``pending_choice``."""
    rows = [
        [
            render.button(
                entry.text(context.locale).title, cb.pack(cb.PICK, asked.inquiry_id, entry.id)
            )
        ]
        for entry in asked.entries
    ]
    rows.append(
        [
            render.button(
                "💬 " + context._("None of these: ask staff"),
                cb.pack(cb.PICK, asked.inquiry_id, "staff"),
            )
        ]
    )
    prompt = (
        context._("Which of these did you mean?")
        if asked.decision.verdict is Verdict.CHOOSE
        else context._("Did you mean this? Tap it to read the answer.")
    )
    try:
        await send_html(context.bot, chat_id, prompt, InlineKeyboardMarkup(rows))
    except Exception:
        best = asked.entries[0]
        await context.services.inquiries.not_delivered(
            asked.inquiry_id, best, asked.decision.matches[0].score
        )
        raise
    await context.services.inquiries.choice_offered(asked)


async def _answer(
    context: BotContext,
    chat_id: int,
    inquiry_id: int,
    entry: Entry,
    score: float | None = None,
    also: list[Entry] | None = None,
) -> None:
    """Send ``entry``'s answer; ``also`` (a part of it that scored as well) leads the related
    buttons, so the user is one tap from it."""
    knowledge = context.services.knowledge
    related = list(also or [])
    related += [
        other
        for other in map(knowledge.get, entry.related)
        if other is not None and other not in related
    ]
    html, keyboard = render.entry_screen(context, entry, related, inquiry_id=inquiry_id)
    try:
        await send_html(context.bot, chat_id, html, keyboard)
    except Exception:
        await context.services.inquiries.not_delivered(inquiry_id, entry, score)
        raise
    await context.services.inquiries.answered_automatically(inquiry_id, entry, score)


async def _handed_over(context: BotContext, chat_id: int, *, asked_for_staff: bool) -> None:
    text = (
        context._(
            "Thank you. Your question is now with our staff; they will answer you here in "
            "this chat. 🙏"
        )
        if asked_for_staff
        else context._(
            "I don't have a reliable answer to that yet, so I have passed your question to "
            "our staff. They will answer you here in this chat. 🙏"
        )
    )
    await send_html(context.bot, chat_id, text, render.back_to_menu(context))


async def ask_staff(update: Update, context: BotContext) -> None:
    """The "Ask staff" button: the next message is logged for staff without a search."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    context.user_data[ASK_STAFF_FLAG] = True
    await send_html(
        context.bot,
        query.message.chat.id,
        context._(
            "Please type your question in one message. Our staff will read it and answer you "
            "in this chat."
        ),
    )


async def pick(update: Update, context: BotContext) -> None:
    """One of the offered entries, or "none of these" (which sends the question to staff)."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    args = cb.unpack(query.data)
    service = context.services.inquiries
    inquiry_id = cb.parse_int(args[0]) if len(args) == 2 else None
    inquiry = (
        await service.get_own(inquiry_id, context.user_record.id)
        if inquiry_id is not None
        else None
    )
    if inquiry is None:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    chat_id = query.message.chat.id
    entry = context.services.knowledge.get(args[1])
    if entry is not None:
        # Shown whatever became of the question meanwhile: it is what the user asked to
        # read. Only a question still waiting is marked answered by it.
        await _answer(context, chat_id, inquiry.id, entry)
        return
    if await service.to_staff(inquiry.id) or inquiry.status == "open":
        await _handed_over(context, chat_id, asked_for_staff=True)
        await post_to_staff_group(context, inquiry.id)
    else:
        await send_html(
            context.bot,
            chat_id,
            context._("This question has already been answered."),
            render.back_to_menu(context),
        )


async def expire_choice_prompts(context: BotContext) -> int:
    """Choice prompts left untapped too long go to the staff inbox (and group); returns how
    many. Run every minute by ``smebot run``; a restart just finds them on its next sweep."""
    expired = await context.services.inquiries.expire_choices()
    for inquiry_id in expired:
        await post_to_staff_group(context, inquiry_id)
    return len(expired)


async def feedback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = cb.unpack(query.data)
    inquiry_id = cb.parse_int(args[0]) if len(args) == 2 else None
    if inquiry_id is None or args[1] not in ("0", "1"):
        await query.answer(context._("This button has expired."))
        return
    helpful = args[1] == "1"
    recorded = await context.services.inquiries.feedback(
        inquiry_id, context.user_record.id, helpful
    )
    if not recorded:
        await query.answer(context._("This button has expired."))
        return
    if helpful:
        await query.answer(context._("Thank you for your feedback!"))
    else:
        await query.answer(
            context._("Sorry about that. Our staff will look at your question and reply here."),
            show_alert=True,
        )
        await post_to_staff_group(context, inquiry_id, reopened=True)
    markup = query.message.reply_markup if query.message else None
    if markup is not None:
        rows = [
            row
            for row in markup.inline_keyboard
            if not any(str(b.callback_data or "").startswith(cb.FEEDBACK + ":") for b in row)
        ]
        with contextlib.suppress(TelegramError):  # the vote is stored; buttons are cosmetic
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
