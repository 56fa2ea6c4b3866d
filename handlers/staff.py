"""``/staff add|remove|list`` for administrators, and the staff-only command menus."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from app.commands import USER_COMMANDS
from bot.i18n import LOCALES, Catalogs
from bot.staff import ADMIN_COMMANDS, STAFF_COMMANDS, Change, Role
from bot.text import escape
from handlers import desk_render
from handlers.context import BotContext
from handlers.guards import admin_only
from handlers.send import send_html
from handlers.staff_callbacks import parse_int

logger = logging.getLogger(__name__)

CommandList = Sequence[tuple[str, str]]


async def set_staff_menu(
    bot: ExtBot,
    catalogs: Catalogs,
    default_locale: str,
    chat_id: int,
    user_commands: CommandList,
    role: Role,
) -> bool:
    """The user menu plus the desk's commands, for one staff member's private chat only.

    Returns False if Telegram refused (typically: they have never started the bot).
    """
    entries = [*user_commands, *STAFF_COMMANDS]
    if role is Role.ADMIN:
        entries.extend(ADMIN_COMMANDS)
    scope = BotCommandScopeChat(chat_id)
    try:
        for locale in LOCALES:
            commands = [
                BotCommand(name, catalogs.gettext(locale, description))
                for name, description in entries
            ]
            await bot.set_my_commands(commands, scope=scope, language_code=locale)
            if locale == default_locale:
                await bot.set_my_commands(commands, scope=scope)
    except TelegramError as error:
        logger.warning("Could not set the staff menu for chat %s: %s", chat_id, error)
        return False
    return True


async def clear_staff_menu(bot: ExtBot, chat_id: int) -> None:
    scope = BotCommandScopeChat(chat_id)
    try:
        for locale in (*LOCALES, None):
            await bot.delete_my_commands(scope=scope, language_code=locale)
    except TelegramError as error:
        logger.warning("Could not remove the staff menu of chat %s: %s", chat_id, error)


async def _refresh_menu(context: BotContext, user_id: int, role: Role) -> None:
    services = context.services
    if role.is_staff:
        await set_staff_menu(
            context.bot,
            services.catalogs,
            services.settings.default_locale,
            user_id,
            USER_COMMANDS,
            role,
        )
    else:
        await clear_staff_menu(context.bot, user_id)


@admin_only
async def staff_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    _ = context._
    args = context.args or []
    action = args[0].lower() if args else "list"
    target = parse_int(args[1]) if len(args) == 2 else None
    chat_id = update.effective_chat.id
    directory = context.services.staff
    if action == "list" and len(args) <= 1:
        await send_html(context.bot, chat_id, await _listing(context))
        return
    if action not in ("add", "remove") or target is None:
        await send_html(
            context.bot,
            chat_id,
            escape(_("Usage: /staff add 12345 · /staff remove 12345 · /staff list")),
        )
        return
    if action == "add":
        change = await directory.add(context.user_record.id, target)
        texts = {
            Change.DONE: _("✅ {id} is now staff. Their command menu shows the desk commands."),
            Change.UNCHANGED: _("{id} is already staff."),
            Change.UNKNOWN_USER: _(
                "{id} has not started this bot yet. Ask them to send /start first, then try again."
            ),
            Change.ADMIN: _("{id} is an administrator (STAFF_IDS) already."),
        }
    else:
        change = await directory.remove(context.user_record.id, target)
        texts = {
            Change.DONE: _("✅ {id} is no longer staff."),
            Change.UNCHANGED: _("{id} is not staff."),
            Change.UNKNOWN_USER: _("{id} is not staff."),
            Change.ADMIN: _(
                "{id} is an administrator from STAFF_IDS; change the configuration to remove them."
            ),
        }
    if change is Change.DONE:
        await _refresh_menu(context, target, await directory.role_of(target))
    await send_html(context.bot, chat_id, escape(texts[change].format(id=target)))


async def _listing(context: BotContext) -> str:
    _ = context._
    directory = context.services.staff
    lines = ["<b>" + escape(_("Staff")) + "</b>"]
    for member in await directory.members():
        name = escape(member.name or "–")
        if member.username:
            name += f" (@{escape(member.username)})"
        if member.role is Role.ADMIN:
            detail = _("administrator")
        else:
            detail = _("added by {actor} on {date}").format(
                actor=member.added_by, date=desk_render.when(context, member.added_at)
            )
        lines.append(f"• <code>{member.user_id}</code> {name} – {escape(detail)}")
    changes = await directory.recent_changes()
    if changes:
        lines += ["", "<b>" + escape(_("Recent changes")) + "</b>"]
        for change in changes:
            template = (
                _("{actor} added {target}")
                if change.action == "add"
                else _("{actor} removed {target}")
            )
            lines.append(
                f"• {escape(desk_render.when(context, change.at))}: "
                + escape(template.format(actor=change.actor_id, target=change.target_id))
            )
    return "\n".join(lines)
