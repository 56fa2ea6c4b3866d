"""Announcements: compose, choose the audience, preview, send now or later, then watch.

The web only writes and moves broadcast rows (:class:`bot.broadcasts.BroadcastService`); the
bot process's sender (:mod:`bot.sender`) delivers them, so the progress shown here is read
from the database, exactly what the sender has recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.broadcasts import Audience, AudienceKind, Progress
from bot.clock import parse_iso
from bot.i18n import LANGUAGE_NAMES, LOCALES, N_
from bot.services import Services
from bot.subscriptions import TOPICS
from bot.text import MESSAGE_LIMIT, check_html, escape, plain_text
from bot.trainings import DEFAULT_TIMEZONE, TIMEZONES, format_moment
from handlers.broadcast import STATUS_NAMES, audience_label, final_report
from web import sessions
from web.i18n import Translator
from web.routes.common import back, services_of, staff_id, translator
from web.templating import page

ACTIVE = ("scheduled", "sending", "paused")
ACTIONS = {"pause", "resume", "cancel"}


@dataclass(frozen=True, slots=True)
class Draft:
    """A broadcast as typed in the form (plain text: escaped here, as a user's text would be)."""

    texts: dict[str, str]
    audience: Audience
    audience_code: str
    send_at: dt.datetime | None
    send_at_text: str

    @property
    def primary(self) -> str:
        return "id" if "id" in self.texts else "en"


def _audience(code: str) -> Audience:
    kind, _sep, value = code.partition(":")
    if kind == AudienceKind.TRAINING.value:
        return Audience(AudienceKind.TRAINING, training_id=int(value))
    if kind in (AudienceKind.LANGUAGE.value, AudienceKind.TOPIC.value):
        return Audience(AudienceKind(kind), value)
    return Audience(AudienceKind.ALL)


def parse_form(form: FormData, now: dt.datetime) -> tuple[Draft | None, str | None]:
    """The draft, or the msgid of what is wrong with the form."""
    texts = {
        locale: escape(str(form.get(f"text_{locale}", "")).strip().replace("\r\n", "\n"))
        for locale in LOCALES
    }
    texts = {locale: text for locale, text in texts.items() if text}
    if not texts:
        return None, N_("Please write the announcement in at least one language.")
    code = str(form.get("audience", "all"))
    try:
        audience = _audience(code)
    except ValueError:
        return None, N_("Please choose who receives it.")
    send_at_text = str(form.get("send_at", "")).strip()
    send_at = None
    if send_at_text:
        try:
            local = dt.datetime.fromisoformat(send_at_text)
        except ValueError:
            return None, N_("Please write a date and time like 2026-12-03 09:00.")
        send_at = local.replace(tzinfo=TIMEZONES[DEFAULT_TIMEZONE]).astimezone(dt.UTC)
        if send_at <= now:
            send_at = None
    return Draft(texts, audience, code, send_at, send_at_text), None


async def _training_title(
    services: Services, t: Translator, training_id: int | None
) -> str | None:
    if training_id is None:
        return None
    training = await services.trainings.get(training_id)
    return training.text(t.locale).title if training else None


async def _audience_choices(services: Services, t: Translator) -> list[tuple[str, str]]:
    choices = [("all", audience_label(t._, Audience(AudienceKind.ALL)))]
    for locale in LOCALES:
        choices.append(
            (f"language:{locale}", audience_label(t._, Audience(AudienceKind.LANGUAGE, locale)))
        )
    for topic in TOPICS:
        choices.append(
            (f"topic:{topic}", audience_label(t._, Audience(AudienceKind.TOPIC, topic)))
        )
    for training in await services.trainings.for_staff():
        audience = Audience(AudienceKind.TRAINING, training_id=training.id)
        choices.append(
            (
                f"training:{training.id}",
                audience_label(t._, audience, training.text(t.locale).title),
            )
        )
    return choices


async def _progress_view(services: Services, t: Translator, progress: Progress) -> dict:  # type: ignore[type-arg]
    broadcast = progress.broadcast
    title = await _training_title(services, t, broadcast.training_id)
    total = progress.total or 1
    return {
        "row": broadcast,
        "progress": progress,
        "status": t._(STATUS_NAMES[broadcast.status]),
        "kind": t._("Reminder") if broadcast.kind == "reminder" else t._("Announcement"),
        "audience": audience_label(t._, Audience.of(broadcast), title),
        "send_at": format_moment(parse_iso(broadcast.send_at), DEFAULT_TIMEZONE, t.locale),
        "done_percent": round(100 * (progress.total - progress.remaining) / total),
        "report": (
            final_report(t._, t.locale, progress)
            if broadcast.status in ("done", "cancelled")
            else None
        ),
        "active": broadcast.status in ACTIVE,
        "texts": [
            (LANGUAGE_NAMES.get(code, code), plain_text(text))
            for code, text in broadcast.texts.items()
        ],
        "excerpt": plain_text(
            broadcast.texts.get(t.locale) or next(iter(broadcast.texts.values()))
        )[:160],
    }


async def listing(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    views = [
        await _progress_view(services, t, await services.broadcasts.progress(row))
        for row in await services.broadcasts.recent()
    ]
    return page(request, "broadcasts.html", broadcasts=views)


async def new(request: Request) -> Response:
    services = services_of(request)
    return page(
        request,
        "broadcast_new.html",
        choices=await _audience_choices(services, translator(request)),
        values={"audience": request.query_params.get("audience", "all")},
        error=None,
    )


async def _form_page(request: Request, form: FormData, error: str) -> Response:
    services = services_of(request)
    t = translator(request)
    return page(
        request,
        "broadcast_new.html",
        400,
        choices=await _audience_choices(services, t),
        values=dict(form),
        error=t._(error),
    )


async def preview(request: Request) -> Response:
    """Each language's message as recipients will see it, the audience and its size."""
    services = services_of(request)
    t = translator(request)
    form = await request.form()
    draft, error = parse_form(form, services.clock.now())
    if draft is None:
        return await _form_page(request, form, error or "")
    composed = services.broadcasts.compose(
        draft.texts, draft.primary, footer=draft.audience.kind is not AudienceKind.TRAINING
    )
    if any(check_html(composed[locale])[1] > MESSAGE_LIMIT for locale in LOCALES):
        return await _form_page(request, form, "That text is too long.")
    count = await services.broadcasts.estimate(draft.audience)
    title = await _training_title(services, t, draft.audience.training_id)
    return page(
        request,
        "broadcast_preview.html",
        previews=[(LANGUAGE_NAMES[locale], plain_text(composed[locale])) for locale in LOCALES],
        audience=audience_label(t._, draft.audience, title),
        count=count,
        send_at=(
            format_moment(draft.send_at, DEFAULT_TIMEZONE, t.locale) if draft.send_at else None
        ),
        values=dict(form),
    )


async def create(request: Request) -> Response:
    services = services_of(request)
    form = await request.form()
    draft, error = parse_form(form, services.clock.now())
    if draft is None:
        return await _form_page(request, form, error or "")
    row = await services.broadcasts.create(
        staff_id(request), draft.texts, draft.primary, draft.audience, draft.send_at
    )
    return back(f"/broadcasts/{row.id}")


async def _view_of(request: Request) -> dict | None:  # type: ignore[type-arg]
    services = services_of(request)
    row = await services.broadcasts.get(request.path_params["broadcast_id"])
    if row is None:
        return None
    return await _progress_view(
        services, translator(request), await services.broadcasts.progress(row)
    )


async def detail(request: Request) -> Response:
    view = await _view_of(request)
    if view is None:
        return page(request, "refused.html", 404, message=translator(request)._("Not found."))
    return page(request, "broadcast.html", b=view)


async def progress(request: Request) -> Response:
    """The progress box alone, polled by htmx while the broadcast is under way."""
    view = await _view_of(request)
    if view is None:
        return Response(status_code=404)
    return page(request, "_progress.html", b=view)


async def control(request: Request) -> Response:
    services = services_of(request)
    _ = translator(request)._
    broadcast_id = request.path_params["broadcast_id"]
    action = request.path_params["action"]
    service = services.broadcasts
    moved = action in ACTIONS and await {
        "pause": service.pause,
        "resume": service.resume,
        "cancel": service.cancel,
    }[action](broadcast_id)
    if not moved:
        sessions.notify(request, "error", _("This broadcast has changed meanwhile."))
    return back(f"/broadcasts/{broadcast_id}")


routes = [
    Route("/broadcasts", listing, methods=["GET"]),
    Route("/broadcasts", create, methods=["POST"]),
    Route("/broadcasts/new", new, methods=["GET"]),
    Route("/broadcasts/preview", preview, methods=["POST"]),
    Route("/broadcasts/{broadcast_id:int}", detail, methods=["GET"]),
    Route("/broadcasts/{broadcast_id:int}/progress", progress, methods=["GET"]),
    Route("/broadcasts/{broadcast_id:int}/{action:str}", control, methods=["POST"]),
]
