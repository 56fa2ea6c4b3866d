"""Which handler answers which update; the one place to look for "what does /x do"."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    broadcast,
    desk,
    drafts,
    errors,
    flood,
    forms,
    guards,
    language,
    members,
    privacy,
    questions,
    reports,
    selfcheck,
    staff,
    start,
    subscriptions,
    topics,
    training_admin,
    trainings,
    web_login,
)
from handlers import callbacks as cb
from handlers import staff_callbacks as scb
from handlers import training_callbacks as tcb
from handlers.context import resolve_user

PRIVATE = filters.ChatType.PRIVATE
GROUP_REPLY = filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, forms.refresh), group=-3)
    application.add_handler(TypeHandler(object, resolve_user), group=-2)
    application.add_handler(TypeHandler(Update, flood.guard), group=-1)

    application.add_handlers(
        [
            CommandHandler("start", start.start, filters=PRIVATE),
            CommandHandler("menu", start.menu, filters=PRIVATE),
            CommandHandler("help", start.help_command, filters=PRIVATE),
            CommandHandler("language", language.ask_language, filters=PRIVATE),
            CommandHandler("subscribe", subscriptions.subscribe, filters=PRIVATE),
            CommandHandler("unsubscribe", subscriptions.unsubscribe, filters=PRIVATE),
            CommandHandler("cek", selfcheck.cek, filters=PRIVATE),
            CommandHandler("cekstats", selfcheck.stats, filters=PRIVATE),
            CommandHandler("privacy", privacy.privacy, filters=PRIVATE),
            CommandHandler("mydata", privacy.my_data, filters=PRIVATE),
            CommandHandler("forgetme", privacy.forget_me, filters=PRIVATE),
            # The staff desk: every handler checks the role itself (handlers.guards).
            CommandHandler("inbox", desk.inbox, filters=PRIVATE),
            CommandHandler("reply", desk.reply_command, filters=PRIVATE),
            CommandHandler("drafts", drafts.list_drafts, filters=PRIVATE),
            CommandHandler("stats", reports.stats, filters=PRIVATE),
            CommandHandler("export", reports.export, filters=PRIVATE),
            CommandHandler("staff", staff.staff_command, filters=PRIVATE),
            CommandHandler("web", web_login.web_command, filters=PRIVATE),
            # Trainings, announcements and the forms behind them (handlers check staff roles).
            CommandHandler("trainings", trainings.list_command, filters=PRIVATE),
            CommandHandler("newtraining", training_admin.new_command, filters=PRIVATE),
            CommandHandler("broadcast", broadcast.command, filters=PRIVATE),
            CommandHandler("broadcasts", broadcast.list_command, filters=PRIVATE),
            CommandHandler("cancel", forms.cancel, filters=PRIVATE),
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
            CallbackQueryHandler(subscriptions.toggle_topic, pattern=cb.pattern(tcb.TOPIC)),
            CallbackQueryHandler(trainings.list_button, pattern=cb.pattern(tcb.TRAININGS)),
            CallbackQueryHandler(trainings.show, pattern=cb.pattern(tcb.TRAINING)),
            CallbackQueryHandler(trainings.register, pattern=cb.pattern(tcb.REGISTER)),
            CallbackQueryHandler(trainings.unregister, pattern=cb.pattern(tcb.UNREGISTER)),
            CallbackQueryHandler(training_admin.list_button, pattern=cb.pattern(tcb.MANAGE_LIST)),
            CallbackQueryHandler(training_admin.manage, pattern=cb.pattern(tcb.MANAGE)),
            CallbackQueryHandler(training_admin.edit, pattern=cb.pattern(tcb.EDIT)),
            CallbackQueryHandler(training_admin.set_status, pattern=cb.pattern(tcb.STATUS)),
            CallbackQueryHandler(training_admin.registrants, pattern=cb.pattern(tcb.REGISTRANTS)),
            CallbackQueryHandler(training_admin.announce, pattern=cb.pattern(tcb.ANNOUNCE)),
            CallbackQueryHandler(forms.on_choice, pattern=cb.pattern(tcb.FORM)),
            CallbackQueryHandler(broadcast.control, pattern=cb.pattern(tcb.BROADCAST)),
            CallbackQueryHandler(broadcast.list_button, pattern=cb.pattern(tcb.BROADCASTS)),
            CallbackQueryHandler(selfcheck.button, pattern=cb.pattern(cb.SELFCHECK)),
            CallbackQueryHandler(privacy.forget_confirmed, pattern=cb.pattern(scb.FORGET)),
            CallbackQueryHandler(desk.inbox_page, pattern=cb.pattern(scb.INBOX)),
            CallbackQueryHandler(desk.reply_start, pattern=cb.pattern(scb.REPLY)),
            CallbackQueryHandler(desk.resolve, pattern=cb.pattern(scb.RESOLVE)),
            CallbackQueryHandler(desk.spam, pattern=cb.pattern(scb.SPAM)),
            CallbackQueryHandler(desk.history, pattern=cb.pattern(scb.HISTORY)),
            CallbackQueryHandler(desk.send, pattern=cb.pattern(scb.SEND)),
            CallbackQueryHandler(desk.cancel, pattern=cb.pattern(scb.CANCEL)),
            CallbackQueryHandler(drafts.from_inquiry, pattern=cb.pattern(scb.TO_KB)),
            CallbackQueryHandler(drafts.show, pattern=cb.pattern(scb.DRAFT)),
            CallbackQueryHandler(drafts.ask_text, pattern=cb.pattern(scb.DRAFT_TEXT)),
            CallbackQueryHandler(drafts.next_topic, pattern=cb.pattern(scb.DRAFT_TOPIC)),
            CallbackQueryHandler(drafts.publish, pattern=cb.pattern(scb.PUBLISH)),
            CallbackQueryHandler(drafts.delete, pattern=cb.pattern(scb.DELETE_DRAFT)),
            CallbackQueryHandler(start.expired_button),  # any other button: after all above
            ChatMemberHandler(members.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(GROUP_REPLY, desk.group_reply),
            forms.FormHandler(application),  # a user with an open form: their answers
            MessageHandler(
                PRIVATE & filters.TEXT & ~filters.COMMAND & desk.AwaitingInput(application),
                desk.staff_input,
            ),
            MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, questions.question),
            MessageHandler(PRIVATE & filters.CAPTION, questions.question),
            MessageHandler(PRIVATE & filters.COMMAND, guards.unknown_command),
            MessageHandler(PRIVATE & ~filters.TEXT & filters.UpdateType.MESSAGE, start.not_text),
        ]
    )
    application.add_error_handler(errors.on_error)
