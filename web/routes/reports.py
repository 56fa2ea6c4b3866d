"""Statistics with charts, and the export: the same numbers and files as ``/stats`` and
``/export`` (``bot.stats``, ``bot.export``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import chart
from bot import export as exporter
from bot.i18n import LANGUAGE_NAMES
from bot.selfcheck import red_areas_summary
from bot.services import Services
from bot.stats import SHORT_PERIOD_DAYS, local_day
from handlers import desk_render
from handlers.reports import CHART_DATE_FORMAT
from web.routes.common import services_of, translator
from web.templating import page

MIME = {"csv": "text/csv; charset=utf-8", "xlsx": exporter.XLSX_MIME}


def _bars(counts: dict, label) -> list[tuple[str, int, int]]:  # type: ignore[type-arg]
    """(label, count, percent of the largest) for a horizontal bar chart, largest first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    top = max((count for _key, count in ordered), default=0) or 1
    return [(label(key), count, round(100 * count / top)) for key, count in ordered]


async def stats(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    computed = await services.stats.compute()
    top = max((count for _day, count in computed.days), default=0) or 1
    days = [
        (day.strftime(CHART_DATE_FORMAT), count, round(100 * count / top))
        for day, count in computed.days
    ]
    share = computed.auto_share
    return page(
        request,
        "stats.html",
        stats=computed,
        days=days,
        week=computed.total(SHORT_PERIOD_DAYS),
        month=computed.total(len(computed.days)),
        by_topic=_bars(computed.by_topic, lambda key: desk_render.topic_label(t, key or "-")),
        by_language=_bars(
            computed.by_language, lambda key: LANGUAGE_NAMES.get(key or "", key or "–")
        ),
        share="–" if share is None else f"{share:.0%}",
        median=(
            desk_render.duration(t, computed.median_staff_answer)
            if computed.median_staff_answer is not None
            else None
        ),
        oldest=(
            desk_render.ago(t, computed.oldest_open.strftime("%Y-%m-%dT%H:%M:%SZ"))
            if computed.oldest_open is not None
            else None
        ),
        png=chart.available(),
        selfcheck=await _selfcheck_rows(services, t.locale),
    )


async def _selfcheck_rows(services: Services, locale: str) -> list[tuple[str, int, int, int]]:
    """The self-check's areas most often red, as in ``/stats`` and ``/cekstats``."""
    questionnaire = services.selfcheck.questionnaire
    return [
        (
            questionnaire.area_name(area, locale) if questionnaire else area,
            red,
            total,
            round(100 * red / total) if total else 0,
        )
        for area, red, total in await red_areas_summary(services.db)
    ]


async def stats_chart(request: Request) -> Response:
    """The same PNG ``/stats`` sends in Telegram (needs the ``charts`` extra)."""
    services = services_of(request)
    computed = await services.stats.compute()
    title = translator(request)._("Questions per day, last 30 days")
    png = chart.bar_chart_png(
        [day.strftime(CHART_DATE_FORMAT) for day, _count in computed.days],
        [count for _day, count in computed.days],
        title,
    )
    if png is None:
        return Response(status_code=404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


async def export_page(request: Request) -> Response:
    return page(
        request,
        "export.html",
        statuses=exporter.EXPORTABLE_STATUSES,
        formats=exporter.FORMATS,
        xlsx=_xlsx_available(),
    )


async def export_file(request: Request) -> Response:
    """The file ``/export`` sends, with the same name, BOM and formula guard."""
    services = services_of(request)
    params = request.query_params
    status = params.get("status") or None
    file_format = params.get("format", "csv")
    try:
        if status is not None and status not in exporter.EXPORTABLE_STATUSES:
            raise ValueError(status)
        if file_format not in exporter.FORMATS:
            raise ValueError(file_format)
        since = exporter.parse_day(params["since"]) if params.get("since") else None
        until = exporter.parse_day(params["until"]) if params.get("until") else None
        query = exporter.Query(status, since, until)
    except ValueError:
        return page(
            request,
            "export.html",
            400,
            statuses=exporter.EXPORTABLE_STATUSES,
            formats=exporter.FORMATS,
            xlsx=_xlsx_available(),
            error=translator(request)._("Please check the dates: from must not be after to."),
        )
    data = await exporter.rows(services.db, query)
    try:
        content = exporter.render(data, file_format, bom=True)
    except exporter.XlsxUnavailableError:
        file_format = "csv"
        content = exporter.render(data, file_format, bom=True)
    name = exporter.file_name(query, file_format, local_day(services.clock.now()))
    return Response(
        content,
        media_type=MIME[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _xlsx_available() -> bool:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        return False
    return True


routes = [
    Route("/stats", stats, methods=["GET"]),
    Route("/stats/chart.png", stats_chart, methods=["GET"]),
    Route("/export", export_page, methods=["GET"]),
    Route("/export/file", export_file, methods=["GET"]),
]
