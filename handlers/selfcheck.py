"""Cek Bisnis & HAM in Telegram: /cek, its buttons, ``/start cek`` and staff's /cekstats.

Thin on purpose: read the update, call :mod:`bot.selfcheck`, render with
:mod:`handlers.selfcheck_view`. Nothing in callback data is trusted: the service re-checks
that the run belongs to the presser and is still open, and that the question and answer exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.selfcheck import (
    Outcome,
    Progress,
    Questionnaire,
    SelfCheckService,
    red_areas_summary,
)
from handlers import callbacks as cb
from handlers import render
from handlers import selfcheck_view as view
from handlers.context import BotContext
from handlers.guards import staff_only
from handlers.send import send_html

DEEP_LINK = "cek"
"""``t.me/<bot>?start=cek`` opens the self-check."""
MAX_ID_DIGITS = 18
"""A run id longer than this cannot be ours (and would overflow SQLite's integer)."""


def _run_id(text: str) -> int | None:
    """A run id from callback data: ASCII digits only (``"²".isdigit()`` is true, too)."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None


def _questionnaire(context: BotContext) -> Questionnaire | None:
    return context.services.selfcheck.questionnaire


async def _unavailable(context: BotContext, chat_id: int) -> None:
    await send_html(
        context.bot,
        chat_id,
        context._("The self-check is not available right now. Please try again later."),
        render.back_to_menu(context),
    )


async def send_intro(context: BotContext, chat_id: int) -> None:
    """The intro as a new message: /cek, ``/start cek``."""
    questionnaire = _questionnaire(context)
    if questionnaire is None or context.user_record is None:
        await _unavailable(context, chat_id)
        return
    status = await context.services.selfcheck.status(context.user_record.id)
    html, keyboard = view.intro(context, status, len(questionnaire))
    await send_html(context.bot, chat_id, html, keyboard)


async def cek(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    await send_intro(context, update.effective_chat.id)


async def _edit(query: CallbackQuery, html: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message; a double tap that changes nothing is not an error."""
    try:
        await query.edit_message_text(html, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def _show_question(
    query: CallbackQuery, context: BotContext, progress: Progress, *, new_message: bool = False
) -> None:
    questionnaire = _questionnaire(context)
    assert questionnaire is not None and query.message is not None
    html, keyboard = view.question(context, questionnaire, progress)
    if new_message:
        await send_html(context.bot, query.message.chat.id, html, keyboard)
    else:
        await _edit(query, html, keyboard)


async def _send_result(context: BotContext, chat_id: int, user_id: int, *, later: bool) -> None:
    questionnaire = _questionnaire(context)
    assert questionnaire is not None
    found = await context.services.selfcheck.last_result(user_id)
    if found is None:
        await send_html(
            context.bot,
            chat_id,
            context._(
                "You have no saved result yet. Take the check first: it takes about five minutes."
            ),
            InlineKeyboardMarkup([[view.open_button(context)]]),
        )
        return
    result, saved_at = found
    html = view.result_html(context, questionnaire, result, saved_at if later else None)
    keyboard = view.result_keyboard(context, questionnaire, result, context.services.knowledge)
    await send_html(context.bot, chat_id, html, keyboard)


@dataclass(frozen=True, slots=True)
class _Press:
    """One press of a ``ck`` button, with what every action needs."""

    query: CallbackQuery
    context: BotContext
    questionnaire: Questionnaire
    user_id: int
    chat_id: int
    args: list[str]

    @property
    def service(self) -> SelfCheckService:
        return self.context.services.selfcheck

    async def expired(self) -> None:
        await self.query.answer(self.context._("This button has expired."))


async def _intro(press: _Press) -> None:
    await press.query.answer()
    status = await press.service.status(press.user_id)
    await _edit(press.query, *view.intro(press.context, status, len(press.questionnaire)))


async def _new(press: _Press) -> None:
    await press.query.answer()
    progress = await press.service.start(press.user_id)
    as_new_message = press.args[1:] == [view.AS_NEW_MESSAGE]
    await _show_question(press.query, press.context, progress, new_message=as_new_message)


async def _resume(press: _Press) -> None:
    await press.query.answer()
    await _show_question(press.query, press.context, await press.service.resume(press.user_id))


async def _answer(press: _Press) -> None:
    query, context, args = press.query, press.context, press.args
    answer = view.ANSWER_CODES.get(args[3])
    if answer is None:
        await press.expired()
        return
    answered = await press.service.answer(press.user_id, int(args[1]), args[2], answer)
    if answered.outcome is Outcome.EXPIRED:
        await query.answer(
            context._(
                "This check has already finished or was deleted. Send /cek to start again "
                "or to see your result."
            ),
            show_alert=True,
        )
        return
    await query.answer()
    if answered.outcome is Outcome.NEXT:
        assert answered.progress is not None
        await _show_question(query, context, answered.progress)
        return
    await _edit(query, view.finished(context, len(press.questionnaire)), None)
    await _send_result(context, press.chat_id, press.user_id, later=False)


async def _show(press: _Press) -> None:
    progress = await press.service.show(press.user_id, int(press.args[1]), press.args[2])
    if progress is None:
        await press.expired()
        return
    await press.query.answer()
    await _show_question(press.query, press.context, progress)


async def _pause(press: _Press) -> None:
    await press.query.answer()
    status = await press.service.status(press.user_id)
    total = len(press.questionnaire)
    if status.progress is None:  # finished or deleted meanwhile: offer what there is
        await _edit(press.query, *view.intro(press.context, status, total))
        return
    await _edit(press.query, *view.paused(press.context, status.progress.answered, total))


async def _result(press: _Press) -> None:
    await press.query.answer()
    await _send_result(press.context, press.chat_id, press.user_id, later=True)


async def _delete(press: _Press) -> None:
    await press.query.answer()
    if press.args[1:] == [view.CONFIRM]:
        count = await press.service.delete(press.user_id)
        await _edit(
            press.query, view.deleted(press.context, count), render.back_to_menu(press.context)
        )
        return
    html, keyboard = view.delete_question(press.context)
    await send_html(press.context.bot, press.chat_id, html, keyboard)


async def _keep(press: _Press) -> None:
    await press.query.answer()
    await _edit(press.query, view.kept(press.context), render.back_to_menu(press.context))


def _valid_run(args: list[str], length: int) -> bool:
    return len(args) == length and _run_id(args[1]) is not None


_ACTIONS: dict[str, tuple[Callable[[list[str]], bool], Callable[[_Press], Awaitable[None]]]] = {
    "": (lambda args: True, _intro),
    view.NEW: (lambda args: args[1:] in ([], [view.AS_NEW_MESSAGE]), _new),
    view.RESUME: (lambda args: len(args) == 1, _resume),
    view.ANSWER: (lambda args: _valid_run(args, 4), _answer),
    view.SHOW: (lambda args: _valid_run(args, 3), _show),
    view.PAUSE: (lambda args: len(args) == 1, _pause),
    view.RESULT: (lambda args: len(args) == 1, _result),
    view.DELETE: (lambda args: args[1:] in ([], [view.CONFIRM]), _delete),
    view.KEEP: (lambda args: len(args) == 1, _keep),
}
"""The self-check's buttons: the first field of the data, whether the rest is well formed,
and what the press does."""


async def button(update: Update, context: BotContext) -> None:
    """Every ``ck`` button; unknown or forged data gets "this button has expired"."""
    query = update.callback_query
    assert query is not None and query.message is not None
    questionnaire = _questionnaire(context)
    if questionnaire is None or context.user_record is None:
        await query.answer()
        await _unavailable(context, query.message.chat.id)
        return
    args = cb.unpack(query.data)
    press = _Press(
        query, context, questionnaire, context.user_record.id, query.message.chat.id, args
    )
    route = _ACTIONS.get(args[0] if args else "")
    if route is None or not route[0](args):
        await press.expired()
        return
    await route[1](press)


@staff_only
async def stats(update: Update, context: BotContext) -> None:
    """/cekstats, staff only: which areas SMEs most often score red (anonymous)."""
    assert update.effective_chat is not None
    await send_html(context.bot, update.effective_chat.id, await stats_section(context))


async def stats_section(context: BotContext) -> str:
    """The self-check's part of the staff statistics (/stats, /cekstats), as HTML."""
    rows = await red_areas_summary(context.services.db)
    return view.stats_section(context, _questionnaire(context), rows)
