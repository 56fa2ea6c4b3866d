"""Signing in (a one-time link from the bot, or Telegram's Login Widget) and out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web import sessions
from web.auth import verify_widget
from web.routes.common import back, safe_next, services_of, translator
from web.templating import page


async def login_page(request: Request) -> Response:
    services = services_of(request)
    base_url = services.settings.web_base_url or ""
    username = _bot_username(request)
    # Telegram shows the widget only on the domain set with BotFather's /setdomain: https.
    widget = base_url.startswith("https://") and bool(username)
    return page(
        request,
        "login.html",
        widget=widget,
        bot_username=username if widget else "",
        auth_url=f"{base_url}/auth/telegram",
        next=safe_next(request.query_params.get("next")),
    )


def _bot_username(request: Request) -> str | None:
    """The bot's @username, known once ``getMe`` has succeeded (``smebot web`` asks at start)."""
    try:
        return request.app.state.bot.username
    except RuntimeError:  # not initialised: Telegram was unreachable at start-up
        return None


async def link_page(request: Request) -> Response:
    """The link from ``/web`` only shows a button: a GET (a link preview, a prefetch) must not
    spend it."""
    return page(request, "login_link.html", token=request.path_params["token"])


async def link_sign_in(request: Request) -> Response:
    services = services_of(request)
    user_id = await services.web_logins.redeem(request.path_params["token"])
    return await _sign_in(request, user_id, "/inbox")


async def widget_sign_in(request: Request) -> Response:
    """Telegram's widget redirects here with the signed fields in the query string."""
    services = services_of(request)
    fields = dict(request.query_params)
    user_id = (
        verify_widget(fields, services.settings.token, services.clock.now())
        if services.settings.token
        else None
    )
    return await _sign_in(request, user_id, safe_next(request.query_params.get("next")))


async def _sign_in(request: Request, user_id: int | None, target: str) -> Response:
    _ = translator(request)._
    services = services_of(request)
    if user_id is None:
        return page(
            request,
            "refused.html",
            403,
            message=_(
                "This sign-in link is not valid any more. Send /web to the bot for a new one."
            ),
        )
    if not (await services.staff.role_of(user_id)).is_staff:
        sessions.sign_out(request)
        return page(
            request, "refused.html", 403, message=_("The web desk is for ministry staff only.")
        )
    sessions.sign_in(request, user_id)
    return back(target)


async def logout(request: Request) -> Response:
    sessions.sign_out(request)
    return back("/login")


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login/{token}", link_page, methods=["GET"]),
    Route("/login/{token}", link_sign_in, methods=["POST"]),
    Route("/auth/telegram", widget_sign_in, methods=["GET"]),
    Route("/logout", logout, methods=["POST"]),
]
