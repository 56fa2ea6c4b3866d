"""``my_chat_member`` updates: Telegram tells the bot when a user blocks or unblocks it."""

from __future__ import annotations

from telegram import ChatMember, Update

from handlers.context import BotContext


async def membership_changed(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    await context.services.users.set_blocked(change.from_user.id, blocked)
