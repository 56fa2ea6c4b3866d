"""The training catalogue: fields, imports, registration (atomic), and the conversations."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from app.app import build_application
from bot.clock import iso
from bot.registrations import (
    Outcome,
    RegistrationForm,
    match_province,
    normalize_phone,
)
from bot.services import Services
from bot.training_import import import_file
from bot.trainings import (
    FieldError,
    format_when,
    parse_capacity,
    parse_end,
    parse_local_datetime,
    parse_place,
)
from db import inquiries as inquiry_table
from db import trainings as training_table
from telegram_io.offline import OfflineBotAPI
from tests.conftest import STAFF_ID
from tests.harness import FakeClock, Harness, alerts, telegram_user, texts
from tests.outreach import Steps, add_users, make_training

DATA = Path(__file__).parent / "data"
JOHN = telegram_user(6001, "en", first_name="John", last_name="Tan")
SITI = telegram_user(6002, "id", first_name="Siti")
STAFF = telegram_user(STAFF_ID, "en", first_name="Ani")
FORM = RegistrationForm("Siti Aminah", "Warung Siti", "food", "Jawa Barat", None)


# -- fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-03 09:00", "WITA", "2026-12-03T01:00:00Z"),
        ("3/12/2026 09.00", "WIB", "2026-12-03T02:00:00Z"),
        ("03-12-2026 09:00 WIT", "WIB", "2026-12-03T00:00:00Z"),
        ("2026-12-03T09:00", "WIB", "2026-12-03T02:00:00Z"),
    ],
)
def test_local_times_are_read_in_their_zone(text: str, zone: str, expected: str) -> None:
    assert iso(parse_local_datetime(text, zone)) == expected


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01 09:00", "2026-02-30 10:00", ""])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(FieldError):
        parse_local_datetime(text, "WIB")


def test_dates_without_time_and_ends() -> None:
    with pytest.raises(FieldError):
        parse_local_datetime("2026-12-01", "WIB")
    deadline = parse_local_datetime("2026-12-01", "WIB", date_only_means_end_of_day=True)
    assert iso(deadline) == "2026-12-01T16:59:00Z"
    start = parse_local_datetime("2026-12-03 09:00", "WIB")
    assert iso(parse_end("16:00", start, "WIB")) == "2026-12-03T09:00:00Z"
    with pytest.raises(FieldError):
        parse_end("08:00", start, "WIB")


def test_place_capacity_province_and_phone() -> None:
    assert parse_place("Aula Dinas, Makassar") == ("Aula Dinas, Makassar", None)
    assert parse_place("https://zoom.us/j/1") == (None, "https://zoom.us/j/1")
    assert parse_place("Aula | https://zoom.us/j/1") == ("Aula", "https://zoom.us/j/1")
    assert parse_capacity("30") == 30 and parse_capacity("-") is None
    with pytest.raises(FieldError):
        parse_capacity("thirty")
    assert match_province("jabar") == "Jawa Barat"
    assert match_province("Prov. Sulawesi Selatan") == "Sulawesi Selatan"
    assert match_province("West Java") == "Jawa Barat"
    assert match_province("Jawa Barta") == "Jawa Barat"
    assert match_province("DKI") == "DKI Jakarta"
    assert match_province("Atlantis") is None
    assert normalize_phone("0812-3456-7890") == "+6281234567890"
    assert normalize_phone("6281234567890") == "+6281234567890"
    with pytest.raises(FieldError):
        normalize_phone("12")


# -- import --------------------------------------------------------------------------------


async def test_import_yaml_then_csv_then_again_updates(services: Services) -> None:
    report = await import_file(services.db, services.clock, DATA / "trainings.yaml")
    assert report.problems == [] and (report.created, report.updated) == (4, 0)
    report = await import_file(services.db, services.clock, DATA / "trainings.csv")
    assert report.problems == [] and report.created == 2
    report = await import_file(services.db, services.clock, DATA / "trainings.yaml")
    assert (report.created, report.updated) == (0, 4)
    trainings = {t.code: t for t in await services.trainings.for_staff()}
    assert len(trainings) == 6
    siyb = trainings["siyb-makassar-2026-12"]
    assert siyb.timezone == "WITA" and siyb.capacity == 30
    assert iso(siyb.starts_at) == "2026-12-03T01:00:00Z"
    assert iso(siyb.deadline) == "2026-12-01T15:59:00Z"  # the end of that day, WITA
    assert siyb.text("en").title.startswith("SIYB: Start")
    assert siyb.text("id").title.startswith("SIYB: Memulai")
    webinar = trainings["bhr-webinar-2026-12"]
    assert webinar.online_url and webinar.place is None and webinar.capacity is None
    assert trainings["bhr-bali-2027-03"].status == "draft"
    assert "WITA" in format_when(siyb, "id") and "Kamis" in format_when(siyb, "id")


async def test_an_import_with_a_bad_row_changes_nothing(
    services: Services, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    good = (DATA / "trainings.yaml").read_text(encoding="utf-8")
    bad.write_text(
        good.replace('end: "2026-12-04 16:00"', 'end: "2026-12-02 16:00"').replace(
            "programme: SSE", "programme: MBA"
        ),
        encoding="utf-8",
    )
    report = await import_file(services.db, services.clock, bad)
    assert len(report.problems) == 2
    assert report.problems[0].startswith("row 1: end:")
    assert report.problems[1].startswith("row 4: programme:")
    assert await services.trainings.for_staff() == []
    missing = await import_file(services.db, services.clock, tmp_path / "nope.csv")
    assert missing.problems


def test_the_cli_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from app.cli import main

    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "cli.db"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["trainings", "import", str(DATA / "trainings.yaml")]) == 0
    assert "4 trainings created" in capsys.readouterr().out
    assert main(["trainings", "list"]) == 0
    assert "siyb-makassar-2026-12" in capsys.readouterr().out


# -- registration ----------------------------------------------------------------------------


async def test_capacity_holds_under_concurrent_registrations(services: Services) -> None:
    training = await make_training(services, capacity=5)
    await add_users(services, range(1, 21))
    outcomes = await asyncio.gather(
        *(services.registrations.register(training.id, user, FORM) for user in range(1, 21))
    )
    assert outcomes.count(Outcome.REGISTERED) == 5
    assert outcomes.count(Outcome.FULL) == 15
    assert (await services.trainings.get(training.id)).registered == 5


async def test_deadline_draft_and_twice(services: Services, clock: FakeClock) -> None:
    await add_users(services, [1, 2])
    training = await make_training(services, deadline_in=dt.timedelta(days=2))
    assert await services.registrations.register(training.id, 1, FORM) is Outcome.REGISTERED
    assert await services.registrations.register(training.id, 1, FORM) is Outcome.ALREADY
    clock.advance(days=3)
    assert await services.registrations.register(training.id, 2, FORM) is Outcome.CLOSED
    draft = await make_training(services, status="draft")
    assert await services.registrations.register(draft.id, 2, FORM) is Outcome.NOT_FOUND
    assert await services.registrations.register(9999, 2, FORM) is Outcome.NOT_FOUND
    assert await services.registrations.cancel(training.id, 1)
    assert await training_table.registration(services.db, training.id, 1) is None


async def test_a_user_finds_a_training_and_registers(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services, title="Makassar")
    steps = Steps(harness, clock)
    await steps.send(JOHN, "/start")
    await steps.press(JOHN, "Training programmes")
    calls = await steps.press(JOHN, "Upcoming trainings")
    assert "Upcoming trainings" in texts(calls)[0]
    calls = await steps.press(JOHN, "Training Makassar")
    details = texts(calls)[0]
    assert (
        "Training Makassar" in details and "WITA" in details and "Seats left: 30 of 30" in details
    )
    calls = await steps.press(JOHN, "Register")
    assert any("full name" in text for text in texts(calls))
    await steps.press(JOHN, "Use: John Tan")
    await steps.send(JOHN, "Tan Batik")
    await steps.press(JOHN, "Fashion")
    calls = await steps.send(JOHN, "jatim")
    [phone_question] = [c for c in calls if c.method == "sendMessage"]
    button = phone_question.params["reply_markup"]["keyboard"][0][0]
    assert button["request_contact"] is True
    contact = harness.updates.message(JOHN, "x")
    del contact["message"]["text"]
    contact["message"]["contact"] = {
        "phone_number": "6281234567890",
        "first_name": "John",
        "user_id": JOHN["id"],
    }
    calls = await steps.feed(contact)
    removal = [c for c in calls if c.params.get("reply_markup", {}).get("remove_keyboard")]
    assert removal, "the contact keyboard is taken away"
    summary = texts(calls)[-1]
    assert "Law No. 27 of 2022" in summary and "Jawa Timur" in summary
    assert "+6281234567890" in summary
    calls = await steps.press(JOHN, "I agree")
    assert "You are registered" in texts(calls)[0]
    row = await training_table.registration(services.db, training.id, JOHN["id"])
    assert row is not None
    assert (row.full_name, row.business_name, row.sector, row.province, row.phone) == (
        "John Tan",
        "Tan Batik",
        "fashion",
        "Jawa Timur",
        "+6281234567890",
    )
    assert services.forms.active(JOHN["id"]) is None

    calls = await steps.press(JOHN, "Training details")
    assert "You are registered" in texts(calls)[0]
    await steps.press(JOHN, "Cancel my registration")
    calls = await steps.press(JOHN, "Yes, cancel it")
    assert "cancelled" in texts(calls)[0]
    assert await training_table.registration(services.db, training.id, JOHN["id"]) is None


async def test_wrong_answers_are_asked_again(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    steps = Steps(harness, clock)
    await steps.send(JOHN, f"/start training_{training.id}")
    await steps.press(JOHN, "Register")
    calls = await steps.send(JOHN, "J")
    assert "too short" in texts(calls)[0] and "full name" in texts(calls)[1]
    await steps.send(JOHN, "John Tan")
    await steps.send(JOHN, "Tan Batik")
    await steps.send(JOHN, "Batik printing")  # a sector typed instead of pressed
    calls = await steps.send(JOHN, "Atlantis")
    assert "do not recognise that province" in texts(calls)[0]
    await steps.send(JOHN, "Bali")
    someone_else = harness.updates.message(JOHN, "x")
    del someone_else["message"]["text"]
    someone_else["message"]["contact"] = {
        "phone_number": "628111",
        "first_name": "X",
        "user_id": 1,
    }
    calls = await steps.feed(someone_else)
    assert "your own number" in texts(calls)[0]
    await steps.send(JOHN, "Skip")
    await steps.press(JOHN, "I agree")
    row = await training_table.registration(services.db, training.id, JOHN["id"])
    assert row is not None and row.sector == "Batik printing" and row.phone is None


async def test_cancel_ends_the_form_and_questions_work_again(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    steps = Steps(harness, clock)
    await steps.send(JOHN, f"/start training_{training.id}")
    await steps.press(JOHN, "Register")
    calls = await steps.send(JOHN, "/cancel")
    assert "Cancelled" in texts(calls)[0]
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    await steps.send(JOHN, "What is human rights due diligence?")
    [inquiry] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert inquiry.question == "What is human rights due diligence?"
    calls = await steps.press_data(JOHN, "fm:business:x")  # an old form button
    assert alerts(calls) == ["This button has expired."]


async def test_a_half_filled_form_survives_a_restart(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    steps = Steps(harness, clock)
    await steps.send(JOHN, f"/start training_{training.id}")
    await steps.press(JOHN, "Register")
    await steps.send(JOHN, "John Tan")

    restarted = await Services.start(services.settings, clock=clock)
    try:
        api = OfflineBotAPI()
        application = build_application(restarted.settings, restarted, request=api)
        async with application:
            again = Steps(Harness(application, api), clock)
            calls = await again.send(JOHN, "Tan Batik")  # the business name, not a question
            assert "business sector" in texts(calls)[0]
            assert restarted.forms.active(JOHN["id"]).data["full_name"] == "John Tan"
    finally:
        await restarted.close()


async def test_full_and_closed_trainings_offer_no_registration(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services, capacity=1)
    await add_users(services, [1])
    await services.registrations.register(training.id, 1, FORM)
    steps = Steps(harness, clock)
    calls = await steps.send(JOHN, f"/start training_{training.id}")
    assert "This training is full" in texts(calls)[0]
    assert not any("Register" in label for label in harness.buttons(JOHN["id"]))
    calls = await steps.press_data(JOHN, f"trr:{training.id}")  # forged
    assert alerts(calls) == ["Registration for this training is closed."]
    calls = await steps.press_data(JOHN, "trr:99999")
    assert alerts(calls) == ["This button has expired."]


async def test_deep_links_and_drafts(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    draft = await make_training(services, status="draft", title="Secret")
    steps = Steps(harness, clock)
    calls = await steps.send(JOHN, f"/start training_{draft.id}")
    assert "Secret" not in texts(calls)[0] and "Upcoming trainings" in texts(calls)[0]
    calls = await steps.send(JOHN, "/start training_abc")
    assert "Upcoming trainings" in texts(calls)[0]
    calls = await steps.press_data(JOHN, f"trv:{draft.id}")
    assert alerts(calls) == ["This button has expired."]


async def test_registration_in_indonesian(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    steps = Steps(harness, clock)
    calls = await steps.send(SITI, f"/start training_{training.id}")
    assert "Pelatihan SIYB Makassar" in texts(calls)[0]
    calls = await steps.press(SITI, "Daftar")
    assert any("nama lengkap" in text.lower() for text in texts(calls))


# -- staff ---------------------------------------------------------------------------------


async def test_staff_create_a_training_step_by_step(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    steps = Steps(harness, clock)
    calls = await steps.send(STAFF, "/newtraining")
    assert "New training" in texts(calls)[0]
    await steps.press(STAFF, "SCORE")
    await steps.send(STAFF, "ILO SCORE Modul 1 — Bekasi")
    await steps.send(STAFF, "ILO SCORE Module 1 — Bekasi")
    await steps.send(STAFF, "Kerja sama di tempat kerja.")
    await steps.press(STAFF, "Skip")
    await steps.press(STAFF, "WIB")
    calls = await steps.send(STAFF, "2026-01-01 09:00")
    assert "already passed" in texts(calls)[0]
    await steps.send(STAFF, "2026-12-10 08:30")
    await steps.send(STAFF, "16:30")
    await steps.send(STAFF, "Gedung Serbaguna, Cikarang | https://zoom.us/j/123")
    await steps.send(STAFF, "Kemnaker & ILO")
    await steps.send(STAFF, "25")
    calls = await steps.send(STAFF, "2026-12-08")
    previews = texts(calls)
    assert any("ILO SCORE Modul 1" in text for text in previews)
    assert any("ILO SCORE Module 1" in text for text in previews)
    calls = await steps.press(STAFF, "Publish")
    [training] = await services.trainings.for_staff()
    assert training.status == "published" and training.programme == "SCORE"
    assert training.capacity == 25 and training.online_url == "https://zoom.us/j/123"
    assert iso(training.starts_at) == "2026-12-10T01:30:00Z"
    assert iso(training.deadline) == "2026-12-08T16:59:00Z"
    assert training.text("en").description == ""
    assert any("registrants: 0" in text for text in texts(calls))

    await steps.press(STAFF, "Edit")
    await steps.press(STAFF, "Seats")
    await steps.send(STAFF, "40")
    await steps.press(STAFF, "Edit")
    await steps.press(STAFF, "Time zone")
    await steps.press(STAFF, "WITA")
    training = await services.trainings.get(training.id)
    assert training.capacity == 40 and training.timezone == "WITA"
    assert iso(training.starts_at) == "2026-12-10T00:30:00Z"  # still 08:30, now WITA


async def test_staff_manage_registrants_and_status(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    await add_users(services, [1])
    await services.registrations.register(
        training.id, 1, RegistrationForm("=cmd()", "Warung", "food", "Bali", "+628123")
    )
    steps = Steps(harness, clock)
    calls = await steps.send(STAFF, "/trainings")
    assert "staff view" in texts(calls)[0]
    await steps.press(STAFF, "SIYB Makassar")
    calls = await steps.press(STAFF, "Registrants (CSV)")
    [document] = [c for c in calls if c.method == "sendDocument"]
    name, content = document.params["document"]
    assert name.endswith(".csv")
    assert "'=cmd()" in content.decode("utf-8-sig") and "Food and beverages" in content.decode()
    await steps.press(STAFF, "Cancel training")
    await steps.press(STAFF, "Yes, cancel the training")
    assert (await services.trainings.get(training.id)).status == "cancelled"


async def test_users_cannot_use_staff_buttons_or_commands(
    harness: Harness, services: Services, clock: FakeClock
) -> None:
    training = await make_training(services)
    steps = Steps(harness, clock)
    calls = await steps.send(JOHN, "/newtraining")
    assert "staff only" in texts(calls)[0]
    await steps.send(JOHN, "/start")  # a message with buttons to press forged data on
    for data in (
        f"tra:{training.id}",
        f"trs:{training.id}:cancelled:y",
        f"tre:{training.id}:capacity",
        f"trx:{training.id}",
        "trm",
    ):
        calls = await steps.press_data(JOHN, data)
        assert alerts(calls) == ["This is for ministry staff only."]
    assert (await services.trainings.get(training.id)).status == "published"
    calls = await steps.send(JOHN, "/trainings")  # users get the public list
    assert "staff view" not in texts(calls)[0]
