"""Free-text questions: logged first, then answered from the knowledge base or sent to staff."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.inquiries import Question
from bot.knowledge.entries import Entry
from bot.smalltalk import Chatter
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
    reply = TelegramReply(context, message.chat_id)
    async with typing_if_slow(context.bot, message.chat_id):
        await context.services.inquiries.handle(
            question_of(message, context), reply, for_staff=for_staff
        )


class TelegramReply:
    """:class:`bot.inquiries.Reply` as messages in the user's chat, in their language."""

    def __init__(self, context: BotContext, chat_id: int) -> None:
        self._context = context
        self._chat_id = chat_id

    async def _send(self, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        await send_html(self._context.bot, self._chat_id, html, keyboard)

    async def small_talk(self, chatter: Chatter) -> None:
        context = self._context
        await self._send(render.chatter_reply(context, chatter), render.back_to_menu(context))

    async def answer(self, inquiry_id: int, entry: Entry, also: Sequence[Entry]) -> None:
        knowledge = self._context.services.knowledge
        related = list(also)
        related += [
            other
            for other in map(knowledge.get, entry.related)
            if other is not None and other not in related
        ]
        await self._send(
            *render.entry_screen(self._context, entry, related, inquiry_id=inquiry_id)
        )

    async def offer(self, inquiry_id: int, entries: Sequence[Entry]) -> None:
        _ = self._context._
        rows = [
            [
                render.button(
                    entry.text(self._context.locale).title, cb.pack(cb.PICK, inquiry_id, entry.id)
                )
            ]
            for entry in entries
        ]
        none = cb.pack(cb.PICK, inquiry_id, "staff")
        rows.append([render.button("💬 " + _("None of these: ask staff"), none)])
        prompt = (
            _("Which of these did you mean?")
            if len(entries) > 1
            else _("Did you mean this? Tap it to read the answer.")
        )
        await self._send(prompt, InlineKeyboardMarkup(rows))

    async def handed_over(self, inquiry_id: int, *, asked_for_staff: bool) -> None:
        _ = self._context._
        text = (
            _(
                "Thank you. Your question is now with our staff; they will answer you here in "
                "this chat. 🙏"
            )
            if asked_for_staff
            else _(
                "I don't have a reliable answer to that yet, so I have passed your question to "
                "our staff. They will answer you here in this chat. 🙏"
            )
        )
        await self._send(text, render.back_to_menu(self._context))
        await post_to_staff_group(self._context, inquiry_id)

    async def already_answered(self) -> None:
        context = self._context
        await self._send(
            context._("This question has already been answered."), render.back_to_menu(context)
        )


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
    inquiry_id = cb.parse_int(args[0]) if len(args) == 2 else None
    reply = TelegramReply(context, query.message.chat.id)
    service = context.services.inquiries
    if inquiry_id is not None and await service.pick(
        inquiry_id, context.user_record.id, args[1], reply
    ):
        await query.answer()
    else:
        await query.answer(context._("This button has expired."))


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
