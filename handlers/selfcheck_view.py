"""How the self-check looks: its screens as HTML and inline keyboards, in the user's locale.

Callback data (prefix ``ck``, every argument re-checked by ``handlers/selfcheck.py``):

    ck                          the intro: start, resume, last result
    ck:new | ck:new:m           start (again); ``m``: as a new message, keeping the old one
    ck:go                       resume where the user stopped
    ck:a:<run>:<question>:<a>   answer a question (a = y, p, n or u)
    ck:q:<run>:<question>       show a question again (the Back button)
    ck:pause                    stop for now
    ck:res                      send the last result again
    ck:del | ck:del:yes | ck:keep   delete the user's answers, after asking
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import parse_iso
from bot.i18n import N_
from bot.knowledge.base import KnowledgeBase
from bot.selfcheck import (
    Answer,
    Colour,
    Progress,
    Questionnaire,
    Result,
    Status,
    previous_question,
)
from bot.text import escape
from handlers import callbacks as cb
from handlers import training_callbacks as tcb
from handlers.context import BotContext
from handlers.render import button

NEW, RESUME, ANSWER, SHOW, PAUSE, RESULT, DELETE, KEEP = (
    "new",
    "go",
    "a",
    "q",
    "pause",
    "res",
    "del",
    "keep",
)
AS_NEW_MESSAGE = "m"
"""``ck:new:m``: from the result, start in a new message so the result stays in the chat."""
CONFIRM = "yes"

ANSWER_CODES = {"y": Answer.YES, "p": Answer.PARTLY, "n": Answer.NO, "u": Answer.UNSURE}
"""One letter per answer in callback data: a run id and question id must fit in 64 bytes."""
CODE_OF = {answer: code for code, answer in ANSWER_CODES.items()}
ANSWER_LABELS = {
    Answer.YES: N_("Yes"),
    Answer.PARTLY: N_("Partly"),
    Answer.NO: N_("No"),
    Answer.UNSURE: N_("Not sure"),
}
"""Neutral labels, no ticks or crosses: a question may store "no" as its good answer."""
CHOSEN = "✔️ "

COLOUR_MARKS = {Colour.RED: "🔴", Colour.AMBER: "🟡", Colour.GREEN: "🟢"}
ICON = "🩺"
MAX_ENTRY_BUTTONS = 5
"""Knowledge-base buttons under a result: the most urgent areas first; more is a wall."""
PROGRESS_DONE, PROGRESS_TODO = "▰", "▱"
LOCAL_TIME = dt.timezone(dt.timedelta(hours=7))
"""Dates are shown in WIB (UTC+7), where most users are; a date is all that is shown."""


def title(context: BotContext) -> str:
    return context._("Business & human rights self-check")


def _date(context: BotContext, stamp: str) -> str:
    day = parse_iso(stamp).astimezone(LOCAL_TIME).date()
    return format_date(day, format="long", locale=context.locale)


def _menu_button(context: BotContext) -> InlineKeyboardButton:
    return button("🏠 " + context._("Main menu"), cb.MENU)


def intro(context: BotContext, status: Status, count: int) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    parts = [
        f"{ICON} <b>{escape(title(context))}</b>",
        escape(
            _(
                "{count} short questions, about five minutes. Tap an answer: there are no "
                "wrong answers, and your result is for you alone."
            ).format(count=count)
        ),
        escape(
            _(
                "You get green, amber or red for each area (workers, safety, data, environment, "
                "suppliers and more), one concrete next step for each, and links to read more."
            )
        ),
        escape(
            _(
                "Every answer is saved at once: you can stop at any time and carry on later "
                "with /cek."
            )
        ),
    ]
    rows = []
    progress = status.progress
    if progress is not None and progress.answered:
        parts.append(
            "<b>"
            + escape(
                _("You have an unfinished check: {answered} of {count} answered.").format(
                    answered=progress.answered, count=count
                )
            )
            + "</b>"
        )
        rows.append(
            [
                button(
                    _("▶️ Resume ({answered}/{count})").format(
                        answered=progress.answered, count=count
                    ),
                    cb.pack(cb.SELFCHECK, RESUME),
                )
            ]
        )
        rows.append([button(_("🔄 Start again"), cb.pack(cb.SELFCHECK, NEW))])
    else:
        rows.append([button(_("▶️ Start"), cb.pack(cb.SELFCHECK, NEW))])
    if status.last_finished:
        parts.append(
            escape(
                _("Your last result was saved on {date}.").format(
                    date=_date(context, status.last_finished)
                )
            )
        )
        rows.append([button(_("📋 Show my last result"), cb.pack(cb.SELFCHECK, RESULT))])
    if status.last_finished or (progress is not None and progress.answered):
        rows.append([button(_("🗑 Delete my answers"), cb.pack(cb.SELFCHECK, DELETE))])
    rows.append([_menu_button(context)])
    return "\n\n".join(parts), InlineKeyboardMarkup(rows)


def question(
    context: BotContext, questionnaire: Questionnaire, progress: Progress
) -> tuple[str, InlineKeyboardMarkup]:
    """One question, its area, a progress bar; four answers, Back and Continue later."""
    _ = context._
    current = progress.question
    count = len(questionnaire)
    number = questionnaire.index(current.id) + 1
    bar = "".join(
        PROGRESS_DONE if q.id in progress.answers else PROGRESS_TODO
        for q in questionnaire.questions
    )
    html = "\n".join(
        [
            f"{ICON} <b>{escape(title(context))}</b>",
            escape(_("Question {number} of {count}").format(number=number, count=count)),
            bar,
            "",
            f"<i>{escape(questionnaire.area_name(current.area, context.locale))}</i>",
            f"<b>{escape(current.text(context.locale))}</b>",
        ]
    )
    run_id = progress.run.id
    chosen = progress.answers.get(current.id)

    def answer_button(answer: Answer) -> InlineKeyboardButton:
        label = _(ANSWER_LABELS[answer])
        return button(
            (CHOSEN if answer is chosen else "") + label,
            cb.pack(cb.SELFCHECK, ANSWER, run_id, current.id, CODE_OF[answer]),
        )

    rows = [
        [answer_button(Answer.YES), answer_button(Answer.PARTLY)],
        [answer_button(Answer.NO), answer_button(Answer.UNSURE)],
    ]
    navigation = []
    before = previous_question(questionnaire, current.id)
    if before is not None:
        navigation.append(button(_("◀️ Back"), cb.pack(cb.SELFCHECK, SHOW, run_id, before.id)))
    navigation.append(button(_("⏸ Continue later"), cb.pack(cb.SELFCHECK, PAUSE)))
    rows.append(navigation)
    return html, InlineKeyboardMarkup(rows)


def paused(context: BotContext, answered: int, count: int) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    html = escape(
        _(
            "⏸ Saved: {answered} of {count} answered. Send /cek whenever you like to carry on "
            "where you stopped."
        ).format(answered=answered, count=count)
    )
    keyboard = InlineKeyboardMarkup(
        [[button(_("▶️ Continue"), cb.pack(cb.SELFCHECK, RESUME))], [_menu_button(context)]]
    )
    return html, keyboard


def finished(context: BotContext, count: int) -> str:
    return escape(
        context._("✅ Thank you! All {count} questions answered. Here is your result:").format(
            count=count
        )
    )


def _headline(context: BotContext, result: Result) -> str:
    _ = context._
    if result.count(Colour.RED):
        return _(
            "Start with the red areas: they are the biggest risks for people and for your "
            "business."
        )
    if result.count(Colour.AMBER):
        return _("A good base. Work through the amber areas one at a time.")
    return _(
        "Well done: every area is green. Keep it up, and consider a full assessment with PRISMA."
    )


def result_html(
    context: BotContext,
    questionnaire: Questionnaire,
    result: Result,
    saved_at: str | None = None,
) -> str:
    """The whole result in one message: summary, one next step per area, where to go next."""
    _ = context._
    locale = context.locale
    counts = " · ".join(
        f"{COLOUR_MARKS[colour]} {result.count(colour)}"
        for colour in (Colour.RED, Colour.AMBER, Colour.GREEN)
    )
    head = [f"{ICON} <b>" + escape(_("Your self-check result")) + "</b>"]
    if saved_at:
        head.append(
            "<i>" + escape(_("Saved on {date}").format(date=_date(context, saved_at))) + "</i>"
        )
    head.append(
        "<b>" + escape(_("Score: {score}/100").format(score=result.score)) + f"</b> · {counts}"
    )
    head.append(escape(_headline(context, result)))
    parts = ["\n".join(head)]
    parts.extend(
        f"{COLOUR_MARKS[area.colour]} <b>{escape(area.area.name(locale))}</b>\n"
        + escape(area.advice(locale))
        for area in result.areas
    )
    if result.unsure:
        parts.append(
            "❔ "
            + escape(
                _(
                    "“Not sure” answers: {count}. They count as amber: finding out is the first "
                    "step."
                ).format(count=result.unsure)
            )
        )
    parts.append(
        "\n".join(
            [
                "<b>" + escape(_("Where to go next")) + "</b>",
                escape(
                    _(
                        "📋 For a full, formal assessment, use PRISMA, the government's free "
                        "online human rights risk assessment for businesses of any size (about "
                        "140 questions, with evidence). This check is a good start for it."
                    )
                ),
                escape(
                    _(
                        "🎓 Join a training: the ministry runs programmes for small businesses. "
                        "Tap below to see them, or turn on announcements."
                    )
                ),
                escape(_("💬 Questions about your result? Ask our staff in this chat.")),
            ]
        )
    )
    parts.append(
        "<i>"
        + escape(
            _(
                "This quick self-check is a first step, not a certificate or legal advice. Your "
                "answers are stored so you can see your result again; you can delete them at "
                "any time."
            )
        )
        + "</i>"
    )
    return "\n\n".join(parts)


def result_keyboard(
    context: BotContext, questionnaire: Questionnaire, result: Result, knowledge: KnowledgeBase
) -> InlineKeyboardMarkup:
    """Entries for the red and amber areas first, then next steps, retake and delete."""
    _ = context._
    locale = context.locale
    rows: list[list[InlineKeyboardButton]] = []
    shown: set[str] = set()
    for area in result.areas:
        if area.colour is Colour.GREEN or len(shown) >= MAX_ENTRY_BUTTONS:
            continue
        entry = next(
            (e for e in map(knowledge.get, area.entries) if e and e.id not in shown), None
        )
        if entry is None:
            continue
        shown.add(entry.id)
        rows.append(
            [
                button(
                    f"{COLOUR_MARKS[area.colour]} {entry.text(locale).title}",
                    cb.pack(cb.ENTRY, entry.id),
                )
            ]
        )
    for entry_id in questionnaire.next_entries:
        entry = knowledge.get(entry_id)
        if entry is not None and entry.id not in shown:
            shown.add(entry.id)
            rows.append([button("➡️ " + entry.text(locale).title, cb.pack(cb.ENTRY, entry.id))])
    rows.append(
        [
            button("📅 " + _("Upcoming trainings"), tcb.TRAININGS),
            button("🔔 " + _("Announcements"), cb.SUBSCRIBE),
        ]
    )
    rows.append([button("💬 " + _("Ask staff a question"), cb.ASK_STAFF)])
    rows.append(
        [
            button(_("🔄 Take the check again"), cb.pack(cb.SELFCHECK, NEW, AS_NEW_MESSAGE)),
            button(_("🗑 Delete my answers"), cb.pack(cb.SELFCHECK, DELETE)),
        ]
    )
    rows.append([_menu_button(context)])
    return InlineKeyboardMarkup(rows)


def delete_question(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    html = escape(
        _(
            "Delete all your self-check answers and results? This cannot be undone. (Anonymous "
            "counts per area, without your name, are kept for the ministry's statistics.)"
        )
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                button(_("🗑 Yes, delete"), cb.pack(cb.SELFCHECK, DELETE, CONFIRM)),
                button(_("Cancel"), cb.pack(cb.SELFCHECK, KEEP)),
            ]
        ]
    )
    return html, keyboard


def deleted(context: BotContext, count: int) -> str:
    if not count:
        return escape(context._("You have no saved self-check answers."))
    return escape(context._("🗑 Your self-check answers and results have been deleted."))


def kept(context: BotContext) -> str:
    return escape(context._("Nothing was deleted."))


def open_button(context: BotContext) -> InlineKeyboardButton:
    """A button to the self-check's intro (the main menu has its own, in render.py)."""
    return button(f"{ICON} {title(context)}", cb.SELFCHECK)


def stats_section(
    context: BotContext, questionnaire: Questionnaire | None, rows: list[tuple[str, int, int]]
) -> str:
    """Staff statistics: which areas SMEs most often score red (anonymous counts)."""
    _ = context._
    lines = [
        "📊 <b>" + escape(_("Self-check: areas most often red")) + "</b>",
        "<i>"
        + escape(
            _(
                "Anonymous counts: each SME's latest result counts once; results of users "
                "who deleted their data stay counted."
            )
        )
        + "</i>",
    ]
    if not rows:
        lines.append(escape(_("No self-check has been finished yet.")))
        return "\n".join(lines)
    for area, red, total in rows:
        name = questionnaire.area_name(area, context.locale) if questionnaire else area
        lines.append(
            "• "
            + escape(
                _("{area}: {red} of {total} red ({percent}%)").format(
                    area=name, red=red, total=total, percent=round(100 * red / total)
                )
            )
        )
    return "\n".join(lines)
