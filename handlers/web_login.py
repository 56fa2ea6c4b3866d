"""``/web``: a one-time link that signs a staff member in to the web desk.

The link is the sign-in that works without a public domain (see :mod:`bot.web_logins`). It is
sent without a link preview: a preview fetch by Telegram's servers must not be the "one time",
and the web desk asks for a button press (a POST) before it spends the link anyway.
"""

from __future__ import annotations

from telegram import Update

from bot.text import escape
from bot.web_logins import LINK_LIFETIME
from handlers.context import BotContext
from handlers.guards import staff_only
from handlers.send import send_html


@staff_only
async def web_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    chat_id = update.effective_chat.id
    base_url = context.services.settings.web_base_url
    if not base_url:
        await send_html(
            context.bot,
            chat_id,
            escape(context._("The web desk is not set up here (WEB_BASE_URL is not set).")),
        )
        return
    token = await context.services.web_logins.issue(context.user_record.id)
    link = f"{base_url}/login/{token}"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    head = context._(
        "Your sign-in link for the web desk. It works once, for {minutes} minutes; "
        "do not forward it."
    ).format(minutes=minutes)
    await send_html(
        context.bot, chat_id, f'{escape(head)}\n\n<a href="{escape(link)}">{escape(link)}</a>'
    )
