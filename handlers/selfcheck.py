"""Cek Bisnis & HAM in Telegram: /cek, its buttons, ``/start cek`` and staff's /cekstats.

Thin on purpose: read the update, call :mod:`bot.selfcheck`, render with
:mod:`handlers.selfcheck_view`. Nothing in callback data is trusted: the service re-checks
that the run belongs to the presser and is still open, and that the question and answer exist.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.selfcheck import Outcome, Progress, Questionnaire, red_areas_summary
from handlers import callbacks as cb
from handlers import render
from handlers import selfcheck_view as view
from handlers.context import BotContext
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


async def button(update: Update, context: BotContext) -> None:
    """Every ``ck`` button; unknown or forged data gets "this button has expired"."""
    query = update.callback_query
    assert query is not None and query.message is not None
    questionnaire = _questionnaire(context)
    if questionnaire is None or context.user_record is None:
        await query.answer()
        await _unavailable(context, query.message.chat.id)
        return
    user_id = context.user_record.id
    chat_id = query.message.chat.id
    service = context.services.selfcheck
    args = cb.unpack(query.data)
    action = args[0] if args else ""

    if action == "":
        await query.answer()
        status = await service.status(user_id)
        await _edit(query, *view.intro(context, status, len(questionnaire)))
    elif action == view.NEW and args[1:] in ([], [view.AS_NEW_MESSAGE]):
        await query.answer()
        progress = await service.start(user_id)
        await _show_question(
            query, context, progress, new_message=args[1:] == [view.AS_NEW_MESSAGE]
        )
    elif action == view.RESUME and len(args) == 1:
        await query.answer()
        await _show_question(query, context, await service.resume(user_id))
    elif action == view.ANSWER and len(args) == 4 and _run_id(args[1]) is not None:
        answer = view.ANSWER_CODES.get(args[3])
        if answer is None:
            await query.answer(context._("This button has expired."))
            return
        answered = await service.answer(user_id, int(args[1]), args[2], answer)
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
        await _edit(query, view.finished(context, len(questionnaire)), None)
        await _send_result(context, chat_id, user_id, later=False)
    elif action == view.SHOW and len(args) == 3 and _run_id(args[1]) is not None:
        progress = await service.show(user_id, int(args[1]), args[2])
        if progress is None:
            await query.answer(context._("This button has expired."))
            return
        await query.answer()
        await _show_question(query, context, progress)
    elif action == view.PAUSE and len(args) == 1:
        await query.answer()
        status = await service.status(user_id)
        if status.progress is None:  # finished or deleted meanwhile: offer what there is
            await _edit(query, *view.intro(context, status, len(questionnaire)))
            return
        await _edit(query, *view.paused(context, status.progress.answered, len(questionnaire)))
    elif action == view.RESULT and len(args) == 1:
        await query.answer()
        await _send_result(context, chat_id, user_id, later=True)
    elif action == view.DELETE and len(args) == 1:
        await query.answer()
        html, keyboard = view.delete_question(context)
        await send_html(context.bot, chat_id, html, keyboard)
    elif action == view.DELETE and args[1:] == [view.CONFIRM]:
        await query.answer()
        count = await service.delete(user_id)
        await _edit(query, view.deleted(context, count), render.back_to_menu(context))
    elif action == view.KEEP and len(args) == 1:
        await query.answer()
        await _edit(query, view.kept(context), render.back_to_menu(context))
    else:
        await query.answer(context._("This button has expired."))


async def stats(update: Update, context: BotContext) -> None:
    """/cekstats, staff only: which areas SMEs most often score red (anonymous)."""
    assert update.effective_chat is not None
    if not context.is_staff:
        await send_html(
            context.bot,
            update.effective_chat.id,
            context._("I don't know that command. Here is what I can do:"),
            render.main_menu(context),
        )
        return
    await send_html(context.bot, update.effective_chat.id, await stats_section(context))


async def stats_section(context: BotContext) -> str:
    """The self-check's part of the staff statistics (/stats, /cekstats), as HTML."""
    rows = await red_areas_summary(context.services.db)
    return view.stats_section(context, _questionnaire(context), rows)
