"""How the staff desk looks: inquiry cards, the answer a user receives, drafts.

Everything a user typed (names, questions) and everything staff typed (answers) is escaped
here, once, on its way into HTML: a question like ``<b>x</b> & <script>`` must reach staff as
text, and Telegram rejects a message whose HTML does not parse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel.dates import format_datetime
from telegram import InlineKeyboardMarkup

from bot.clock import parse_iso
from bot.desk import RESOLVABLE, SPAMMABLE, Card, History, Page
from bot.drafts import Issue, Problem
from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.knowledge.entries import MAX_ANSWER, MAX_TITLE, Entry
from bot.stats import REPORT_TIMEZONE
from bot.text import escape
from db.inquiries import ANSWERABLE, InquiryRecord
from db.users import UserRecord
from handlers import callbacks as cb
from handlers import render
from handlers import staff_callbacks as scb
from handlers.context import BotContext
from handlers.staff_callbacks import View

CARD_QUESTION_LIMIT = 1200
"""Characters of HTML for the question on a card: a card is edited in place, and an edited
message cannot be split, so the card as a whole must stay under Telegram's 4096."""
CARD_ANSWER_LIMIT = 800
QUOTE_LIMIT = 600
"""HTML characters of the question quoted above a staff answer: enough to recognise it."""
HISTORY_QUESTION_LIMIT = 200
DRAFT_ANSWER_LIMIT = 900

Gettext = Callable[[str], str]


def excerpt(text: str, limit: int) -> str:
    """``text`` escaped for HTML, cut (with "…") so that the *escaped* form fits ``limit``."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    length = limit
    while length > 0:
        escaped = escape(text[:length].rstrip()) + "…"
        if len(escaped) <= limit:
            return escaped
        length = length * 4 // 5
    return "…"


def when(context: BotContext, stamp: str | None) -> str:
    """A stored UTC timestamp as a Jakarta time in the reader's language."""
    if not stamp:
        return "–"
    moment = parse_iso(stamp).astimezone(REPORT_TIMEZONE)
    return format_datetime(moment, "d MMM yyyy HH:mm", locale=context.locale) + " WIB"


def ago(context: BotContext, stamp: str) -> str:
    elapsed = context.services.clock.now() - parse_iso(stamp)
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    if minutes < 60:
        return context._("{count} min ago").format(count=minutes)
    if minutes < 48 * 60:
        return context._("{count} h ago").format(count=minutes // 60)
    return context._("{count} days ago").format(count=minutes // (24 * 60))


def duration(context: BotContext, delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return context._("{count} min").format(count=minutes)
    if minutes < 48 * 60:
        return context._("{hours} h {minutes} min").format(
            hours=minutes // 60, minutes=minutes % 60
        )
    return context._("{count} days").format(count=round(minutes / (24 * 60), 1))


def status_name(context: BotContext, status: str | None) -> str:
    names = {
        "open": context._("open"),
        "auto_answered": context._("answered by the bot"),
        "answered": context._("answered by staff"),
        "resolved": context._("resolved"),
        "spam": context._("spam"),
        "pending_choice": context._("waiting for the user's choice"),
        "small_talk": context._("small talk"),
        None: context._("all statuses"),
    }
    return names.get(status, status or "")


def topic_label(context: BotContext, code: str | None) -> str:
    if code in (None, "*"):
        return context._("all topics")
    if code in ("", "-"):
        return context._("no topic")
    return render.topic_name(context, code)


def language_label(context: BotContext, code: str | None) -> str:
    if code in (None, "*"):
        return context._("all languages")
    return LANGUAGE_NAMES.get(code, code)


def user_line(context: BotContext, user: UserRecord | None, language: str) -> str:
    if user is None:
        who = "<i>" + escape(context._("user deleted their data")) + "</i>"
    else:
        name = " ".join(part for part in (user.first_name, user.last_name) if part)
        who = f"<b>{escape(name or '–')}</b>"
        if user.username:
            who += f" (@{escape(user.username)})"
        who += f" · <code>{user.id}</code>"
        if user.blocked:
            who += " · " + escape(context._("has blocked the bot"))
    return f"👤 {who} · {escape(LANGUAGE_NAMES.get(language, language))}"


def staff_name(context: BotContext, staff: UserRecord | None, staff_id: int | None) -> str:
    if staff is not None and staff.first_name:
        return escape(staff.first_name)
    return f"<code>{staff_id}</code>" if staff_id else "–"


def card_html(context: BotContext, card: Card, answered_by: UserRecord | None = None) -> str:
    _ = context._
    inquiry = card.inquiry
    lines = [
        "📥 <b>"
        + escape(_("Question #{id}").format(id=inquiry.id))
        + "</b> · "
        + escape(status_name(context, inquiry.status)),
        user_line(context, card.user, inquiry.language),
        f"🕒 {when(context, inquiry.created_at)} ({escape(ago(context, inquiry.created_at))})",
        f"<blockquote>{excerpt(inquiry.question, CARD_QUESTION_LIMIT) or '–'}</blockquote>",
    ]
    if inquiry.entry_id:
        title = card.guess.text(context.locale).title if card.guess else inquiry.entry_id
        score = f"{inquiry.score:.2f}" if inquiry.score is not None else "–"
        lines.append(
            "🤖 "
            + escape(_("Best guess: {title} ({score})").format(title=title, score=score))
            + f" <code>{escape(inquiry.entry_id)}</code>"
        )
    else:
        lines.append("🤖 " + escape(_("No guess from the knowledge base.")))
    if inquiry.topic:
        lines.append("🏷 " + escape(topic_label(context, inquiry.topic)))
    if inquiry.helpful is False:
        lines.append("👎 " + escape(_("The user found the automatic answer unhelpful.")))
    if inquiry.answer:
        lines.append(
            "✅ "
            + escape(_("Answered by {name} on {date}:")).format(
                name=staff_name(context, answered_by, inquiry.answered_by),
                date=escape(when(context, inquiry.answered_at)),
            )
            + f"\n<blockquote>{excerpt(inquiry.answer, CARD_ANSWER_LIMIT)}</blockquote>"
        )
    return "\n".join(lines)


def action_rows(context: BotContext, card: Card, view: View | None) -> list[list]:
    """Reply / Resolve / Spam / User history (as far as the inquiry's status allows)."""
    _ = context._
    inquiry = card.inquiry
    state = (view or View()).encode()
    first, second = [], []
    if inquiry.status in ANSWERABLE and card.user is not None:
        first.append(render.button("↩️ " + _("Reply"), _pack(scb.REPLY, inquiry.id)))
    if inquiry.status in RESOLVABLE:
        first.append(render.button("✅ " + _("Resolve"), _pack(scb.RESOLVE, inquiry.id, state)))
    if inquiry.status in SPAMMABLE:
        first.append(render.button("🚫 " + _("Spam"), _pack(scb.SPAM, inquiry.id, state)))
    if inquiry.user_id is not None:
        second.append(render.button("👤 " + _("User history"), _pack(scb.HISTORY, inquiry.id)))
    if inquiry.answer and inquiry.status in ("answered", "resolved"):
        second.append(
            render.button("📚 " + _("Add to knowledge base"), _pack(scb.TO_KB, inquiry.id))
        )
    return [row for row in (first, second) if row]


def _pack(prefix: str, *parts: object) -> str:
    return cb.pack(prefix, *parts)


def filter_row(context: BotContext, view: View) -> list:
    desk_filter = view.desk_filter()
    return [
        render.button(
            "🔖 " + status_name(context, desk_filter.status),
            _pack(scb.INBOX, view.next_status().encode()),
        ),
        render.button(
            "🏷 " + topic_label(context, view.topic),
            _pack(scb.INBOX, view.next_topic().encode()),
        ),
        render.button(
            "🌐 " + language_label(context, view.language),
            _pack(scb.INBOX, view.next_language().encode()),
        ),
    ]


def inbox_page(
    context: BotContext, page: Page, view: View, answered_by: UserRecord | None
) -> tuple[str, InlineKeyboardMarkup]:
    """One inquiry with its actions, paging, and the three filters (each press cycles one)."""
    view = view.at(page.offset)
    desk_filter = view.desk_filter()
    summary = " · ".join(
        (
            status_name(context, desk_filter.status),
            topic_label(context, view.topic),
            language_label(context, view.language),
        )
    )
    if page.card is None:
        html = "📭 " + escape(context._("No questions here ({filters}).").format(filters=summary))
        rows = []
    else:
        header = escape(
            context._("Inbox: {position} of {total} ({filters})").format(
                position=page.offset + 1, total=page.total, filters=summary
            )
        )
        html = f"<i>{header}</i>\n\n" + card_html(context, page.card, answered_by)
        rows = action_rows(context, page.card, view)
        paging = []
        if page.offset > 0:
            paging.append(render.button("◀️", _pack(scb.INBOX, view.at(page.offset - 1).encode())))
        paging.append(render.button("🔄", _pack(scb.INBOX, view.encode())))
        if page.offset + 1 < page.total:
            paging.append(render.button("▶️", _pack(scb.INBOX, view.at(page.offset + 1).encode())))
        rows.append(paging)
    rows.append(filter_row(context, view))
    return html, InlineKeyboardMarkup(rows)


def history_html(context: BotContext, history: History) -> str:
    _ = context._
    lines = [
        "<b>" + escape(_("User history")) + "</b>",
        user_line(context, history.user, context.services.users.locale_of(history.user)),
        escape(_("{total} questions in all; the newest:").format(total=history.total)),
        "",
    ]
    for inquiry in history.inquiries:
        lines.append(
            f"#{inquiry.id} · {escape(when(context, inquiry.created_at))} · "
            f"{escape(status_name(context, inquiry.status))}\n"
            f"<blockquote>{excerpt(inquiry.question, HISTORY_QUESTION_LIMIT) or '–'}</blockquote>"
        )
    return "\n".join(lines)


def answer_for_user(_: Gettext, question: str, answer: str) -> str:
    """The staff answer as the user receives it: their question quoted, in their language
    (``_`` translates into the *user's* language, not the staff member's)."""
    return (
        "💬 <b>"
        + escape(_("Answer from ministry staff"))
        + "</b>\n"
        + escape(_("You asked:"))
        + f"\n<blockquote>{excerpt(question, QUOTE_LIMIT)}</blockquote>\n\n"
        + escape(answer)
    )


def group_post_html(context: BotContext, card: Card, reopened: bool) -> str:
    """A new open question as posted to the staff group (in the deployment's language)."""
    _ = context._
    if reopened:
        head = _("🔁 Question #{id} is open again: the user found the bot's answer unhelpful.")
    else:
        head = _("🆕 New question #{id} for staff.")
    return (
        "<b>"
        + escape(head.format(id=card.inquiry.id))
        + "</b>\n"
        + card_html(context, card)
        + "\n\n<i>"
        + escape(_("Reply to this message to answer the user."))
        + "</i>"
    )


def reply_prompt(context: BotContext, card: Card) -> tuple[str, InlineKeyboardMarkup]:
    language = LANGUAGE_NAMES.get(card.inquiry.language, card.inquiry.language)
    html = (
        "✍️ "
        + escape(
            context._(
                "Type your answer to question #{id} in one message. {name} writes in {language}."
            ).format(
                id=card.inquiry.id,
                name=card.user.first_name if card.user else "",
                language=language,
            )
        )
        + f"\n<blockquote>{excerpt(card.inquiry.question, QUOTE_LIMIT)}</blockquote>"
    )
    return html, cancel_keyboard(context)


def cancel_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[render.button("✖️ " + context._("Cancel"), scb.CANCEL)]])


def preview_keyboard(context: BotContext, inquiry: InquiryRecord) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                render.button("📤 " + context._("Send"), _pack(scb.SEND, inquiry.id)),
                render.button("✖️ " + context._("Cancel"), scb.CANCEL),
            ]
        ]
    )


# -- drafts ------------------------------------------------------------------------------------
def issue_text(context: BotContext, issue: Issue) -> str:
    language = LANGUAGE_NAMES.get(issue.language, issue.language)
    messages = {
        Problem.MISSING: context._("{language}: text missing"),
        Problem.NO_TITLE: context._("{language}: title missing"),
        Problem.LONG_TITLE: context._(
            "{language}: title has {length} characters (at most {limit})"
        ),
        Problem.NO_ANSWER: context._("{language}: answer missing"),
        Problem.LONG_ANSWER: context._(
            "{language}: answer has {length} characters (at most {limit})"
        ),
    }
    limit = MAX_TITLE if issue.problem is Problem.LONG_TITLE else MAX_ANSWER
    return messages[issue.problem].format(language=language, length=issue.length, limit=limit)


def draft_html(context: BotContext, entry: Entry, issues: list[Issue]) -> str:
    _ = context._
    lines = [
        "📝 <b>"
        + escape(_("Knowledge-base draft {id}").format(id=entry.id))
        + "</b>"
        + (" · " + escape(_("published")) if entry.status == "published" else ""),
        "🏷 " + escape(render.topic_name(context, entry.topic)),
    ]
    for language in LOCALES:
        name = escape(LANGUAGE_NAMES[language])
        text = entry.texts.get(language)
        if text is None:
            missing = _("missing")
            lines.append(f"\n<b>{name}</b>: <i>{escape(missing)}</i>")
        else:
            lines.append(
                f"\n<b>{name}</b>\n<b>{excerpt(text.title, 200)}</b>\n"
                f"{excerpt(text.answer, DRAFT_ANSWER_LIMIT)}"
            )
    if issues:
        lines.append("\n⚠️ " + escape(_("Before publishing:")))
        lines.extend("• " + escape(issue_text(context, issue)) for issue in issues)
    if entry.status == "draft":
        lines.append(
            "\n<i>"
            + escape(_("Check that neither text contains the user's personal details."))
            + "</i>"
        )
    return "\n".join(lines)


def draft_keyboard(context: BotContext, entry: Entry) -> InlineKeyboardMarkup | None:
    _ = context._
    if entry.status != "draft":
        return None
    return InlineKeyboardMarkup(
        [
            [
                render.button(
                    "✍️ " + LANGUAGE_NAMES[language], _pack(scb.DRAFT_TEXT, entry.id, language)
                )
                for language in LOCALES
            ],
            [
                render.button("🏷 " + _("Change topic"), _pack(scb.DRAFT_TOPIC, entry.id)),
                render.button("✅ " + _("Publish"), _pack(scb.PUBLISH, entry.id)),
                render.button("🗑 " + _("Delete"), _pack(scb.DELETE_DRAFT, entry.id)),
            ],
        ]
    )
