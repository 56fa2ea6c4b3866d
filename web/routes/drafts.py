"""Knowledge-base drafts: edit both languages side by side, then publish
(:class:`bot.drafts.DraftService`, as ``/drafts`` in the bot)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.drafts import issues
from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.knowledge.entries import MAX_ANSWER, MAX_TITLE
from handlers import desk_render, render
from web import sessions
from web.routes.common import back, services_of, translator
from web.templating import page


async def listing(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    entries = await services.drafts.drafts()
    return page(
        request,
        "drafts.html",
        drafts=[
            (
                entry,
                render.topic_name(t, entry.topic),  # type: ignore[arg-type]
                [LANGUAGE_NAMES[code] for code in LOCALES if code in entry.texts],
            )
            for entry in entries
        ],
    )


async def edit(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    entry = await services.drafts.get(request.path_params["entry_id"])
    if entry is None:
        return page(request, "refused.html", 404, message=t._("Not found."))
    return page(
        request,
        "draft.html",
        entry=entry,
        topic=render.topic_name(t, entry.topic),  # type: ignore[arg-type]
        languages=[(code, LANGUAGE_NAMES[code], entry.texts.get(code)) for code in LOCALES],
        issues=[desk_render.issue_text(t, issue) for issue in issues(entry)],  # type: ignore[arg-type]
        max_title=MAX_TITLE,
        max_answer=MAX_ANSWER,
    )


async def save(request: Request) -> Response:
    """Both languages at once: a title and an answer each (an empty language stays as it is)."""
    services = services_of(request)
    _ = translator(request)._
    entry_id = request.path_params["entry_id"]
    form = await request.form()
    saved = False
    for code in LOCALES:
        title = str(form.get(f"title_{code}", "")).strip()
        answer = str(form.get(f"answer_{code}", "")).strip()
        if title or answer:
            saved = (
                await services.drafts.set_text(entry_id, code, f"{title}\n{answer}") is not None
            )
    sessions.notify(request, "ok" if saved else "error", _("Saved.") if saved else _("Not found."))
    return back(f"/drafts/{entry_id}")


async def publish(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    entry_id = request.path_params["entry_id"]
    published, problems = await services.drafts.publish(entry_id)
    if published:
        sessions.notify(request, "ok", t._("Published: the bot answers with it from now on."))
        return back("/drafts")
    for issue in problems:
        sessions.notify(request, "error", desk_render.issue_text(t, issue))  # type: ignore[arg-type]
    if not problems:
        sessions.notify(request, "error", t._("Not found."))
    return back(f"/drafts/{entry_id}")


routes = [
    Route("/drafts", listing, methods=["GET"]),
    Route("/drafts/{entry_id:str}", edit, methods=["GET"]),
    Route("/drafts/{entry_id:str}", save, methods=["POST"]),
    Route("/drafts/{entry_id:str}/publish", publish, methods=["POST"]),
]
