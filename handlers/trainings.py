"""Trainings for users: browse, open one, register (a guided form), cancel."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.forms import Form
from bot.i18n import N_
from bot.registrations import (
    MAX_BUSINESS,
    MAX_NAME,
    MAX_SECTOR,
    SECTORS,
    Outcome,
    RegistrationForm,
    clean_field,
    match_province,
    normalize_phone,
)
from bot.text import escape
from bot.trainings import FieldError, Training
from handlers import callbacks as cb
from handlers import forms, render
from handlers import training_callbacks as tcb
from handlers import training_render as view
from handlers.context import BotContext
from handlers.send import send_html

FLOW = "register"
TELEGRAM_NAME = "tg"
OTHER_SECTOR = "other"
CONSENT = "yes"


# -- browsing ------------------------------------------------------------------------------


async def list_command(update: Update, context: BotContext) -> None:
    """/trainings: staff get the management list, everyone else the upcoming trainings."""
    assert update.effective_chat is not None
    if context.is_staff:
        from handlers import training_admin

        await training_admin.send_list(context, update.effective_chat.id)
        return
    html, keyboard = await _list(context, 0)
    await send_html(context.bot, update.effective_chat.id, html, keyboard)


async def list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    args = cb.unpack(query.data)
    page = (cb.parse_int(args[0]) if args else None) or 0
    html, keyboard = await _list(context, page)
    await query.answer()
    await query.edit_message_text(html, reply_markup=keyboard)


async def _list(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    assert context.user_record is not None
    trainings = await context.services.trainings.upcoming()
    registered = await context.services.registrations.training_ids_of(context.user_record.id)
    return view.training_list(context, trainings, registered, page)


async def show(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    training = await _training_from(query.data, context)
    if training is None:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    await send_training(context, query.message.chat.id, training)


async def open_deep_link(update: Update, context: BotContext, argument: str) -> None:
    """``/start training_<id>``: the training's screen (or the list, if it is not there)."""
    assert update.effective_chat is not None
    training_id = cb.parse_int(argument)
    training = (
        await context.services.trainings.get(training_id) if training_id is not None else None
    )
    if training is None or (training.status == "draft" and not context.is_staff):
        html, keyboard = await _list(context, 0)
        await send_html(context.bot, update.effective_chat.id, html, keyboard)
        return
    await send_training(context, update.effective_chat.id, training)


async def send_training(context: BotContext, chat_id: int, training: Training) -> None:
    assert context.user_record is not None
    now = context.services.clock.now()
    registered = (
        await context.services.registrations.get(training.id, context.user_record.id) is not None
    )
    html = view.training_html(context, training)
    state = view.registration_state(context, training, now, registered)
    if state:
        html += "\n\n" + escape(state)
    await send_html(
        context.bot, chat_id, html, view.training_keyboard(context, training, now, registered)
    )


async def _training_from(data: str | None, context: BotContext) -> Training | None:
    """The training a button names, if it exists and this user may see it."""
    args = cb.unpack(data)
    training_id = cb.parse_int(args[0]) if args else None
    if training_id is None:
        return None
    training = await context.services.trainings.get(training_id)
    if training is None or (training.status == "draft" and not context.is_staff):
        return None
    return training


# -- registering ---------------------------------------------------------------------------


async def register(update: Update, context: BotContext) -> None:
    """The Register button: check it is open, then start the form."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    training = await _training_from(query.data, context)
    if training is None:
        await query.answer(context._("This button has expired."))
        return
    if await context.services.registrations.get(training.id, context.user_record.id):
        await query.answer(context._("You are already registered."), show_alert=True)
        return
    if not training.is_open(context.services.clock.now()):
        await query.answer(context._("Registration for this training is closed."), show_alert=True)
        return
    await query.answer()
    form = await context.services.forms.start(
        context.user_record.id, FLOW, "name", {"training_id": training.id}
    )
    title = escape(training.text(context.locale).title)
    intro = context._("📝 Registration for <b>{title}</b>").format(title=title)
    intro += "\n" + context._("Six short questions. Send /cancel to stop at any time.")
    await send_html(context.bot, query.message.chat.id, intro)
    await _ask(context, query.message.chat.id, form)


def _full_telegram_name(context: BotContext) -> str:
    record = context.user_record
    assert record is not None
    return " ".join(part for part in (record.first_name, record.last_name) if part).strip()


async def _ask(context: BotContext, chat_id: int, form: Form) -> None:
    """The question for the form's current step."""
    _ = context._
    step = form.step
    if step == "name":
        choices = []
        name = _full_telegram_name(context)
        if len(name) >= 2:
            choices = [[(_("Use: {name}").format(name=view.short(name)), TELEGRAM_NAME)]]
        await forms.ask(
            context,
            chat_id,
            _("1/6 · Your full name, as it should appear on the certificate:"),
            step,
            choices,
        )
    elif step == "business":
        await forms.ask(context, chat_id, _("2/6 · The name of your business:"), step)
    elif step == "sector":
        labels = [(_(label), key) for key, label in SECTORS.items()]
        rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
        rows.append([(_("Other (type it)"), OTHER_SECTOR)])
        await forms.ask(context, chat_id, _("3/6 · Your business sector:"), step, rows)
    elif step == "sector_other":
        await forms.ask(context, chat_id, _("Please type your business sector:"), step)
    elif step == "province":
        await forms.ask(
            context,
            chat_id,
            _("4/6 · Which province is your business in? (for example: Jawa Barat)"),
            step,
        )
    elif step == "phone":
        keyboard = ReplyKeyboardMarkup(
            [
                [KeyboardButton("📱 " + _("Share my phone number"), request_contact=True)],
                [KeyboardButton(_("Skip"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await context.bot.send_message(
            chat_id,
            _(
                "5/6 · The organisers may call you about the training. Share your phone number "
                "with the button below, or press Skip."
            ),
            reply_markup=keyboard,
        )
    elif step == "consent":
        await _ask_consent(context, chat_id, form)


async def _ask_consent(context: BotContext, chat_id: int, form: Form) -> None:
    _ = context._
    data = form.data
    training = await context.services.trainings.get(int(data["training_id"]))
    title = training.text(context.locale).title if training else "?"
    key = data["sector"]
    sector = _(SECTORS[key]) if key in SECTORS else key
    lines = [
        _("6/6 · Please check your registration for <b>{title}</b>:").format(title=escape(title)),
        "",
        escape(_("Name: {value}").format(value=data["full_name"])),
        escape(_("Business: {value}").format(value=data["business_name"])),
        escape(_("Sector: {value}").format(value=sector)),
        escape(_("Province: {value}").format(value=data["province"])),
        escape(_("Phone: {value}").format(value=data.get("phone") or _("not given"))),
        "",
        "🔒 "
        + escape(
            _(
                "By registering you agree that the ministry stores these details to organise "
                "this training, to contact you about it and to send you reminders (Law No. 27 "
                "of 2022 on Personal Data Protection). Only the organisers see them. Cancelling "
                "your registration deletes them."
            )
        ),
    ]
    await forms.ask(
        context,
        chat_id,
        "\n".join(lines),
        "consent",
        [[("✅ " + _("I agree, register me"), CONSENT)]],
    )


@forms.flow(FLOW)
async def on_answer(update: Update, context: BotContext, form: Form, answer: forms.Answer) -> None:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    _ = context._
    try:
        next_step = _take(context, form, answer)
    except FieldError as problem:
        await send_html(context.bot, chat_id, escape(_(problem.message).format(**problem.values)))
        await _ask(context, chat_id, form)
        return
    if next_step is None:  # the consent was given
        await _complete(context, chat_id, form)
        return
    if form.step == "phone":  # the contact keyboard is done with: take it away
        await context.bot.send_message(
            chat_id, _("Thank you."), reply_markup=ReplyKeyboardRemove()
        )
    form.step = next_step
    await context.services.forms.save(form)
    await _ask(context, chat_id, form)


def _take_sector(data: dict[str, Any], answer: forms.Answer, text: str) -> str:
    if answer.choice == OTHER_SECTOR:
        return "sector_other"
    if answer.choice in SECTORS:
        data["sector"] = answer.choice
    else:
        data["sector"] = clean_field(text, MAX_SECTOR)
    return "province"


def _phone(context: BotContext, answer: forms.Answer, text: str) -> str | None:
    """The phone number answered (None: skipped)."""
    if answer.foreign_contact:
        raise FieldError(N_("Please share your own number, or press Skip."))
    if answer.phone:
        return normalize_phone(answer.phone)
    if text in (context._("Skip"), "-"):
        return None
    return normalize_phone(text)


def _take(context: BotContext, form: Form, answer: forms.Answer) -> str | None:
    """Store the answer to the current step; returns the next step (None: all done)."""
    _ = context._
    step, data, text = form.step, form.data, (answer.text or "").strip()
    if step == "name":
        name = _full_telegram_name(context) if answer.choice == TELEGRAM_NAME else text
        data["full_name"] = clean_field(name, MAX_NAME)
        return "business"
    if step == "business":
        data["business_name"] = clean_field(text, MAX_BUSINESS)
        return "sector"
    if step == "sector":
        return _take_sector(data, answer, text)
    if step == "sector_other":
        data["sector"] = clean_field(text, MAX_SECTOR)
        return "province"
    if step == "province":
        province = match_province(text)
        if province is None:
            raise FieldError(
                N_("I do not recognise that province. Please write its name, like Jawa Timur.")
            )
        data["province"] = province
        return "phone"
    if step == "phone":
        data["phone"] = _phone(context, answer, text)
        return "consent"
    if step == "consent":
        if answer.choice == CONSENT:
            return None
        raise FieldError(N_("Please press the button to confirm, or /cancel."))
    raise FieldError(N_("Please press one of the buttons."))


async def _complete(context: BotContext, chat_id: int, form: Form) -> None:
    assert context.user_record is not None
    _ = context._
    data = form.data
    training_id = int(data["training_id"])
    outcome = await context.services.registrations.register(
        training_id,
        context.user_record.id,
        RegistrationForm(
            full_name=data["full_name"],
            business_name=data["business_name"],
            sector=data["sector"],
            province=data["province"],
            phone=data.get("phone"),
        ),
    )
    await context.services.forms.finish(context.user_record.id)
    messages = {
        Outcome.REGISTERED: "🎉 "
        + _(
            "You are registered! I will remind you the day before and an hour before the "
            "training starts."
        ),
        Outcome.ALREADY: _("You are already registered."),
        Outcome.FULL: _("Sorry, the last seat was just taken: this training is full."),
        Outcome.CLOSED: _("Sorry, registration for this training has closed."),
        Outcome.NOT_FOUND: _("Sorry, this training is no longer available."),
    }
    keyboard = render.back_to_menu(context)
    training = await context.services.trainings.get(training_id)
    if training is not None and training.status != "draft":
        keyboard = InlineKeyboardMarkup(
            [
                [render.button("📅 " + _("Training details"), cb.pack(tcb.TRAINING, training_id))],
                [render.button("🏠 " + _("Main menu"), cb.MENU)],
            ]
        )
    await send_html(context.bot, chat_id, escape(messages[outcome]), keyboard)


async def unregister(update: Update, context: BotContext) -> None:
    """Cancel my registration: ``trc:<id>`` asks, ``trc:<id>:y`` does it."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    args = cb.unpack(query.data)
    training = await _training_from(query.data, context)
    registration = (
        await context.services.registrations.get(training.id, context.user_record.id)
        if training
        else None
    )
    if training is None or registration is None:
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    if len(args) < 2 or args[1] != "y":
        await send_html(
            context.bot,
            query.message.chat.id,
            context._("Cancel your registration for <b>{title}</b>?").format(
                title=escape(training.text(context.locale).title)
            ),
            InlineKeyboardMarkup(
                [
                    [
                        render.button(
                            "✖️ " + context._("Yes, cancel it"),
                            cb.pack(tcb.UNREGISTER, training.id, "y"),
                        ),
                        render.button(
                            "◀️ " + context._("No, keep it"), cb.pack(tcb.TRAINING, training.id)
                        ),
                    ]
                ]
            ),
        )
        return
    await context.services.registrations.cancel(training.id, context.user_record.id)
    await query.edit_message_text(
        context._("Your registration is cancelled and your details for it are deleted."),
        reply_markup=render.back_to_menu(context),
    )
