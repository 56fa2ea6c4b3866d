"""Small helpers the page modules share: who is asking, the services, redirects."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from telegram import Bot

from bot.services import Services
from web.i18n import Translator


def services_of(request: Request) -> Services:
    return request.app.state.services


def bot_of(request: Request) -> Bot:
    return request.app.state.bot


def translator(request: Request) -> Translator:
    return request.state.t


def staff_id(request: Request) -> int:
    """The signed-in staff member (the gate let only staff reach a non-public route)."""
    user_id = request.state.user_id
    assert isinstance(user_id, int)
    return user_id


def back(path: str) -> RedirectResponse:
    """After a POST: see the result with a GET (a reload does not repeat the action)."""
    return RedirectResponse(path, status_code=303)


def int_param(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None and value.strip() else default
    except ValueError:
        return default


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"
