"""Which handler answers which update; the one place to look for "what does /x do"."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import callbacks as cb
from handlers import errors, language, members, questions, start, subscriptions, topics
from handlers.context import resolve_user

PRIVATE = filters.ChatType.PRIVATE


def register(application: Application) -> None:
    application.add_handler(TypeHandler(object, resolve_user), group=-1)

    application.add_handlers(
        [
            CommandHandler("start", start.start, filters=PRIVATE),
            CommandHandler("menu", start.menu, filters=PRIVATE),
            CommandHandler("help", start.help_command, filters=PRIVATE),
            CommandHandler("language", language.ask_language, filters=PRIVATE),
            CommandHandler("subscribe", subscriptions.subscribe, filters=PRIVATE),
            CommandHandler("unsubscribe", subscriptions.unsubscribe, filters=PRIVATE),
            CallbackQueryHandler(topics.show_menu, pattern=cb.pattern(cb.MENU)),
            CallbackQueryHandler(topics.show_topic, pattern=cb.pattern(cb.TOPIC)),
            CallbackQueryHandler(topics.show_entry, pattern=cb.pattern(cb.ENTRY)),
            CallbackQueryHandler(topics.show_entry, pattern=cb.pattern(cb.DETAILS)),
            CallbackQueryHandler(language.choose_language, pattern=rf"^{cb.LANGUAGE}:"),
            CallbackQueryHandler(language.ask_language, pattern=rf"^{cb.LANGUAGE}$"),
            CallbackQueryHandler(questions.ask_staff, pattern=cb.pattern(cb.ASK_STAFF)),
            CallbackQueryHandler(questions.pick, pattern=cb.pattern(cb.PICK)),
            CallbackQueryHandler(questions.feedback, pattern=cb.pattern(cb.FEEDBACK)),
            CallbackQueryHandler(subscriptions.toggle, pattern=cb.pattern(cb.SUBSCRIBE)),
            ChatMemberHandler(members.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, questions.question),
            MessageHandler(PRIVATE & filters.CAPTION, questions.question),
            MessageHandler(PRIVATE & filters.COMMAND, start.unknown_command),
            MessageHandler(PRIVATE & ~filters.TEXT & filters.UpdateType.MESSAGE, start.not_text),
        ]
    )
    application.add_error_handler(errors.on_error)
