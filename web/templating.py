"""Jinja2 pages in the request's language; autoescaping on, so every user's text is escaped.

Templates call ``_("English text")`` like the Python code, and Babel extracts those calls into
the same catalogs (``babel.cfg``). Nothing typed by a user is ever marked ``|safe``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from bot.i18n import LANGUAGE_NAMES, LOCALES
from web import sessions
from web.csrf import session_token
from web.i18n import Translator

TEMPLATES = Path(__file__).parent / "templates"


def _context(request: Request) -> dict[str, Any]:
    t: Translator = request.state.t
    return {
        "_": t.gettext,
        "t": t,
        "locale": t.locale,
        "locales": [(code, LANGUAGE_NAMES[code]) for code in LOCALES],
        "csrf_token": session_token(request),
        "user_id": getattr(request.state, "user_id", None),
        "notices": sessions.take_notices(request),
    }


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_context])
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, values, status_code=status_code)
