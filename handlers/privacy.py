"""``/privacy``, ``/mydata`` and ``/forgetme``: what is kept, a copy of it, and erasure."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError

from bot.text import escape
from handlers import render
from handlers import staff_callbacks as scb
from handlers.callbacks import pack, unpack
from handlers.context import BotContext
from handlers.send import send_html


async def privacy(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    _ = context._
    days = context.services.privacy.retention_days
    html = "\n\n".join(
        [
            "🔒 <b>" + escape(_("Your data and this bot")) + "</b>",
            "<b>"
            + escape(_("What is stored"))
            + "</b>\n"
            + escape(
                _(
                    "• Your Telegram id, name and username, the language of your Telegram app "
                    "and the language you chose.\n"
                    "• The announcement topics you switched on.\n"
                    "• Every message you send (questions, and also thanks or greetings), the "
                    "answers you receive and your 👍/👎, with their dates.\n"
                    "• Training registrations: name, business, sector, province and, only if "
                    "you share it, your phone number.\n"
                    "• Your answers to the business and human rights self-check, and its "
                    "result.\n"
                    "• A form you have started and not finished, until you finish or cancel it."
                )
            ),
            "<b>"
            + escape(_("Why"))
            + "</b>\n"
            + escape(
                _(
                    "To answer you; so that ministry staff can answer what the bot cannot; and "
                    "to count, without names, what small businesses ask about, so the ministry "
                    "can improve its programmes."
                )
            ),
            "<b>"
            + escape(_("For how long"))
            + "</b>\n"
            + escape(
                _(
                    "After {days} days the text of your questions and answers and their link to "
                    "you are deleted; only anonymous counts remain. A registration is deleted "
                    "when you cancel it, self-check answers when you delete them. Your profile "
                    "stays until you delete it."
                ).format(days=days)
            ),
            "<b>"
            + escape(_("Who sees it"))
            + "</b>\n"
            + escape(
                _(
                    "Authorised ministry staff only. It is not sold or shared. Messages travel "
                    "through Telegram, which has its own privacy policy."
                )
            ),
            "<b>"
            + escape(_("Your rights (Law No. 27 of 2022 on Personal Data Protection)"))
            + "</b>\n"
            + escape(_("/mydata – a copy of everything stored about you"))
            + "\n"
            + escape(_("/forgetme – delete your data")),
        ]
    )
    await send_html(context.bot, update.effective_chat.id, html, render.back_to_menu(context))


async def my_data(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    content = await context.services.privacy.my_data(context.user_record.id)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"my-data-{context.user_record.id}.json"),
        caption=escape(context._("Everything this bot stores about you.")),
    )


async def forget_me(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    html = escape(
        context._(
            "This deletes your profile, your settings and registrations, and the text of all "
            "your questions and answers. Only anonymous counts remain. It cannot be undone. "
            "Delete your data?"
        )
    )
    keyboard = InlineKeyboardMarkup(
        [
            [render.button("🗑 " + context._("Yes, delete my data"), pack(scb.FORGET, "yes"))],
            [render.button(context._("No, keep it"), pack(scb.FORGET, "no"))],
        ]
    )
    await send_html(context.bot, update.effective_chat.id, html, keyboard)


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """Only ever the presser's own data: the button carries no user id to forge."""
    query = update.callback_query
    assert query is not None and context.user_record is not None
    args = unpack(query.data)
    if args != ["yes"]:
        await query.answer()
        with contextlib.suppress(TelegramError):
            await query.edit_message_text(escape(context._("Nothing was deleted.")))
        return
    await context.services.privacy.forget(context.user_record.id)
    context.user_data.clear()
    context.user_record = None
    await query.answer()
    text = context._(
        "Done: your data has been deleted. If you write to me again, I will start a new, empty "
        "record."
    )
    try:
        await query.edit_message_text(escape(text))
    except TelegramError:
        if query.message is not None:
            await send_html(context.bot, query.message.chat.id, escape(text))
