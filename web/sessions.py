"""The signed session cookie: who is signed in, their CSRF token, their language, one-shot
notices.

Starlette's SessionMiddleware keeps the session in the cookie itself, signed with
``WEB_SECRET_KEY`` (itsdangerous): nothing to store server-side, and a forged or edited cookie
is simply ignored. The cookie proves only *who* signed in; whether they are still staff is
asked of the database on every request (:mod:`web.gate`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

SESSION_COOKIE = "umkm_desk"
SESSION_MAX_AGE = 12 * 3600
"""A working day: a desk left signed in overnight asks for a new sign-in in the morning."""

USER_KEY = "uid"
CSRF_KEY = "csrf"
LANG_KEY = "lang"
NOTICES_KEY = "notices"


def sign_in(request: Request, user_id: int) -> None:
    """A fresh session for ``user_id``: nothing from before sign-in survives (no fixation)."""
    language = request.session.get(LANG_KEY)
    request.session.clear()
    request.session[USER_KEY] = user_id
    if language:
        request.session[LANG_KEY] = language


def sign_out(request: Request) -> None:
    request.session.clear()


def signed_in_user(request: Request) -> int | None:
    value = request.session.get(USER_KEY)
    return value if isinstance(value, int) else None


def notify(request: Request, kind: str, text: str) -> None:
    """A notice shown once, on the next page (after a POST's redirect)."""
    # Assigned, not appended in place: the session is saved only when it sees an assignment.
    request.session[NOTICES_KEY] = [*request.session.get(NOTICES_KEY, []), [kind, text]]


def take_notices(request: Request) -> list[Any]:
    return request.session.pop(NOTICES_KEY, [])
