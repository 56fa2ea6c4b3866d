"""The door: every request but sign-in and static files needs a signed-in *staff member*.

The role is read from the database on every request, never from the cookie, so someone
removed with ``/staff remove`` is out on their next click, whatever their cookie says. This is
a middleware in front of every route, so a new page cannot be added without it.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.services import Services
from bot.staff import Role
from web import sessions
from web.i18n import Translator, request_locale

PUBLIC_PREFIXES = ("/static/", "/login", "/auth/telegram", "/logout", "/healthz")
"""Paths anyone may reach: signing in, out, and the files the sign-in page needs."""


def is_public(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix) for prefix in PUBLIC_PREFIXES)


class StaffGate:
    """Resolves who is asking (``request.state.user_id``, ``.role``, ``.t``) and lets only
    staff past, except to the public paths."""

    def __init__(self, app: ASGIApp, services: Services, refuse: ASGIApp) -> None:
        self.app = app
        self.services = services
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        user_id = sessions.signed_in_user(request)
        role = await self.services.staff.role_of(user_id) if user_id is not None else Role.USER
        state["user_id"] = user_id if role.is_staff else None
        state["role"] = role
        state["t"] = Translator(
            self.services, await request_locale(request, self.services, user_id)
        )
        if role.is_staff or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        if user_id is not None:  # signed in, but no longer (or never) staff
            sessions.sign_out(request)
            state["refusal"] = "not_staff"
            await self.refuse(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response = RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            await response(scope, receive, send)
            return
        state["refusal"] = "signed_out"
        await self.refuse(scope, receive, send)
