"""Cross-site request forgery: every POST must carry this session's secret token.

A page on another site can make a signed-in staff member's browser POST to the desk (the
cookie goes along), but it cannot read the desk's pages, so it cannot know the token. Forms
carry it as a hidden ``csrf_token`` field, htmx requests as an ``X-CSRF-Token`` header (set
once on ``<body>``). The check is a middleware, so no route can forget it.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.sessions import CSRF_KEY

FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_FORM_BYTES = 1_000_000
"""Forms here are short texts; a bigger body is refused before it is read into memory."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


class CsrfMiddleware:
    """Rejects a POST (or any unsafe method) without the session's token, with 403."""

    def __init__(self, app: ASGIApp, refuse: ASGIApp) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        expected = request.session.get(CSRF_KEY)
        body = await _read_body(receive)
        if body is None:
            await self.refuse(scope, receive, send)
            return
        given = request.headers.get(HEADER) or _form_token(request, body)
        if (
            not isinstance(expected, str)
            or not expected
            or not given
            or not hmac.compare_digest(expected.encode(), given.encode())
        ):
            scope.setdefault("state", {})["refusal"] = "csrf"
            await self.refuse(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _form_token(request: Request, body: bytes) -> str | None:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
    return values[0] if values else None


def _replay(body: bytes, original: Receive) -> Receive:
    """The body, already read here, handed on to the route as if it came from the client;
    after it, the client's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
