"""How trainings look: the list, one training for users, and its staff screen."""

from __future__ import annotations

import datetime as dt
import html

from telegram import InlineKeyboardMarkup

from bot.text import escape
from bot.trainings import Training, format_moment, format_short_date, format_when
from handlers import callbacks as cb
from handlers import training_callbacks as tcb
from handlers.context import BotContext
from handlers.render import button

TRAININGS_PER_PAGE = 8
"""Buttons per page of the list: more scrolls off a phone screen."""
MAX_BUTTON_TITLE = 48
"""Characters of a title in a button label; Telegram cuts longer labels anyway."""


def short(text: str, limit: int = MAX_BUTTON_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def programme_name(context: BotContext, programme: str) -> str:
    names = {
        "SCORE": context._("ILO SCORE"),
        "SIYB": context._("ILO SIYB (Start and Improve Your Business)"),
        "BHR": context._("Business and human rights"),
        "SSE": context._("Social and solidarity economy"),
        "other": context._("Other programme"),
    }
    return names.get(programme, programme)


def status_name(context: BotContext, status: str) -> str:
    names = {
        "draft": context._("draft (not visible to users)"),
        "published": context._("published"),
        "cancelled": context._("cancelled"),
    }
    return names.get(status, status)


def training_list(
    context: BotContext, trainings: list[Training], registered: set[int], page: int
) -> tuple[str, InlineKeyboardMarkup]:
    pages = max(1, -(-len(trainings) // TRAININGS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = trainings[page * TRAININGS_PER_PAGE : (page + 1) * TRAININGS_PER_PAGE]
    rows = []
    for training in shown:
        mark = "✅ " if training.id in registered else ""
        label = (
            f"{mark}{format_short_date(training, context.locale)} · "
            f"{short(training.text(context.locale).title)}"
        )
        rows.append([button(label, cb.pack(tcb.TRAINING, training.id))])
    paging = []
    if page > 0:
        paging.append(button("◀️", cb.pack(tcb.TRAININGS, page - 1)))
    if page < pages - 1:
        paging.append(button("▶️", cb.pack(tcb.TRAININGS, page + 1)))
    if paging:
        rows.append(paging)
    if context.is_staff:
        rows.append([button("⚙️ " + context._("Manage trainings"), tcb.MANAGE_LIST)])
    rows.append([button("🏠 " + context._("Main menu"), cb.MENU)])
    heading = "<b>" + escape(context._("Upcoming trainings")) + "</b>\n"
    if trainings:
        text = heading + context._("Choose a training to see the details and register.")
        if pages > 1:
            text += f" ({page + 1}/{pages})"
    else:
        text = heading + context._(
            "There are no trainings open at the moment. Send /subscribe to hear about new ones."
        )
    return text, InlineKeyboardMarkup(rows)


def training_html(context: BotContext, training: Training, *, staff_view: bool = False) -> str:
    _ = context._
    text = training.text(context.locale)
    lines = [f"<b>{escape(text.title)}</b>"]
    lines.append("🎓 " + escape(programme_name(context, training.programme)))
    lines.append("📅 " + escape(format_when(training, context.locale)))
    if training.place:
        lines.append("📍 " + escape(training.place))
    if training.online_url:
        url = html.escape(training.online_url, quote=True)
        label = escape(_("Online link"))
        lines.append(f'💻 <a href="{url}">{label}</a>')
    if training.organiser:
        lines.append("🏛 " + escape(_("Organiser: {name}").format(name=training.organiser)))
    if training.capacity is not None:
        lines.append(
            "👥 "
            + _("Seats left: {left} of {capacity}").format(
                left=training.seats_left, capacity=training.capacity
            )
        )
    lines.append(
        "⏳ "
        + escape(
            _("Register by: {moment}").format(
                moment=format_moment(training.closes_at, training.timezone, context.locale)
            )
        )
    )
    if training.status == "cancelled":
        lines.append("❌ <b>" + escape(_("This training has been cancelled.")) + "</b>")
    if text.description:
        lines.extend(["", escape(text.description)])
    if staff_view:
        lines.append("")
        lines.append(
            "<i>"
            + escape(
                _("Status: {status} · registrants: {count} · link: {link}").format(
                    status=status_name(context, training.status),
                    count=training.registered,
                    link=f"/start training_{training.id}",
                )
            )
            + "</i>"
        )
    return "\n".join(lines)


def training_keyboard(
    context: BotContext, training: Training, now: dt.datetime, registered: bool
) -> InlineKeyboardMarkup:
    _ = context._
    rows = []
    if registered:
        rows.append(
            [button("✖️ " + _("Cancel my registration"), cb.pack(tcb.UNREGISTER, training.id))]
        )
    elif training.is_open(now):
        rows.append([button("📝 " + _("Register"), cb.pack(tcb.REGISTER, training.id))])
    if context.is_staff:
        rows.append([button("⚙️ " + _("Manage"), cb.pack(tcb.MANAGE, training.id))])
    rows.append(
        [
            button("◀️ " + _("Upcoming trainings"), tcb.TRAININGS),
            button("🏠 " + _("Main menu"), cb.MENU),
        ]
    )
    return InlineKeyboardMarkup(rows)


def registration_state(
    context: BotContext, training: Training, now: dt.datetime, registered: bool
) -> str:
    """One line under the details: where the user stands."""
    _ = context._
    if registered:
        return "✅ " + _(
            "You are registered. I will remind you the day before and an hour before."
        )
    if training.status == "published" and now >= training.closes_at:
        return "🔒 " + _("Registration has closed.")
    if training.status == "published" and training.seats_left == 0:
        return "🔒 " + _("This training is full.")
    return ""
