"""The inbox, one question with its user's history, and what staff do with it: answer,
resolve, mark as spam, turn into a knowledge-base draft.

Answering goes through :meth:`bot.desk.Desk.answer` with the bot's own deliverer
(:func:`handlers.desk.answer_deliverer`), so the user receives exactly the message ``/reply``
sends, and two staff answering at once (one here, one in Telegram) still send one answer.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.desk import MAX_ANSWER_LENGTH, RESOLVABLE, SPAMMABLE, Outcome
from bot.drafts import DRAFTABLE, Created
from bot.export import parse_day
from bot.i18n import LANGUAGE_NAMES
from bot.stats import day_start_utc
from bot.text import plain_text
from db.inquiries import ANSWERABLE, DeskFilter
from handlers import desk_render
from handlers.desk import answer_deliverer, report
from web import sessions
from web.routes.common import back, bot_of, int_param, services_of, staff_id, translator
from web.templating import page

PAGE_SIZE = 25
STATUS_FILTERS = (
    "open",
    "pending_choice",
    "auto_answered",
    "answered",
    "resolved",
    "spam",
    "small_talk",
    "all",
)
TOPIC_FILTERS = ("all", "bhr", "partnership", "training", "about", "-")
LANGUAGE_FILTERS = ("all", "id", "en")
SEARCH_LIMIT = 200


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """The inbox's filters as they appear in its URL (so a view can be bookmarked)."""

    status: str = "open"
    topic: str = "all"
    language: str = "all"
    since: str = ""
    until: str = ""
    search: str = ""
    page: int = 1

    @classmethod
    def from_request(cls, request: Request) -> InboxQuery:
        params = request.query_params

        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = params.get(name, allowed[0])
            return value if value in allowed else allowed[0]

        def day(name: str) -> str:
            value = params.get(name, "").strip()
            try:
                return parse_day(value).isoformat() if value else ""
            except ValueError:
                return ""

        return cls(
            status=pick("status", STATUS_FILTERS),
            topic=pick("topic", TOPIC_FILTERS),
            language=pick("language", LANGUAGE_FILTERS),
            since=day("since"),
            until=day("until"),
            search=params.get("q", "").strip()[:SEARCH_LIMIT],
            page=max(int_param(params.get("page"), 1) or 1, 1),
        )

    def desk_filter(self) -> DeskFilter:
        until = None
        if self.until:
            next_day = dt.date.fromisoformat(self.until) + dt.timedelta(days=1)
            until = day_start_utc(next_day).strftime("%Y-%m-%dT%H:%M:%SZ")
        return DeskFilter(
            status=None if self.status == "all" else self.status,
            topic=None if self.topic == "all" else "" if self.topic == "-" else self.topic,
            language=None if self.language == "all" else self.language,
            since=(
                day_start_utc(dt.date.fromisoformat(self.since)).strftime("%Y-%m-%dT%H:%M:%SZ")
                if self.since
                else None
            ),
            until=until,
            search=self.search or None,
        )

    def params(self, **changes: object) -> dict[str, object]:
        values = {
            "status": self.status,
            "topic": self.topic,
            "language": self.language,
            "since": self.since,
            "until": self.until,
            "q": self.search,
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


async def inbox(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    query = InboxQuery.from_request(request)
    rows, total = await services.desk.listing(
        query.desk_filter(), PAGE_SIZE, (query.page - 1) * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    items = []
    for row in rows:
        user = await services.users.get(row.user_id) if row.user_id is not None else None
        items.append(
            {
                "inquiry": row,
                "user": user,
                "when": desk_render.when(t, row.created_at),
                "ago": desk_render.ago(t, row.created_at),
                "status": desk_render.status_name(t, row.status),
                "topic": desk_render.topic_label(t, row.topic or "-"),
            }
        )
    return page(
        request,
        "inbox.html",
        query=query,
        items=items,
        total=total,
        pages=pages,
        statuses=[(code, _status_label(t, code)) for code in STATUS_FILTERS],
        topics=[
            (code, desk_render.topic_label(t, None if code == "all" else code))
            for code in TOPIC_FILTERS
        ],
        languages=[
            (code, desk_render.language_label(t, None if code == "all" else code))
            for code in LANGUAGE_FILTERS
        ],
    )


def _status_label(t: object, code: str) -> str:
    return desk_render.status_name(t, None if code == "all" else code)  # type: ignore[arg-type]


async def inquiry(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    inquiry_id = request.path_params["inquiry_id"]
    card = await services.desk.card(inquiry_id)
    if card is None:
        return page(
            request,
            "refused.html",
            404,
            message=t._(
                "Question #{id} does not exist, or its user has deleted their data."
            ).format(id=inquiry_id),
        )
    record = card.inquiry
    answered_by = (
        await services.users.get(record.answered_by) if record.answered_by is not None else None
    )
    history = await services.desk.history(inquiry_id)
    return page(
        request,
        "inquiry.html",
        card=card,
        inquiry=record,
        status=desk_render.status_name(t, record.status),
        topic=desk_render.topic_label(t, record.topic or "-"),
        language=LANGUAGE_NAMES.get(record.language, record.language),
        when=desk_render.when(t, record.created_at),
        ago=desk_render.ago(t, record.created_at),
        guess=card.guess.text(t.locale).title if card.guess else None,
        answered_by=answered_by,
        answered_when=desk_render.when(t, record.answered_at),
        history=[
            (item, desk_render.when(t, item.created_at), desk_render.status_name(t, item.status))
            for item in (history.inquiries if history else [])
        ],
        history_total=history.total if history else 0,
        can_answer=record.status in ANSWERABLE and card.user is not None,
        can_resolve=record.status in RESOLVABLE,
        can_spam=record.status in SPAMMABLE,
        can_draft=record.status in DRAFTABLE and bool(record.answer),
        max_answer=MAX_ANSWER_LENGTH,
    )


async def preview(request: Request) -> Response:
    """What the user will receive, in *their* language (an htmx fragment)."""
    services = services_of(request)
    card = await services.desk.card(request.path_params["inquiry_id"])
    text = str((await request.form()).get("answer", "")).strip()
    if card is None or not text:
        return page(request, "_preview.html", preview="")
    locale = services.users.locale_of(card.user)
    message = desk_render.answer_for_user(
        lambda msgid: services.catalogs.gettext(locale, msgid), card.inquiry.question, text
    )
    return page(request, "_preview.html", preview=plain_text(message))


async def answer(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    inquiry_id = request.path_params["inquiry_id"]
    text = str((await request.form()).get("answer", ""))
    result = await services.desk.answer(
        staff_id(request), inquiry_id, text, answer_deliverer(services, bot_of(request))
    )
    escaped, _keyboard = await report(t, result, inquiry_id)  # type: ignore[arg-type]
    kind = "ok" if result.outcome is Outcome.SENT else "error"
    sessions.notify(request, kind, html.unescape(escaped))
    return back(f"/inquiries/{inquiry_id}")


async def resolve(request: Request) -> Response:
    return await _close(request, spam=False)


async def spam(request: Request) -> Response:
    return await _close(request, spam=True)


async def _close(request: Request, *, spam: bool) -> Response:
    services = services_of(request)
    _ = translator(request)._
    inquiry_id = request.path_params["inquiry_id"]
    desk = services.desk
    changed = await (desk.mark_spam(inquiry_id) if spam else desk.resolve(inquiry_id))
    if not changed:
        sessions.notify(request, "error", _("This question has changed meanwhile."))
    else:
        sessions.notify(request, "ok", _("Marked as spam.") if spam else _("Marked as resolved."))
    return back(f"/inquiries/{inquiry_id}")


async def to_draft(request: Request) -> Response:
    services = services_of(request)
    _ = translator(request)._
    created, entry = await services.drafts.from_inquiry(request.path_params["inquiry_id"])
    if entry is None or created is Created.NOT_ANSWERED:
        sessions.notify(
            request, "error", _("Only a question answered by staff can become an entry.")
        )
        return back(f"/inquiries/{request.path_params['inquiry_id']}")
    return back(f"/drafts/{entry.id}")


routes = [
    Route("/inbox", inbox, methods=["GET"]),
    Route("/inquiries/{inquiry_id:int}", inquiry, methods=["GET"]),
    Route("/inquiries/{inquiry_id:int}/preview", preview, methods=["POST"]),
    Route("/inquiries/{inquiry_id:int}/answer", answer, methods=["POST"]),
    Route("/inquiries/{inquiry_id:int}/resolve", resolve, methods=["POST"]),
    Route("/inquiries/{inquiry_id:int}/spam", spam, methods=["POST"]),
    Route("/inquiries/{inquiry_id:int}/draft", to_draft, methods=["POST"]),
]
