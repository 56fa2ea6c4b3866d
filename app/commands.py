"""The user command list: the one source for the Telegram menus and /help."""

from __future__ import annotations

from bot.i18n import N_

USER_COMMANDS = (
    ("start", N_("Start and main menu")),
    ("menu", N_("Topics and buttons")),
    ("help", N_("How to use this bot")),
    ("cek", N_("Five-minute business and human rights self-check")),
    ("language", N_("Bahasa Indonesia or English")),
    ("trainings", N_("Upcoming trainings and registration")),
    ("subscribe", N_("Choose announcements to receive")),
    ("unsubscribe", N_("Stop announcements")),
    ("privacy", N_("Your data and your rights")),
)
