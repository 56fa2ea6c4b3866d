"""The desk's language: the same gettext catalogs as the bot, chosen per request.

A staff member reads the desk in the language they chose in the bot, unless they pick the
other with ``?lang=`` (remembered in the session). :class:`Translator` also has the
``_``/``locale``/``services`` trio that the bot's rendering helpers (``handlers.desk_render``,
``handlers.broadcast``) read from a ``BotContext``, so status names, topics, times and
durations are worded exactly as in Telegram, from one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from bot.i18n import LOCALES
from bot.services import Services
from web.sessions import LANG_KEY


@dataclass(frozen=True, slots=True)
class Translator:
    services: Services
    locale: str

    def _(self, message: str) -> str:
        return self.services.catalogs.gettext(self.locale, message)

    def gettext(self, message: str) -> str:
        return self.services.catalogs.gettext(self.locale, message)


async def request_locale(request: Request, services: Services, user_id: int | None) -> str:
    """``?lang=`` (then remembered), else the session's choice, else the staff member's
    language in the bot, else the deployment's default."""
    asked = request.query_params.get("lang")
    if asked in LOCALES:
        request.session[LANG_KEY] = asked
        return asked
    chosen = request.session.get(LANG_KEY)
    if chosen in LOCALES:
        return chosen
    if user_id is not None:
        record = await services.users.get(user_id)
        if record is not None:
            return services.users.locale_of(record)
    return services.settings.default_locale
