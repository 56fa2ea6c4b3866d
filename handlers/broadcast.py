"""/broadcast (staff): write, choose the audience, preview, confirm; /broadcasts; controls.

The announcement keeps the staff member's formatting (the message's ``text_html``). Once
confirmed it is stored and the background sender (:mod:`bot.sender`) delivers it; the
confirmation message becomes the progress message the sender edits, with Pause, Resume and
Cancel buttons. Every step and every button re-checks ``context.is_staff``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot.broadcasts import Audience, AudienceKind, Progress
from bot.clock import iso, parse_iso
from bot.forms import Form
from bot.i18n import LANGUAGE_NAMES, LOCALES, N_
from bot.subscriptions import TOPICS
from bot.text import MESSAGE_LIMIT, check_html, escape
from bot.trainings import DEFAULT_TIMEZONE, FieldError, format_moment, parse_local_datetime
from db.broadcasts import BroadcastRow
from handlers import callbacks as cb
from handlers import forms, render
from handlers import training_callbacks as tcb
from handlers.context import SERVICES_KEY, BotContext
from handlers.guards import is_staff_or_told, staff_form_allowed
from handlers.send import send_html
from handlers.training_render import short

logger = logging.getLogger(__name__)

FLOW = "broadcast"
SKIP = "skip"
NOW = "now"
LATER = "later"
SEND = "send"
TRAININGS_OFFERED = 10
"""Trainings offered as an audience: the upcoming ones, soonest first."""

Translate = Callable[[str], str]


async def command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    if not await is_staff_or_told(update, context):
        return
    await start_form(context, update.effective_chat.id, {})


async def start_form(context: BotContext, chat_id: int, preset: dict[str, object]) -> None:
    """Open the form; ``preset`` may fix the audience (a training's registrants)."""
    assert context.user_record is not None
    form = await context.services.forms.start(
        context.user_record.id, FLOW, "text", {"texts": {}, **preset}
    )
    await _ask(context, chat_id, form)


# -- the form ------------------------------------------------------------------------------


async def _ask(context: BotContext, chat_id: int, form: Form) -> None:
    _ = context._
    step, data = form.step, form.data
    if step == "text":
        await forms.ask(
            context,
            chat_id,
            _(
                "📣 <b>New announcement</b>\nSend the text as one message. Bold, italics and "
                "links are kept exactly as you write them. /cancel stops."
            ),
            step,
        )
    elif step == "language":
        await forms.ask(
            context,
            chat_id,
            escape(_("Which language is this text in?")),
            step,
            [[(LANGUAGE_NAMES[locale], locale) for locale in LOCALES]],
        )
    elif step == "other":
        other = next(locale for locale in LOCALES if locale != data["primary"])
        await forms.ask(
            context,
            chat_id,
            escape(
                _(
                    "Now send the same announcement in {language}, or press Skip: then "
                    "everyone gets the text you already sent."
                ).format(language=LANGUAGE_NAMES[other])
            ),
            step,
            [[(_("Skip"), SKIP)]],
        )
    elif step == "audience":
        await forms.ask(
            context,
            chat_id,
            escape(_("Who should receive it?")),
            step,
            [
                [(_("All subscribers"), AudienceKind.ALL.value)],
                [(_("Subscribers of one language"), AudienceKind.LANGUAGE.value)],
                [(_("Subscribers of one topic"), AudienceKind.TOPIC.value)],
                [(_("Registrants of a training"), AudienceKind.TRAINING.value)],
            ],
        )
    elif step == "audience_value":
        await _ask_audience_value(context, chat_id, form)
    elif step == "when":
        await forms.ask(
            context,
            chat_id,
            escape(_("When should it go out?")),
            step,
            [[("🚀 " + _("Now"), NOW), ("🕘 " + _("Later"), LATER)]],
        )
    elif step == "send_at":
        await forms.ask(
            context,
            chat_id,
            escape(
                _(
                    "Type the date and time, for example 2026-12-01 09:00 (WIB; add WITA or "
                    "WIT for those zones)."
                )
            ),
            step,
        )
    elif step == "confirm":
        await _preview(context, chat_id, form)


async def _ask_audience_value(context: BotContext, chat_id: int, form: Form) -> None:
    _ = context._
    kind = form.data["audience"]
    if kind == AudienceKind.LANGUAGE.value:
        choices = [[(LANGUAGE_NAMES[locale], locale) for locale in LOCALES]]
        question = _("Which language?")
    elif kind == AudienceKind.TOPIC.value:
        choices = [[(_(name), topic)] for topic, name in TOPICS.items()]
        question = _("Which topic?")
    else:
        trainings = (await context.services.trainings.for_staff())[:TRAININGS_OFFERED]
        choices = [
            [(f"{short(t.text(context.locale).title, 40)} ({t.registered})", str(t.id))]
            for t in trainings
        ]
        question = (
            _("Which training's registrants?") if trainings else _("There are no trainings.")
        )
    await forms.ask(context, chat_id, escape(question), "audience_value", choices)


Data = dict[str, Any]
PRESS_A_BUTTON = N_("Please press one of the buttons.")
SEND_TEXT = N_("Please send the announcement as a text message.")


def _has_text(answer: forms.Answer) -> bool:
    return bool(answer.html and answer.text and answer.text.strip())


def _take_text(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if not _has_text(answer):
        raise FieldError(SEND_TEXT)
    data["first_html"] = answer.html
    return "language"


def _take_language(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if answer.choice not in LOCALES:
        raise FieldError(PRESS_A_BUTTON)
    data["primary"] = answer.choice
    data["texts"] = {answer.choice: data.pop("first_html")}
    return "other"


def _take_other(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if answer.choice != SKIP:
        if not _has_text(answer):
            raise FieldError(SEND_TEXT)
        other = next(locale for locale in LOCALES if locale != data["primary"])
        data["texts"][other] = answer.html
    return "when" if data.get("audience") else "audience"


def _take_audience(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if answer.choice not in [kind.value for kind in AudienceKind]:
        raise FieldError(PRESS_A_BUTTON)
    data["audience"] = answer.choice
    return "when" if answer.choice == AudienceKind.ALL.value else "audience_value"


def _take_audience_value(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if data["audience"] == AudienceKind.TRAINING.value:
        training_id = cb.parse_int(answer.choice)
        if training_id is None:
            raise FieldError(PRESS_A_BUTTON)
        data["training_id"] = training_id
    else:
        data["audience_value"] = answer.choice
    _audience(data)  # raises on a value that does not fit
    return "when"


def _take_when(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    if answer.choice not in (NOW, LATER):
        raise FieldError(PRESS_A_BUTTON)
    data["send_at"] = None
    return "confirm" if answer.choice == NOW else "send_at"


def _take_send_at(data: Data, answer: forms.Answer, now: dt.datetime) -> str:
    send_at = parse_local_datetime(answer.text or "", DEFAULT_TIMEZONE)
    if send_at <= now:
        raise FieldError(N_("That time has already passed."))
    data["send_at"] = iso(send_at)
    return "confirm"


_STEPS: dict[str, Callable[[Data, forms.Answer, dt.datetime], str]] = {
    "text": _take_text,
    "language": _take_language,
    "other": _take_other,
    "audience": _take_audience,
    "audience_value": _take_audience_value,
    "when": _take_when,
    "send_at": _take_send_at,
}
"""Each step of the form: store its answer, return the next step."""


def _take(form: Form, answer: forms.Answer, now: dt.datetime) -> str:
    """Store the answer to the current step; returns the next step."""
    take = _STEPS.get(form.step)
    if take is None:
        raise FieldError(PRESS_A_BUTTON)
    return take(form.data, answer, now)


def _audience(data: dict[str, object]) -> Audience:
    try:
        training_id = data.get("training_id")
        return Audience(
            AudienceKind(str(data["audience"])),
            str(data["audience_value"]) if data.get("audience_value") else None,
            int(training_id) if isinstance(training_id, int) else None,
        )
    except (KeyError, ValueError):
        raise FieldError(N_("Please press one of the buttons.")) from None


@forms.flow(FLOW)
async def on_answer(update: Update, context: BotContext, form: Form, answer: forms.Answer) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    chat_id = update.effective_chat.id
    if not await staff_form_allowed(context, chat_id):
        return
    if form.step == "confirm":
        if answer.choice == SEND:
            await _confirm(update, context, form)
        else:
            await _ask(context, chat_id, form)
        return
    try:
        next_step = _take(form, answer, context.services.clock.now())
        if (
            next_step == "audience_value"
            and form.data["audience"] == AudienceKind.TRAINING.value
            and not await context.services.trainings.for_staff()
        ):
            raise FieldError(N_("There are no trainings."))
    except FieldError as problem:
        await send_html(context.bot, chat_id, "⚠️ " + escape(context._(problem.message)))
        await _ask(context, chat_id, form)
        return
    form.step = next_step
    await context.services.forms.save(form)
    await _ask(context, chat_id, form)


async def _preview(context: BotContext, chat_id: int, form: Form) -> None:
    """Each language's message exactly as recipients will get it, then the summary."""
    _ = context._
    services = context.services
    data = form.data
    audience = _audience(data)
    composed = services.broadcasts.compose(
        data["texts"], data["primary"], footer=audience.kind is not AudienceKind.TRAINING
    )
    for locale in LOCALES:
        if check_html(composed[locale])[1] > MESSAGE_LIMIT:
            await send_html(context.bot, chat_id, escape(_("That text is too long.")))
            return
        await send_html(
            context.bot,
            chat_id,
            "<i>"
            + escape(_("Preview: {language}").format(language=LANGUAGE_NAMES[locale]))
            + "</i>",
        )
        await context.bot.send_message(chat_id, composed[locale])
    count = await services.broadcasts.estimate(audience)
    lines = [
        "<b>" + escape(_("Ready to send")) + "</b>",
        escape(
            _("Audience: {audience}").format(
                audience=audience_label(_, audience, await _title(context, audience.training_id))
            )
        ),
        escape(
            _("Recipients now: {count}").format(count=format_decimal(count, locale=context.locale))
        ),
    ]
    if data.get("send_at"):
        moment = format_moment(parse_iso(str(data["send_at"])), DEFAULT_TIMEZONE, context.locale)
        lines.append(escape(_("Sending at: {moment}").format(moment=moment)))
    lines.append(
        escape(
            _("At {rate} messages a second this takes about {duration}.").format(
                rate=format_decimal(services.broadcasts.rate, locale=context.locale),
                duration=_duration(count / services.broadcasts.rate, context.locale),
            )
        )
    )
    await forms.ask(
        context,
        chat_id,
        "\n".join(lines),
        "confirm",
        [[("✅ " + _("Send to {count} people").format(count=count), SEND)]],
    )


async def _confirm(update: Update, context: BotContext, form: Form) -> None:
    assert update.effective_chat is not None and context.user_record is not None
    services = context.services
    data = form.data
    await services.forms.finish(context.user_record.id)  # a second press finds no form
    broadcast = await services.broadcasts.create(
        context.user_record.id,
        dict(data["texts"]),
        str(data["primary"]),
        _audience(data),
        parse_iso(str(data["send_at"])) if data.get("send_at") else None,
    )
    progress = await services.broadcasts.progress(broadcast)
    html, keyboard = render_progress(
        context._, context.locale, progress, await _title(context, broadcast.training_id)
    )
    message = await send_html(context.bot, update.effective_chat.id, html, keyboard)
    await services.broadcasts.set_progress_message(broadcast.id, message.message_id)


# -- progress, the list and the controls --------------------------------------------------


def _duration(seconds: float, locale: str) -> str:
    return format_timedelta(dt.timedelta(seconds=max(1, seconds)), locale=locale)


def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def audience_label(_: Translate, audience: Audience, training_title: str | None = None) -> str:
    if audience.kind is AudienceKind.ALL:
        return _("all subscribers")
    if audience.kind is AudienceKind.LANGUAGE:
        return _("subscribers reading {language}").format(
            language=LANGUAGE_NAMES.get(audience.value or "", audience.value)
        )
    if audience.kind is AudienceKind.TOPIC:
        topic = TOPICS.get(audience.value or "", audience.value or "")
        return _("subscribers of “{topic}”").format(topic=_(topic))
    title = training_title or f"#{audience.training_id}"
    return _("registrants of “{training}”").format(training=title)


STATUS_NAMES = {
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "paused": N_("paused"),
    "done": N_("finished"),
    "cancelled": N_("cancelled"),
}


def render_progress(
    _: Translate, locale: str, progress: Progress, training_title: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress message: counts, remaining and ETA, and the buttons that apply now."""
    broadcast = progress.broadcast
    kind = _("Reminder") if broadcast.kind == "reminder" else _("Announcement")
    status = _(STATUS_NAMES[broadcast.status])
    audience = audience_label(_, Audience.of(broadcast), training_title)
    lines = [
        f"📣 <b>{escape(kind)} #{broadcast.id}</b> · {escape(status)}",
        escape(_("Audience: {audience}").format(audience=audience)),
    ]
    if broadcast.status == "scheduled":
        moment = format_moment(parse_iso(broadcast.send_at), DEFAULT_TIMEZONE, locale)
        lines.append(escape(_("Sending at: {moment}").format(moment=moment)))
    lines += [
        "✅ " + escape(_("Sent: {count}").format(count=_number(progress.sent, locale))),
        "🚫 "
        + escape(_("Blocked the bot: {count}").format(count=_number(progress.blocked, locale))),
        "⚠️ " + escape(_("Failed: {count}").format(count=_number(progress.failed, locale))),
    ]
    remaining = "⏳ " + _("Remaining: {count}").format(count=_number(progress.remaining, locale))
    if progress.eta is not None and progress.remaining:
        remaining += " · " + _("about {duration}").format(
            duration=format_timedelta(progress.eta, locale=locale)
        )
    lines.append(escape(remaining))
    rows = []
    if broadcast.status == "sending":
        rows.append(render.button("⏸ " + _("Pause"), cb.pack(tcb.BROADCAST, "p", broadcast.id)))
    if broadcast.status == "paused":
        rows.append(render.button("▶️ " + _("Resume"), cb.pack(tcb.BROADCAST, "r", broadcast.id)))
    if broadcast.status in ("scheduled", "sending", "paused"):
        rows.append(render.button("✖️ " + _("Cancel"), cb.pack(tcb.BROADCAST, "x", broadcast.id)))
    return "\n".join(lines), InlineKeyboardMarkup([rows]) if rows else None


def final_report(_: Translate, locale: str, progress: Progress) -> str:
    broadcast = progress.broadcast
    values = {
        "id": broadcast.id,
        "sent": _number(progress.sent, locale),
        "blocked": _number(progress.blocked, locale),
        "failed": _number(progress.failed, locale),
        "remaining": _number(progress.remaining, locale),
        "total": _number(progress.total, locale),
    }
    if broadcast.status == "cancelled":
        return "✖️ " + _(
            "Announcement #{id} was cancelled: {sent} sent before that, {remaining} not sent."
        ).format(**values)
    text = "✅ " + _(
        "Announcement #{id} is finished: {sent} of {total} delivered, {blocked} had blocked the "
        "bot, {failed} failed."
    ).format(**values)
    if broadcast.started_at and broadcast.finished_at:
        seconds = (
            parse_iso(broadcast.finished_at) - parse_iso(broadcast.started_at)
        ).total_seconds()
        text += " " + _("Time taken: {duration}.").format(duration=_duration(seconds, locale))
    return text


async def _title(context: BotContext, training_id: int | None) -> str | None:
    """The title of the training whose registrants are the audience, if any."""
    if training_id is None:
        return None
    training = await context.services.trainings.get(training_id)
    return training.text(context.locale).title if training else None


async def list_command(update: Update, context: BotContext) -> None:
    """/broadcasts: the recent ones, newest first, each opening its progress screen."""
    assert update.effective_chat is not None
    if not await is_staff_or_told(update, context):
        return
    await _send_list(context, update.effective_chat.id)


async def list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    await query.answer()
    await _send_list(context, query.message.chat.id)


async def _send_list(context: BotContext, chat_id: int) -> None:
    _ = context._
    broadcasts = await context.services.broadcasts.recent()
    if not broadcasts:
        await send_html(
            context.bot, chat_id, escape(_("No announcements yet. Start one with /broadcast."))
        )
        return
    icons = {"scheduled": "🕘", "sending": "📤", "paused": "⏸", "done": "✅", "cancelled": "✖️"}
    rows = []
    for broadcast in broadcasts:
        progress = await context.services.broadcasts.progress(broadcast)
        kind = _("Reminder") if broadcast.kind == "reminder" else _("Announcement")
        label = (
            f"{icons[broadcast.status]} {kind} #{broadcast.id} · "
            f"{_number(progress.sent, context.locale)}/{_number(progress.total, context.locale)}"
        )
        rows.append([render.button(label, cb.pack(tcb.BROADCAST, "v", broadcast.id))])
    await send_html(
        context.bot,
        chat_id,
        "<b>" + escape(_("Recent announcements")) + "</b>",
        InlineKeyboardMarkup(rows),
    )


async def control(update: Update, context: BotContext) -> None:
    """``bc:<action>:<id>``: v(iew), p(ause), r(esume), x (cancel: ask), xy (cancel: do)."""
    query = update.callback_query
    assert query is not None and query.message is not None
    if not await is_staff_or_told(update, context):
        return
    args = cb.unpack(query.data)
    service = context.services.broadcasts
    broadcast_id = cb.parse_int(args[1]) if len(args) == 2 else None
    broadcast = await service.get(broadcast_id) if broadcast_id is not None else None
    if broadcast is None or args[0] not in ("v", "p", "r", "x", "xy"):
        await query.answer(context._("This button has expired."))
        return
    action = args[0]
    if action == "x":
        await query.answer()
        await send_html(
            context.bot,
            query.message.chat.id,
            escape(
                context._(
                    "Cancel announcement #{id}? Messages not sent yet will not be sent."
                ).format(id=broadcast.id)
            ),
            InlineKeyboardMarkup(
                [
                    [
                        render.button(
                            "✖️ " + context._("Yes, cancel it"),
                            cb.pack(tcb.BROADCAST, "xy", broadcast.id),
                        ),
                        render.button(
                            "◀️ " + context._("No"), cb.pack(tcb.BROADCAST, "v", broadcast.id)
                        ),
                    ]
                ]
            ),
        )
        return
    done = True
    if action == "p":
        done = await service.pause(broadcast.id)
    elif action == "r":
        done = await service.resume(broadcast.id)
    elif action == "xy":
        done = await service.cancel(broadcast.id)
    await query.answer(None if done else context._("That is no longer possible."))
    broadcast = await service.get(broadcast.id)
    assert broadcast is not None
    html, keyboard = render_progress(
        context._,
        context.locale,
        await service.progress(broadcast),
        await _title(context, broadcast.training_id),
    )
    if action == "v":
        await send_html(context.bot, query.message.chat.id, html, keyboard)
    else:
        with contextlib.suppress(BadRequest):  # "message is not modified"
            await query.edit_message_text(html, reply_markup=keyboard)


class TelegramReporter:
    """The sender's :class:`bot.sender.Reporter`: edits the progress message in the staff
    member's language, and sends the final report as a new message (so it notifies)."""

    def __init__(self, application: Application) -> None:
        self._application = application

    async def _language(self, user_id: int) -> tuple[Translate, str]:
        services = self._application.bot_data[SERVICES_KEY]
        locale = services.users.locale_of(await services.users.get(user_id))

        def translate(message: str) -> str:
            return services.catalogs.gettext(locale, message)

        return translate, locale

    async def _title(self, broadcast: BroadcastRow, locale: str) -> str | None:
        if broadcast.training_id is None:
            return None
        services = self._application.bot_data[SERVICES_KEY]
        training = await services.trainings.get(broadcast.training_id)
        return training.text(locale).title if training else None

    async def progress(self, progress: Progress) -> None:
        broadcast = progress.broadcast
        assert broadcast.created_by is not None
        _, locale = await self._language(broadcast.created_by)
        html, keyboard = render_progress(_, locale, progress, await self._title(broadcast, locale))
        await self._edit(broadcast, html, keyboard)

    async def finished(self, progress: Progress) -> None:
        broadcast = progress.broadcast
        assert broadcast.created_by is not None
        _, locale = await self._language(broadcast.created_by)
        html, _keyboard = render_progress(
            _, locale, progress, await self._title(broadcast, locale)
        )
        await self._edit(broadcast, html, None)
        await send_html(
            self._application.bot, broadcast.created_by, escape(final_report(_, locale, progress))
        )

    async def _edit(
        self, broadcast: BroadcastRow, html: str, keyboard: InlineKeyboardMarkup | None
    ) -> None:
        if broadcast.progress_message_id is None or broadcast.created_by is None:
            return
        try:
            await self._application.bot.edit_message_text(
                html,
                chat_id=broadcast.created_by,
                message_id=broadcast.progress_message_id,
                reply_markup=keyboard,
            )
        except BadRequest as error:
            if "not modified" not in error.message:
                logger.warning(
                    "Broadcast %d: progress message not edited: %s", broadcast.id, error
                )
        except TelegramError as error:
            logger.warning("Broadcast %d: progress message not edited: %s", broadcast.id, error)
