"""Routing messages and buttons to the user's open form (registration, /newtraining, ...).

A form's state lives in the database (:mod:`bot.forms`), not in a ``ConversationHandler``, so
a restart in the middle of one loses nothing. :class:`FormHandler` goes first in group 0 and
claims a message only when its sender has a form open (looked up in memory, which
:func:`refresh` brings up to date first when several workers share a PostgreSQL database);
everyone else's messages reach the question handler as before. Commands are never claimed:
``/cancel`` ends the form, any other command works as usual and the form waits for the next
answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler

from bot.forms import Form
from handlers import callbacks as cb
from handlers import questions, render
from handlers import training_callbacks as tcb
from handlers.context import SERVICES_KEY, BotContext
from handlers.send import send_html

CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the user gave for the current step."""

    text: str | None = None  # typed text, as plain text
    html: str | None = None  # the same text with its formatting, as Telegram HTML
    phone: str | None = None  # from the contact button: the user's own number
    foreign_contact: bool = False  # a contact that is not the user's own
    choice: str | None = None  # the value of a pressed form button


FlowStep = Callable[[Update, BotContext, Form, Answer], Awaitable[None]]
FLOWS: dict[str, FlowStep] = {}
"""Flow name → the function that takes the next answer; each flow module registers itself."""


def flow(name: str) -> Callable[[FlowStep], FlowStep]:
    def register(step: FlowStep) -> FlowStep:
        FLOWS[name] = step
        return step

    return register


class FormHandler(BaseHandler[Update, BotContext, None]):
    """Claims private messages from users with an open form (a memory lookup per message)."""

    def __init__(self, application: Application) -> None:
        super().__init__(on_message)
        self._application = application

    def check_update(self, update: object) -> bool:
        """Edits too: an edited answer the form has taken must not become a question."""
        if not isinstance(update, Update):
            return False
        message = update.message or update.edited_message
        if message is None:
            return False
        if message.chat.type != "private" or message.from_user is None:
            return False
        if message.text and message.text.startswith("/"):
            return False
        services = self._application.bot_data.get(SERVICES_KEY)
        return services is not None and services.forms.active(message.from_user.id) is not None


async def refresh(update: object, context: BotContext) -> None:
    """Before routing: on a shared database (several workers) the form table is read for the
    sender of a private message, so :class:`FormHandler`'s memory lookup sees a form that
    another worker started, moved on or finished. Nothing to do on SQLite."""
    forms = context.services.forms
    if not forms.shared or not isinstance(update, Update):
        return
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return
    await forms.refresh(message.from_user.id)


async def on_message(update: Update, context: BotContext) -> None:
    message = update.message
    if message is None:  # an edit of an answer the form has already taken: ignored, as
        return  # the form has moved on (a new message at the current step is the way)
    assert message.from_user is not None
    form = await context.services.forms.get(message.from_user.id)
    if form is None or form.flow not in FLOWS:  # erased meanwhile (/forgetme): a question
        if message.text:
            await questions.question(update, context)
        return
    if message.contact is not None:
        own = message.contact.user_id == message.from_user.id
        answer = Answer(
            phone=message.contact.phone_number if own else None, foreign_contact=not own
        )
    elif message.text is not None:
        answer = Answer(text=message.text, html=message.text_html)
    else:
        answer = Answer()
    await FLOWS[form.flow](update, context, form, answer)


async def on_choice(update: Update, context: BotContext) -> None:
    """A form button: valid only for the step it was shown at (old buttons have expired)."""
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = cb.unpack(query.data)
    form = await context.services.forms.get(context.user_record.id)
    if args == [CANCEL]:
        await query.answer()
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        await cancel(update, context)
        return
    if form is None or form.flow not in FLOWS or len(args) != 2 or args[0] != form.step:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    with contextlib.suppress(TelegramError):  # one press per question
        await query.edit_message_reply_markup(None)
    await FLOWS[form.flow](update, context, form, Answer(choice=args[1]))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel (or the Cancel button): close the open form, and any reply keyboard with it."""
    assert update.effective_chat is not None and context.user_record is not None
    forms = context.services.forms
    if forms.active(context.user_record.id) is None:
        text = context._("There is nothing to cancel.")
    else:
        await forms.finish(context.user_record.id)
        text = context._("Cancelled. Nothing was saved.")
    await context.bot.send_message(
        update.effective_chat.id, text, reply_markup=ReplyKeyboardRemove()
    )
    await send_html(
        context.bot,
        update.effective_chat.id,
        context._("What would you like to know?"),
        render.main_menu(context),
    )


def keyboard(
    context: BotContext,
    step: str,
    choices: Sequence[Sequence[tuple[str, str]]] = (),
    *,
    cancel_button: bool = True,
) -> InlineKeyboardMarkup:
    """Buttons ``(label, value)`` for ``step``, in rows, and a Cancel row."""
    rows = [
        [render.button(label, cb.pack(tcb.FORM, step, value)) for label, value in row]
        for row in choices
    ]
    if cancel_button:
        rows.append([render.button("✖️ " + context._("Cancel"), cb.pack(tcb.FORM, CANCEL))])
    return InlineKeyboardMarkup(rows)


async def ask(
    context: BotContext,
    chat_id: int,
    html: str,
    step: str,
    choices: Sequence[Sequence[tuple[str, str]]] = (),
) -> None:
    await send_html(context.bot, chat_id, html, keyboard(context, step, choices))
