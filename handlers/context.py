"""The per-update context: services, the user's record and their locale, resolved once.

Like aiogram's i18n middleware, :func:`resolve_user` runs in handler group -1 before any
other handler, so every handler below reads ``context.locale`` instead of working it out.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from bot.staff import Role
from bot.users import TelegramUser
from db.users import UserRecord

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.user_record: UserRecord | None = None
        self.locale: str = self.services.settings.default_locale
        self.role: Role = Role.USER

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    @property
    def is_staff(self) -> bool:
        """Administrators and staff. Resolved afresh for every update by :func:`resolve_user`
        (never cached in conversation state), so a removed staff member loses access at once."""
        return self.user_record is not None and self.role.is_staff

    @property
    def is_admin(self) -> bool:
        """Administrators: the ids in ``STAFF_IDS``."""
        return self.user_record is not None and self.role is Role.ADMIN

    def _(self, message: str) -> str:
        """Translate ``message`` into this update's locale."""
        return self.services.catalogs.gettext(self.locale, message)


async def resolve_user(update: object, context: BotContext) -> None:
    if not isinstance(update, Update) or update.effective_user is None:
        return
    user = update.effective_user
    if user.is_bot:
        return
    users = context.services.users
    context.user_record = await users.seen(
        TelegramUser(
            id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            language_code=user.language_code,
        )
    )
    context.locale = users.locale_of(context.user_record)
    context.role = await context.services.staff.role_of(user.id)
