"""The staff desk in Telegram: /inbox, answering (buttons, /reply, the staff group), closing.

Every entry point is wrapped in :func:`handlers.guards.staff_only`, which reads the role that
``resolve_user`` looked up for *this* update. Someone who is not staff gets exactly what any
user gets for an unknown command or a stale button, so the desk's existence leaks nothing.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ExtBot, filters

from bot.desk import MAX_ANSWER_LENGTH, Answered, Deliver, DeliveryError, Outcome
from bot.services import Services
from bot.text import escape
from db.inquiries import InquiryRecord
from db.users import UserRecord
from handlers import desk_render, drafts, questions, render
from handlers import staff_callbacks as scb
from handlers.callbacks import pack, unpack
from handlers.context import SERVICES_KEY, BotContext
from handlers.guards import staff_only
from handlers.send import send_html
from handlers.staff_callbacks import View, parse_int

logger = logging.getLogger(__name__)


# -- the inbox ---------------------------------------------------------------------------------
async def _page(context: BotContext, view: View) -> tuple[str, InlineKeyboardMarkup]:
    page = await context.services.desk.page(view.desk_filter(), view.offset)
    answered_by = None
    if page.card is not None and page.card.inquiry.answered_by is not None:
        answered_by = await context.services.users.get(page.card.inquiry.answered_by)
    return desk_render.inbox_page(context, page, view, answered_by)


@staff_only
async def inbox(update: Update, context: BotContext) -> None:
    """``/inbox [status] [topic] [language]``: the oldest matching question first."""
    assert update.effective_chat is not None
    html, keyboard = await _page(context, View.from_words(context.args or []))
    await send_html(context.bot, update.effective_chat.id, html, keyboard)


async def _view_arg(update: Update, context: BotContext, text: str | None) -> View | None:
    view = View.decode(text or "")
    if view is None and update.callback_query is not None:
        await update.callback_query.answer(context._("This button has expired."))
    return view


@staff_only
async def inbox_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    args = unpack(query.data)
    view = await _view_arg(update, context, args[0] if args else None)
    if view is None:
        return
    await query.answer()
    html, keyboard = await _page(context, view)
    with contextlib.suppress(TelegramError):  # "message is not modified" after a double tap
        await query.edit_message_text(html, reply_markup=keyboard)


async def _close(update: Update, context: BotContext, spam: bool) -> None:
    query = update.callback_query
    assert query is not None
    args = unpack(query.data)
    inquiry_id = parse_int(args[0]) if len(args) == 2 else None
    view = View.decode(args[1]) if len(args) == 2 else None
    if inquiry_id is None or view is None:
        await query.answer(context._("This button has expired."))
        return
    desk = context.services.desk
    changed = await (desk.mark_spam(inquiry_id) if spam else desk.resolve(inquiry_id))
    if not changed:
        await query.answer(context._("This question has changed meanwhile."), show_alert=True)
    elif spam:
        await query.answer(context._("Marked as spam."))
    else:
        await query.answer(context._("Marked as resolved."))
    html, keyboard = await _page(context, view)
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(html, reply_markup=keyboard)


@staff_only
async def resolve(update: Update, context: BotContext) -> None:
    await _close(update, context, spam=False)


@staff_only
async def spam(update: Update, context: BotContext) -> None:
    await _close(update, context, spam=True)


@staff_only
async def history(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    args = unpack(query.data)
    inquiry_id = parse_int(args[0]) if args else None
    found = await context.services.desk.history(inquiry_id) if inquiry_id else None
    if found is None:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    await send_html(context.bot, query.message.chat.id, desk_render.history_html(context, found))


# -- answering ---------------------------------------------------------------------------------
def deliverer(context: BotContext) -> Deliver:
    """Sends a staff answer to the user, in the user's language, with their question quoted."""
    return answer_deliverer(context.services, context.bot)


def answer_deliverer(services: Services, bot: ExtBot | Bot) -> Deliver:
    """:func:`deliverer` without an update: the web desk sends the very same message."""

    async def deliver(inquiry: InquiryRecord, user: UserRecord, answer: str) -> None:
        locale = services.users.locale_of(user)
        catalogs = services.catalogs
        html = desk_render.answer_for_user(
            lambda message: catalogs.gettext(locale, message), inquiry.question, answer
        )
        try:
            await send_html(bot, inquiry.chat_id, html)
        except Forbidden as error:
            raise DeliveryError(error.message, blocked=True) from error
        except TelegramError as error:
            raise DeliveryError(error.message) from error

    return deliver


async def report(
    context: BotContext, result: Answered, inquiry_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the staff member is told after trying to answer."""
    _ = context._
    name = result.user.first_name if result.user else ""
    keyboard = None
    if result.outcome is Outcome.SENT:
        text = "✅ " + _("Answer to question #{id} sent to {name}.").format(
            id=inquiry_id, name=name
        )
        keyboard = InlineKeyboardMarkup(
            [[render.button("📚 " + _("Add to knowledge base"), pack(scb.TO_KB, inquiry_id))]]
        )
    elif result.outcome is Outcome.TAKEN:
        inquiry = result.inquiry
        if inquiry is not None and inquiry.status == "answered":
            staff = (
                await context.services.users.get(inquiry.answered_by)
                if inquiry.answered_by
                else None
            )
            text = "⚠️ " + _(
                "Question #{id} has already been answered by {name}; your answer was not sent."
            ).format(id=inquiry_id, name=staff.first_name if staff else inquiry.answered_by)
        else:
            status = desk_render.status_name(context, inquiry.status if inquiry else None)
            text = "⚠️ " + _("Question #{id} is {status}; your answer was not sent.").format(
                id=inquiry_id, status=status
            )
    elif result.outcome is Outcome.NOT_FOUND:
        text = "⚠️ " + _(
            "Question #{id} does not exist, or its user has deleted their data."
        ).format(id=inquiry_id)
    elif result.outcome is Outcome.EMPTY:
        text = "⚠️ " + _("The answer is empty; nothing was sent.")
    elif result.outcome is Outcome.TOO_LONG:
        text = "⚠️ " + _(
            "The answer is too long (at most {limit} characters); nothing was sent."
        ).format(limit=MAX_ANSWER_LENGTH)
    elif result.outcome is Outcome.BLOCKED:
        text = "❌ " + _(
            "Not delivered: {name} has blocked the bot. Question #{id} is open again."
        ).format(id=inquiry_id, name=name)
    else:
        text = "❌ " + _(
            "Not delivered ({reason}). Question #{id} is open again; please try later."
        ).format(id=inquiry_id, reason=result.reason)
    return escape(text), keyboard


async def _answer_and_report(
    update: Update, context: BotContext, inquiry_id: int, text: str
) -> None:
    assert context.user_record is not None and update.effective_chat is not None
    result = await context.services.desk.answer(
        context.user_record.id, inquiry_id, text, deliverer(context)
    )
    html, keyboard = await report(context, result, inquiry_id)
    message = update.effective_message
    if update.effective_chat.type != "private" and message is not None:
        await message.reply_text(html, do_quote=True)
    else:
        await send_html(context.bot, update.effective_chat.id, html, keyboard)


@staff_only
async def reply_command(update: Update, context: BotContext) -> None:
    """``/reply <id> <answer>``: answered at once, no preview (the command is the intent)."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    parts = (message.text or "").split(maxsplit=2)
    inquiry_id = parse_int(parts[1]) if len(parts) > 1 else None
    if inquiry_id is None or len(parts) < 3:
        await send_html(
            context.bot,
            update.effective_chat.id,
            escape(context._("Usage: /reply 12 Your answer to question 12")),
        )
        return
    await _answer_and_report(update, context, inquiry_id, parts[2])


@staff_only
async def reply_start(update: Update, context: BotContext) -> None:
    """The Reply button: the staff member's next message becomes the draft answer."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    args = unpack(query.data)
    inquiry_id = parse_int(args[0]) if args else None
    card = (
        await context.services.desk.start_reply(context.user_record.id, inquiry_id)
        if inquiry_id
        else None
    )
    if card is None:
        await query.answer(context._("This question can no longer be answered."), show_alert=True)
        return
    await query.answer()
    html, keyboard = desk_render.reply_prompt(context, card)
    await send_html(context.bot, query.message.chat.id, html, keyboard)


@staff_only
async def cancel(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_record is not None
    await context.services.desk.cancel(context.user_record.id)
    await query.answer(context._("Cancelled."))
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(None)


async def staff_input(update: Update, context: BotContext) -> None:
    """A private text from someone with an unfinished desk step (see ``AwaitingInput``).

    The role and the step are checked again here; anything else is an ordinary question.
    """
    message = update.effective_message
    assert message is not None
    step = (
        await context.services.desk.step(context.user_record.id)
        if context.is_staff and context.user_record is not None
        else None
    )
    if step is None:
        if context.user_record is not None:
            await context.services.desk.cancel(context.user_record.id)
        await questions.question(update, context)
        return
    if step.kind == "kb_text":
        await drafts.text_received(update, context, step.entry_id or "", step.language or "")
        return
    await _draft_received(update, context, step.inquiry_id or 0, message.text or "")


async def _draft_received(update: Update, context: BotContext, inquiry_id: int, text: str) -> None:
    assert context.user_record is not None and update.effective_chat is not None
    desk = context.services.desk
    chat_id = update.effective_chat.id
    card = await desk.answerable(inquiry_id)
    if card is None or card.user is None:
        await desk.cancel(context.user_record.id)
        html, _ = await report(
            context, Answered(Outcome.TAKEN, await _get(context, inquiry_id)), inquiry_id
        )
        await send_html(context.bot, chat_id, html)
        return
    if len(text.strip()) > MAX_ANSWER_LENGTH:
        await send_html(
            context.bot,
            chat_id,
            escape(
                context._(
                    "That is {length} characters; an answer may have at most {limit}. "
                    "Please shorten it and send it again."
                ).format(length=len(text.strip()), limit=MAX_ANSWER_LENGTH)
            ),
            desk_render.cancel_keyboard(context),
        )
        return
    await desk.save_draft(context.user_record.id, text)
    locale = context.services.users.locale_of(card.user)
    catalogs = context.services.catalogs
    preview = desk_render.answer_for_user(
        lambda message: catalogs.gettext(locale, message), card.inquiry.question, text
    )
    head = escape(
        context._("👀 Preview: {name} will receive this message:").format(
            name=card.user.first_name
        )
    )
    await send_html(
        context.bot,
        chat_id,
        f"<i>{head}</i>\n\n{preview}",
        desk_render.preview_keyboard(context, card.inquiry),
    )


async def _get(context: BotContext, inquiry_id: int) -> InquiryRecord | None:
    card = await context.services.desk.card(inquiry_id)
    return card.inquiry if card else None


@staff_only
async def send(update: Update, context: BotContext) -> None:
    """The Send button under a preview: the stored draft is what gets sent."""
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = unpack(query.data)
    inquiry_id = parse_int(args[0]) if args else None
    step = await context.services.desk.step(context.user_record.id)
    if (
        inquiry_id is None
        or step is None
        or step.kind != "reply"
        or step.inquiry_id != inquiry_id
        or not step.draft
    ):
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    with contextlib.suppress(TelegramError):  # no second press while it is being sent
        await query.edit_message_reply_markup(None)
    await _answer_and_report(update, context, inquiry_id, step.draft)


# -- the staff group ---------------------------------------------------------------------------
async def group_reply(update: Update, context: BotContext) -> None:
    """A staff member's reply, in the staff group, to a question the bot posted there."""
    message = update.effective_message
    chat_id = context.services.settings.staff_chat_id
    if message is None or chat_id is None or message.chat.id != chat_id:
        return
    if not context.is_staff:
        return  # other members of the group may chat there; it is not their desk
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    inquiry_id = await context.services.desk.inquiry_of_post(chat_id, replied.message_id)
    if inquiry_id is None:
        return
    await _answer_and_report(update, context, inquiry_id, message.text or "")


class AwaitingInput(filters.MessageFilter):
    """Messages from someone the desk expects a text from (after "Reply" or "✍️ text").

    A filter must decide synchronously, so it asks the desk's in-memory set; the handler then
    re-reads the role and the step from SQLite before trusting either.
    """

    def __init__(self, application: Application) -> None:
        super().__init__(name="AwaitingInput")
        self._application = application

    def filter(self, message: Message) -> bool:
        services = self._application.bot_data.get(SERVICES_KEY)
        return bool(
            services is not None
            and message.from_user is not None
            and services.desk.awaiting_input(message.from_user.id)
        )
