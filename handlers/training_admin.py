"""Trainings for staff: /newtraining (a guided form), the list, editing, status, registrants.

Every handler here checks ``context.is_staff`` itself, on every message and button press:
the role is resolved afresh for each update, so a removed staff member is stopped mid-form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.clock import iso, parse_iso
from bot.forms import Form
from bot.i18n import LOCALES, N_
from bot.text import escape
from bot.trainings import (
    MAX_DESCRIPTION,
    MAX_ORGANISER,
    MAX_TITLE,
    MIN_TITLE,
    PROGRAMMES,
    TIMEZONES,
    FieldError,
    Training,
    TrainingText,
    clean_text,
    format_short_date,
    parse_capacity,
    parse_end,
    parse_local_datetime,
    parse_place,
    parse_programme,
    parse_timezone,
)
from handlers import callbacks as cb
from handlers import forms, render
from handlers import training_callbacks as tcb
from handlers import training_render as view
from handlers.context import BotContext
from handlers.guards import is_staff_or_told, staff_form_allowed
from handlers.send import send_html

NEW_FLOW = "training"
EDIT_FLOW = "training_edit"
SKIP = "skip"
STAFF_PAGE = 10

NEW_STEPS = (
    "programme",
    "title_id",
    "title_en",
    "description_id",
    "description_en",
    "timezone",
    "start",
    "end",
    "place",
    "organiser",
    "capacity",
    "deadline",
    "review",
)

PROMPTS = {
    "programme": N_("Which programme is it?"),
    "title_id": N_("The title in Bahasa Indonesia:"),
    "title_en": N_("The title in English:"),
    "description_id": N_(
        "A short description in Bahasa Indonesia (who it is for, what participants learn), "
        "or press Skip:"
    ),
    "description_en": N_("The description in English, or press Skip:"),
    "timezone": N_("Which time zone are the times in?"),
    "start": N_("When does it start? For example: 2026-12-03 09:00"),
    "end": N_("When does it end? A time (16:00) on the same day, or a date and time."),
    "place": N_(
        "Where? Type the address, an online link (https://...), or both separated by | "
        "for a hybrid event."
    ),
    "organiser": N_("Who organises it? For example: Dinas Koperasi dan UKM Kota Makassar"),
    "capacity": N_("How many seats? Type a number, or press No limit."),
    "deadline": N_(
        "Registration deadline? A date (2026-12-01) or a date and time, or press Until it starts."
    ),
}

FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "programme": ("programme",),
    "title_id": ("texts",),
    "title_en": ("texts",),
    "description_id": ("texts",),
    "description_en": ("texts",),
    "timezone": ("timezone", "starts_at", "ends_at", "deadline"),
    "start": ("starts_at",),
    "end": ("ends_at",),
    "place": ("place", "online_url"),
    "organiser": ("organiser",),
    "capacity": ("capacity",),
    "deadline": ("deadline",),
}
"""What each editable field changes (the time zone keeps the local times as typed)."""


def field_names(context: BotContext) -> dict[str, str]:
    _ = context._
    return {
        "programme": _("Programme"),
        "title_id": _("Title (Indonesian)"),
        "title_en": _("Title (English)"),
        "description_id": _("Description (Indonesian)"),
        "description_en": _("Description (English)"),
        "timezone": _("Time zone"),
        "start": _("Start"),
        "end": _("End"),
        "place": _("Place or link"),
        "organiser": _("Organiser"),
        "capacity": _("Seats"),
        "deadline": _("Registration deadline"),
    }


# -- the list and one training's screen ----------------------------------------------------


async def send_list(context: BotContext, chat_id: int, page: int = 0) -> None:
    html, keyboard = await _list(context, page)
    await send_html(context.bot, chat_id, html, keyboard)


async def list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not await is_staff_or_told(update, context):
        return
    args = cb.unpack(query.data)
    html, keyboard = await _list(context, (cb.parse_int(args[0]) if args else None) or 0)
    await query.answer()
    await query.edit_message_text(html, reply_markup=keyboard)


async def _list(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    trainings = await context.services.trainings.for_staff()
    pages = max(1, -(-len(trainings) // STAFF_PAGE))
    page = min(max(page, 0), pages - 1)
    icons = {"published": "🟢", "draft": "📝", "cancelled": "❌"}
    rows = []
    for training in trainings[page * STAFF_PAGE : (page + 1) * STAFF_PAGE]:
        seats = f"{training.registered}/{training.capacity or '∞'}"
        label = (
            f"{icons.get(training.status, '')} {format_short_date(training, context.locale)} · "
            f"{view.short(training.text(context.locale).title, 36)} ({seats})"
        )
        rows.append([render.button(label, cb.pack(tcb.MANAGE, training.id))])
    paging = []
    if page > 0:
        paging.append(render.button("◀️", cb.pack(tcb.MANAGE_LIST, page - 1)))
    if page < pages - 1:
        paging.append(render.button("▶️", cb.pack(tcb.MANAGE_LIST, page + 1)))
    if paging:
        rows.append(paging)
    rows.append([render.button("➕ " + _("New training"), cb.pack(tcb.EDIT, "new"))])
    rows.append([render.button("📅 " + _("As users see it"), tcb.TRAININGS)])
    html = "<b>" + escape(_("Trainings (staff view)")) + "</b>\n"
    html += escape(
        _("🟢 published · 📝 draft · ❌ cancelled. Registrants/seats in brackets.")
        if trainings
        else _("No trainings yet. Create one with /newtraining or `smebot trainings import`.")
    )
    return html, InlineKeyboardMarkup(rows)


async def _training(update: Update, context: BotContext) -> Training | None:
    """The training a staff button names (ids in callback data are looked up again)."""
    query = update.callback_query
    assert query is not None
    args = cb.unpack(query.data)
    training_id = cb.parse_int(args[0]) if args else None
    training = (
        await context.services.trainings.get(training_id) if training_id is not None else None
    )
    if training is None:
        await query.answer(context._("This button has expired."))
    return training


async def manage(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    training = await _training(update, context)
    if training is None:
        return
    await query.answer()
    await send_manage(context, query.message.chat.id, training)


async def send_manage(context: BotContext, chat_id: int, training: Training) -> None:
    _ = context._
    rows = [
        [
            render.button("✏️ " + _("Edit"), cb.pack(tcb.EDIT, training.id)),
            render.button("📋 " + _("Registrants (CSV)"), cb.pack(tcb.REGISTRANTS, training.id)),
        ],
        [render.button("📣 " + _("Message the registrants"), cb.pack(tcb.ANNOUNCE, training.id))],
    ]
    status_row = []
    if training.status != "published":
        status_row.append(
            render.button("🚀 " + _("Publish"), cb.pack(tcb.STATUS, training.id, "published"))
        )
    if training.status == "published":
        status_row.append(
            render.button("📝 " + _("Back to draft"), cb.pack(tcb.STATUS, training.id, "draft"))
        )
    if training.status != "cancelled":
        status_row.append(
            render.button(
                "❌ " + _("Cancel training"), cb.pack(tcb.STATUS, training.id, "cancelled")
            )
        )
    rows.append(status_row)
    rows.append([render.button("◀️ " + _("All trainings"), tcb.MANAGE_LIST)])
    await send_html(
        context.bot,
        chat_id,
        view.training_html(context, training, staff_view=True),
        InlineKeyboardMarkup(rows),
    )


async def set_status(update: Update, context: BotContext) -> None:
    """``trs:<id>:<status>``; cancelling asks first (``trs:<id>:cancelled:y`` confirms)."""
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    training = await _training(update, context)
    if training is None:
        return
    args = cb.unpack(query.data)
    status = args[1] if len(args) > 1 else ""
    if status not in ("published", "draft", "cancelled"):
        await query.answer(context._("This button has expired."))
        return
    await query.answer()
    if status == "cancelled" and args[2:] != ["y"]:
        await send_html(
            context.bot,
            query.message.chat.id,
            context._(
                "Cancel <b>{title}</b>? Users can no longer register, and the {count} "
                "registrants are not told automatically: use “Message the registrants”."
            ).format(title=escape(training.text(context.locale).title), count=training.registered),
            InlineKeyboardMarkup(
                [
                    [
                        render.button(
                            "❌ " + context._("Yes, cancel the training"),
                            cb.pack(tcb.STATUS, training.id, "cancelled", "y"),
                        ),
                        render.button("◀️ " + context._("No"), cb.pack(tcb.MANAGE, training.id)),
                    ]
                ]
            ),
        )
        return
    try:
        training = await context.services.trainings.set_status(training, status)
    except FieldError as problem:
        await send_html(context.bot, query.message.chat.id, escape(context._(problem.message)))
        return
    await send_manage(context, query.message.chat.id, training)


async def registrants(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    training = await _training(update, context)
    if training is None:
        return
    await query.answer()
    from bot.registrations import SECTORS

    labels = {key: context._(label) for key, label in SECTORS.items()}
    content = await context.services.registrations.export_csv(training, labels)
    await context.bot.send_document(
        query.message.chat.id,
        InputFile(content, filename=f"registrants-{training.code or training.id}.csv"),
        caption=context._("{count} registrants").format(count=training.registered),
    )


async def announce(update: Update, context: BotContext) -> None:
    """A broadcast to this training's registrants: the /broadcast form, audience chosen."""
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    training = await _training(update, context)
    if training is None:
        return
    await query.answer()
    from handlers import broadcast

    await broadcast.start_form(
        context, query.message.chat.id, {"audience": "training", "training_id": training.id}
    )


# -- the forms: new training and edit one field --------------------------------------------


async def new_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    if not await is_staff_or_told(update, context):
        return
    await _start_new(context, update.effective_chat.id)


async def _start_new(context: BotContext, chat_id: int) -> None:
    assert context.user_record is not None
    form = await context.services.forms.start(
        context.user_record.id, NEW_FLOW, NEW_STEPS[0], {"texts": {}}
    )
    await send_html(
        context.bot,
        chat_id,
        context._("➕ <b>New training</b>. Answer a few questions; /cancel stops."),
    )
    await _ask(context, chat_id, form)


async def edit(update: Update, context: BotContext) -> None:
    """``tre:<id>`` shows the fields; ``tre:<id>:<field>`` asks for the new value.
    ``tre:new`` starts /newtraining."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_record is not None
    if not await is_staff_or_told(update, context):
        return
    args = cb.unpack(query.data)
    if args == ["new"]:
        await query.answer()
        await _start_new(context, query.message.chat.id)
        return
    training = await _training(update, context)
    if training is None:
        return
    await query.answer()
    field = args[1] if len(args) > 1 else None
    if field not in FIELD_COLUMNS:
        names = field_names(context)
        keys = list(FIELD_COLUMNS)
        rows = [
            [render.button(names[key], cb.pack(tcb.EDIT, training.id, key)) for key in pair]
            for pair in (keys[i : i + 2] for i in range(0, len(keys), 2))
        ]
        rows.append([render.button("◀️ " + context._("Back"), cb.pack(tcb.MANAGE, training.id))])
        await send_html(
            context.bot,
            query.message.chat.id,
            context._("What do you want to change?"),
            InlineKeyboardMarkup(rows),
        )
        return
    form = await context.services.forms.start(
        context.user_record.id, EDIT_FLOW, field, {"training_id": training.id, **_data(training)}
    )
    await _ask(context, query.message.chat.id, form)


def _data(training: Training) -> dict[str, Any]:
    """A training as form data (JSON: times as ISO strings)."""
    return {
        "programme": training.programme,
        "texts": {
            locale: {"title": text.title, "description": text.description}
            for locale, text in training.texts.items()
        },
        "timezone": training.timezone,
        "starts_at": iso(training.starts_at),
        "ends_at": iso(training.ends_at),
        "place": training.place,
        "online_url": training.online_url,
        "organiser": training.organiser,
        "capacity": training.capacity,
        "deadline": iso(training.deadline) if training.deadline else None,
    }


def _fields(data: dict[str, Any], columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Form data as the service's fields (datetimes, texts); only ``columns`` if given."""
    fields: dict[str, Any] = {
        "programme": data.get("programme"),
        "texts": {
            locale: TrainingText(text.get("title", ""), text.get("description", ""))
            for locale, text in data.get("texts", {}).items()
        },
        "timezone": data.get("timezone"),
        "starts_at": parse_iso(data["starts_at"]) if data.get("starts_at") else None,
        "ends_at": parse_iso(data["ends_at"]) if data.get("ends_at") else None,
        "place": data.get("place"),
        "online_url": data.get("online_url"),
        "organiser": data.get("organiser", ""),
        "capacity": data.get("capacity"),
        "deadline": parse_iso(data["deadline"]) if data.get("deadline") else None,
    }
    if "status" in data:
        fields["status"] = data["status"]
    return fields if columns is None else {key: fields[key] for key in columns}


async def _ask(context: BotContext, chat_id: int, form: Form) -> None:
    _ = context._
    step = form.step
    if step == "review":
        await _review(context, chat_id, form)
        return
    choices: list[list[tuple[str, str]]] = []
    if step == "programme":
        choices = [[(programme, programme) for programme in PROGRAMMES]]
    elif step == "timezone":
        choices = [[(zone, zone) for zone in TIMEZONES]]
    elif step.startswith("description_"):
        choices = [[(_("Skip"), SKIP)]]
    elif step == "capacity":
        choices = [[(_("No limit"), SKIP)]]
    elif step == "deadline":
        choices = [[(_("Until it starts"), SKIP)]]
    html = escape(_(PROMPTS[step]))
    if form.flow == EDIT_FLOW:
        html = "✏️ " + html
    elif step in NEW_STEPS:
        html = f"{NEW_STEPS.index(step) + 1}/{len(NEW_STEPS) - 1} · " + html
    await forms.ask(context, chat_id, html, step, choices)


def _preview(data: dict[str, Any]) -> Training:
    fields = _fields(data)
    return Training(
        id=0,
        code=None,
        programme=fields["programme"],
        texts=fields["texts"],
        starts_at=fields["starts_at"],
        ends_at=fields["ends_at"],
        timezone=fields["timezone"],
        place=fields["place"],
        online_url=fields["online_url"],
        organiser=fields["organiser"],
        capacity=fields["capacity"],
        deadline=fields["deadline"],
        status="draft",
        registered=0,
    )


async def _review(context: BotContext, chat_id: int, form: Form) -> None:
    _ = context._
    for locale in LOCALES:  # each language as users will see it
        original = context.locale
        context.locale = locale
        try:
            html = view.training_html(context, _preview(form.data))
        finally:
            context.locale = original
        await send_html(context.bot, chat_id, html)
    await forms.ask(
        context,
        chat_id,
        escape(_("Publish this training now, or save it as a draft that users cannot see yet?")),
        "review",
        [[("🚀 " + _("Publish"), "published"), ("📝 " + _("Save as draft"), "draft")]],
    )


@dataclass(frozen=True, slots=True)
class _Given:
    """One answer to the training form, with what every step needs to read it."""

    answer: forms.Answer
    text: str
    zone: str
    now: Any


def _set_text(step: str, given: _Given, data: dict[str, Any]) -> None:
    kind, locale = step.split("_")
    texts = data.setdefault("texts", {}).setdefault(locale, {"title": "", "description": ""})
    if kind == "title":
        texts["title"] = clean_text(given.text, MAX_TITLE, MIN_TITLE)
    else:
        texts["description"] = (
            "" if given.answer.choice == SKIP else clean_text(given.text, MAX_DESCRIPTION, 0)
        )


def _set_programme(given: _Given, data: dict[str, Any]) -> None:
    data["programme"] = parse_programme(given.answer.choice or given.text)


def _set_timezone(given: _Given, data: dict[str, Any]) -> None:
    new_zone = parse_timezone(given.answer.choice or given.text)
    for key in ("starts_at", "ends_at", "deadline"):  # keep the local times as typed
        if data.get(key):
            local = parse_iso(data[key]).astimezone(TIMEZONES[given.zone])
            data[key] = iso(local.replace(tzinfo=TIMEZONES[new_zone]))
    data["timezone"] = new_zone


def _set_start(given: _Given, data: dict[str, Any]) -> None:
    starts_at = parse_local_datetime(given.text, given.zone)
    if starts_at <= given.now:
        raise FieldError(N_("That time has already passed."))
    data["starts_at"] = iso(starts_at)


def _set_end(given: _Given, data: dict[str, Any]) -> None:
    data["ends_at"] = iso(parse_end(given.text, parse_iso(data["starts_at"]), given.zone))


def _set_place(given: _Given, data: dict[str, Any]) -> None:
    data["place"], data["online_url"] = parse_place(given.text)


def _set_organiser(given: _Given, data: dict[str, Any]) -> None:
    data["organiser"] = clean_text(given.text, MAX_ORGANISER, 2)


def _set_capacity(given: _Given, data: dict[str, Any]) -> None:
    data["capacity"] = None if given.answer.choice == SKIP else parse_capacity(given.text)


def _set_deadline(given: _Given, data: dict[str, Any]) -> None:
    if given.answer.choice == SKIP:
        data["deadline"] = None
        return
    deadline = parse_local_datetime(given.text, given.zone, date_only_means_end_of_day=True)
    if data.get("starts_at") and deadline > parse_iso(data["starts_at"]):
        raise FieldError(N_("The registration deadline must be before the start."))
    data["deadline"] = iso(deadline)


def _set_status(given: _Given, data: dict[str, Any]) -> None:
    if given.answer.choice not in ("published", "draft"):
        raise FieldError(N_("Please press one of the buttons."))
    data["status"] = given.answer.choice


_SETTERS: dict[str, Callable[[_Given, dict[str, Any]], None]] = {
    "programme": _set_programme,
    "timezone": _set_timezone,
    "start": _set_start,
    "end": _set_end,
    "place": _set_place,
    "organiser": _set_organiser,
    "capacity": _set_capacity,
    "deadline": _set_deadline,
    "review": _set_status,
}
"""Each step of the training form (besides the titles and descriptions): store its answer."""


def _apply(step: str, answer: forms.Answer, data: dict[str, Any], now: Any) -> None:
    """Store the answer to ``step`` in ``data``; raises :class:`FieldError` if it is wrong."""
    given = _Given(answer, (answer.text or "").strip(), data.get("timezone") or "WIB", now)
    if step.startswith(("title_", "description_")):
        _set_text(step, given, data)
    elif step in _SETTERS:
        _SETTERS[step](given, data)


@forms.flow(NEW_FLOW)
async def on_new_answer(
    update: Update, context: BotContext, form: Form, answer: forms.Answer
) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    chat_id = update.effective_chat.id
    if not await staff_form_allowed(context, chat_id):
        return
    try:
        _apply(form.step, answer, form.data, context.services.clock.now())
        if form.step == "review":
            training = await context.services.trainings.create(
                _fields(form.data) | {"status": form.data["status"]}, context.user_record.id
            )
    except FieldError as problem:
        await _problem(context, chat_id, problem)
        await _ask(context, chat_id, form)
        return
    if form.step == "review":
        await context.services.forms.finish(context.user_record.id)
        await send_html(context.bot, chat_id, escape(context._("Saved.")))
        await send_manage(context, chat_id, training)
        return
    form.step = NEW_STEPS[NEW_STEPS.index(form.step) + 1]
    await context.services.forms.save(form)
    await _ask(context, chat_id, form)


@forms.flow(EDIT_FLOW)
async def on_edit_answer(
    update: Update, context: BotContext, form: Form, answer: forms.Answer
) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    chat_id = update.effective_chat.id
    if not await staff_form_allowed(context, chat_id):
        return
    service = context.services.trainings
    training = await service.get(int(form.data["training_id"]))
    if training is None:
        await context.services.forms.finish(context.user_record.id)
        await send_html(context.bot, chat_id, escape(context._("This training no longer exists.")))
        return
    try:
        _apply(form.step, answer, form.data, context.services.clock.now())
        training = await service.update(training, _fields(form.data, FIELD_COLUMNS[form.step]))
    except FieldError as problem:
        await _problem(context, chat_id, problem)
        await _ask(context, chat_id, form)
        return
    await context.services.forms.finish(context.user_record.id)
    await send_html(context.bot, chat_id, escape(context._("Saved.")))
    await send_manage(context, chat_id, training)


async def _problem(context: BotContext, chat_id: int, problem: FieldError) -> None:
    await send_html(
        context.bot, chat_id, "⚠️ " + escape(context._(problem.message).format(**problem.values))
    )
