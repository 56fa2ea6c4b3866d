"""``/stats`` (numbers and a chart) and ``/export`` (the inquiries as a file), for staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot import chart
from bot import export as exporter
from bot.clock import iso
from bot.i18n import LANGUAGE_NAMES
from bot.stats import SHORT_PERIOD_DAYS, Stats, local_day
from bot.text import escape
from handlers import desk_render, selfcheck
from handlers.context import BotContext
from handlers.guards import staff_only
from handlers.send import send_html

CHART_DATE_FORMAT = "%d/%m"


def _counts(counts: Mapping[str | None, int], label: Callable[[str | None], str]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return " · ".join(f"{escape(label(key))} {count}" for key, count in ordered) or "–"


def stats_html(context: BotContext, stats: Stats) -> str:
    _ = context._
    week = stats.days[-SHORT_PERIOD_DAYS:]
    per_day = " · ".join(f"{day.strftime(CHART_DATE_FORMAT)}: {count}" for day, count in week)
    share = stats.auto_share
    lines = [
        "📊 <b>" + escape(_("Questions to the bot")) + "</b>",
        escape(
            _("Last 7 days: {week} · last 30 days: {month}").format(
                week=stats.total(SHORT_PERIOD_DAYS), month=stats.total(len(stats.days))
            )
        ),
        escape(_("Per day, last 7 days:")) + f" {per_day}",
        escape(_("Per day, last 30 days:")) + " " + chart.sparkline([c for _d, c in stats.days]),
        "",
        "<b>" + escape(_("Last 30 days")) + "</b>",
        escape(_("By topic:"))
        + " "
        + _counts(stats.by_topic, lambda key: desk_render.topic_label(context, key or "")),
        escape(_("By language:"))
        + " "
        + _counts(stats.by_language, lambda key: LANGUAGE_NAMES.get(key or "", key or "–")),
        escape(
            _("Answered by the bot: {share}").format(
                share="–" if share is None else f"{share:.0%}"
            )
        ),
    ]
    if stats.median_staff_answer is not None:
        lines.append(
            escape(
                _("Median time to a staff answer: {time} (staff answers: {count})").format(
                    time=desk_render.duration(context, stats.median_staff_answer),
                    count=stats.staff_answers,
                )
            )
        )
    else:
        lines.append(escape(_("No staff answers yet in this period.")))
    backlog = _("Open now: {count}").format(count=stats.open_backlog)
    if stats.oldest_open is not None:
        oldest = desk_render.ago(context, iso(stats.oldest_open))
        backlog += " · " + _("oldest {age}").format(age=oldest)
    lines += ["", "📥 " + escape(backlog)]
    return "\n".join(lines)


@staff_only
async def stats(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    computed = await context.services.stats.compute()
    chat_id = update.effective_chat.id
    html = stats_html(context, computed) + "\n\n" + await selfcheck.stats_section(context)
    await send_html(context.bot, chat_id, html)
    title = context._("Questions per day, last 30 days")
    png = chart.bar_chart_png(
        [day.strftime(CHART_DATE_FORMAT) for day, _count in computed.days],
        [count for _day, count in computed.days],
        title,
    )
    if png is not None:
        await context.bot.send_photo(
            chat_id, InputFile(png, filename="questions.png"), caption=escape(title)
        )


def parse_export_args(words: list[str]) -> tuple[exporter.Query, str]:
    """``/export [status] [since] [until] [csv|xlsx]``; raises ValueError on a bad word."""
    status, days, file_format = None, [], "csv"
    for word in words:
        lowered = word.lower()
        if lowered in exporter.EXPORTABLE_STATUSES:
            status = lowered
        elif lowered in exporter.FORMATS:
            file_format = lowered
        elif lowered != "all":
            days.append(exporter.parse_day(word))
    if len(days) > 2:
        raise ValueError("too many dates")
    since = days[0] if days else None
    until = days[1] if len(days) == 2 else None
    return exporter.Query(status, since, until), file_format


@staff_only
async def export(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    try:
        query, file_format = parse_export_args(context.args or [])
    except ValueError:
        await send_html(
            context.bot,
            chat_id,
            escape(
                context._(
                    "Usage: /export [open|auto_answered|answered|resolved|spam] "
                    "[from YYYY-MM-DD] [to YYYY-MM-DD] [csv|xlsx]"
                )
            ),
        )
        return
    data = await exporter.rows(context.services.db, query)
    try:
        content = exporter.render(data, file_format, bom=True)
    except exporter.XlsxUnavailableError:
        await send_html(
            context.bot,
            chat_id,
            escape(context._("XLSX export is not installed here; sending CSV instead.")),
        )
        file_format = "csv"
        content = exporter.render(data, file_format, bom=True)
    today: dt.date = local_day(context.services.clock.now())
    name = exporter.file_name(query, file_format, today)
    caption = context._("{count} questions").format(count=len(data))
    await context.bot.send_document(
        chat_id,
        InputFile(content, filename=name),
        caption=escape(caption),
        parse_mode=ParseMode.HTML,
    )
