"""The web desk application: routes, the door, CSRF and sessions around the bot's services.

``create_app`` takes the running :class:`~bot.services.Services` (the same database and domain
services the bot uses) and a ``telegram.Bot`` to send answers through, so tests can hand it
the offline Bot API and ``smebot web`` a real one.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram import Bot

from bot.services import Services
from web import sessions
from web.csrf import CsrfMiddleware
from web.gate import StaffGate
from web.routes import broadcasts, drafts, inbox, login, reports, trainings
from web.templating import page

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' https://telegram.org; frame-src https://oauth.telegram.org; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]
"""No framing (clickjacking), no scripts but ours and Telegram's widget, forms only to us."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """The 403 page for the door and the CSRF check, in the asker's language."""
    request = Request(scope, receive)
    _ = request.state.t._
    reason = scope.get("state", {}).get("refusal")
    if reason == "csrf":
        message = _("This form has expired or did not come from the desk. Please try again.")
    elif reason == "not_staff":
        message = _("The web desk is for ministry staff only.")
    else:
        message = _("Please sign in first.")
    response = page(request, "refused.html", 403, message=message)
    await response(scope, receive, send)


async def home(request: Request) -> Response:
    return RedirectResponse("/inbox", status_code=303)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(
    services: Services, bot: Bot, *, secret_key: str, https_only: bool = False
) -> Starlette:
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *login.routes,
        *inbox.routes,
        *reports.routes,
        *broadcasts.routes,
        *drafts.routes,
        *trainings.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret_key,
            session_cookie=sessions.SESSION_COOKIE,
            max_age=sessions.SESSION_MAX_AGE,
            same_site="lax",
            https_only=https_only,
        ),
        Middleware(StaffGate, services=services, refuse=refuse),
        Middleware(CsrfMiddleware, refuse=refuse),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.services = services
    app.state.bot = bot
    return app
