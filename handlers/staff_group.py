"""New open questions posted to the staff group (``STAFF_CHAT_ID``), where replying answers.

The bot keeps its own map from each post's message id to the inquiry (see
``handlers.desk.group_reply``), so a reply works whatever Telegram reveals about forwards.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from telegram.error import TelegramError

from handlers import desk_render
from handlers.context import BotContext
from handlers.send import send_html

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def in_locale(context: BotContext, locale: str) -> Iterator[None]:
    """Render in another language for a moment (the staff group has no single reader)."""
    saved = context.locale
    context.locale = locale
    try:
        yield
    finally:
        context.locale = saved


async def post_to_staff_group(
    context: BotContext, inquiry_id: int, *, reopened: bool = False
) -> None:
    """Post an inquiry that now waits for staff to the staff group, if one is configured.

    Best effort: the question is already safe in the inbox, so a failure here is logged and
    the user's conversation goes on.
    """
    settings = context.services.settings
    if settings.staff_chat_id is None:
        return
    desk = context.services.desk
    try:
        card = await desk.card(inquiry_id)
        if card is None or card.inquiry.status != "open":
            return
        if not reopened and await desk.posts_of(inquiry_id):
            return  # already posted ("none of these" pressed twice, say)
        with in_locale(context, settings.default_locale):
            html = desk_render.group_post_html(context, card, reopened)
        message = await send_html(context.bot, settings.staff_chat_id, html)
        await desk.record_post(settings.staff_chat_id, message.message_id, inquiry_id)
    except TelegramError:
        logger.warning("Could not post inquiry %s to the staff group", inquiry_id, exc_info=True)
