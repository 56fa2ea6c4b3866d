"""/privacy, /mydata, /forgetme and the retention period (UU PDP 27/2022)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from app import cli
from bot.config import Settings
from bot.services import Services
from db import inquiries as inquiry_table
from db import staff as staff_table
from db import users as user_table
from tests.desk_helpers import COLLEAGUE, JOHN, SITI, STAFF, make_staff, open_question
from tests.harness import FakeClock, Harness, texts


async def test_privacy_says_what_why_and_how_long(harness: Harness, services: Services) -> None:
    calls = await harness.send(JOHN, "/privacy")
    [html] = texts(calls)
    assert "What is stored" in html and "Why" in html and "365 days" in html
    assert "/mydata" in html and "/forgetme" in html and "27" in html
    for kind in ("Training registrations", "self-check", "announcement topics", "form"):
        assert kind in html  # every kind of data the bot keeps is named
    calls = await harness.send(SITI, "/privacy")
    assert "365 hari" in texts(calls)[0]
    assert "Pendaftaran pelatihan" in texts(calls)[0]


async def test_my_data_sends_the_users_own_data_only(harness: Harness, services: Services) -> None:
    await open_question(harness, services, SITI, "Pertanyaan Siti")
    await open_question(harness, services, JOHN, "John's question")
    calls = await harness.send(SITI, "/mydata")
    [document] = [call for call in calls if call.method == "sendDocument"]
    assert int(document.params["chat_id"]) == SITI["id"]
    name, content = document.params["document"]
    assert name.endswith(".json")
    data = json.loads(content)
    assert data["tables"]["users"][0]["username"] == "siti_umkm"
    assert [row["question"] for row in data["tables"]["inquiries"]] == ["Pertanyaan Siti"]
    assert "John" not in content.decode()


async def test_forget_me_asks_first_and_no_keeps_everything(
    harness: Harness, services: Services
) -> None:
    await open_question(harness, services, SITI, "Simpan saja")
    calls = await harness.send(SITI, "/forgetme")
    assert "tidak dapat dibatalkan" in texts(calls)[0]
    await harness.press(SITI, "Tidak")
    assert await user_table.get(services.db, SITI["id"]) is not None
    [inquiry] = await inquiry_table.for_user(services.db, SITI["id"])
    assert inquiry.question == "Simpan saja"


async def test_forget_me_erases_the_user_and_anonymises_questions(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Nama saya Siti, toko di Bogor")
    answered_id = await open_question(harness, services, SITI, "Kedua")
    await harness.send(STAFF, f"/reply {answered_id} Jawaban untuk Siti")
    await open_question(harness, services, JOHN, "John stays")
    await harness.send(SITI, "/subscribe")

    await harness.send(SITI, "/forgetme")
    calls = await harness.press(SITI, "Ya, hapus")
    assert "dihapus" in texts(calls)[0]
    assert await user_table.get(services.db, SITI["id"]) is None
    for anonymous_id in (inquiry_id, answered_id):
        inquiry = await inquiry_table.get(services.db, anonymous_id)
        assert inquiry.user_id is None and inquiry.question == "" and inquiry.answer is None
        assert inquiry.chat_id == 0 and inquiry.message_id is None
    assert (await inquiry_table.get(services.db, answered_id)).status == "answered"  # counts
    [johns] = await inquiry_table.for_user(services.db, JOHN["id"])
    assert johns.question == "John stays"

    stats = await services.stats.compute()
    assert stats.total(30) == 3

    calls = await harness.send(STAFF, "/export")
    [document] = [call for call in calls if call.method == "sendDocument"]
    assert b"Siti" not in document.params["document"][1]

    services.clock.advance(minutes=10)
    await harness.send(SITI, "/start")  # a new, empty record
    record = await user_table.get(services.db, SITI["id"])
    assert record is not None and not record.subscribed
    assert await inquiry_table.for_user(services.db, SITI["id"]) == []


async def test_forget_me_cascades_to_per_user_tables(harness: Harness, services: Services) -> None:
    """A staff member's role and unfinished step go with their user row."""
    inquiry_id = await open_question(harness, services, SITI, "Q")
    await make_staff(harness, services, COLLEAGUE)
    await services.desk.start_reply(COLLEAGUE["id"], inquiry_id)
    await harness.send(COLLEAGUE, "/forgetme")
    await harness.press(COLLEAGUE, "Ya, hapus")
    assert not await staff_table.is_staff(services.db, COLLEAGUE["id"])
    assert await staff_table.get_step(services.db, COLLEAGUE["id"]) is None
    audit = await staff_table.audit(services.db, 10)
    assert audit and audit[0].target_id == COLLEAGUE["id"]  # the accountability record stays


async def test_a_staff_answer_to_a_forgotten_user_is_refused(
    harness: Harness, services: Services
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Q")
    await harness.send(SITI, "/forgetme")
    await harness.press(SITI, "Ya, hapus")
    calls = await harness.send(STAFF, f"/reply {inquiry_id} Too late")
    assert "deleted their data" in texts(calls)[0]
    assert [c for c in calls if int(c.params.get("chat_id", 0) or 0) == SITI["id"]] == []


async def test_retention_anonymises_only_old_questions(
    harness: Harness, services: Services
) -> None:
    old_id = await open_question(harness, services, SITI, "Lama")
    services.clock.advance(days=400)
    new_id = await open_question(harness, services, SITI, "Baru")
    assert await services.privacy.purge_expired() == 1
    old = await inquiry_table.get(services.db, old_id)
    assert old.question == "" and old.user_id is None
    assert (await inquiry_table.get(services.db, new_id)).question == "Baru"
    assert await services.privacy.purge_expired() == 0  # already done
    assert await user_table.get(services.db, SITI["id"]) is not None


async def test_retention_runs_at_start_up(harness: Harness, services: Services) -> None:
    old_id = await open_question(harness, services, SITI, "Lama")
    services.clock.advance(days=366)
    await harness.application.post_init(harness.application)
    assert (await inquiry_table.get(services.db, old_id)).question == ""


async def test_the_daily_loop_purges_until_cancelled(services: Services) -> None:
    calls = []

    async def counting() -> int:
        calls.append(1)
        return 0

    services.privacy.purge_expired = counting  # type: ignore[method-assign]
    task = asyncio.create_task(services.privacy.run_daily(dt.timedelta(seconds=0.01)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 2


def test_db_purge_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    clock = FakeClock(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    async def seed() -> None:
        services = await Services.start(Settings(database_path=str(tmp_path / "bot.db")), clock)
        await user_table.touch(services.db, 1, "A", None, None, "id", "2020-01-01T00:00:00Z")
        await inquiry_table.insert(services.db, 1, 1, 1, "id", "old", "2020-01-01T00:00:00Z")
        await services.close()

    asyncio.run(seed())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.db"))
    monkeypatch.setenv("INQUIRY_RETENTION_DAYS", "30")
    assert cli.main(["db", "purge"]) == 0
    assert "1 inquiries" in capsys.readouterr().err
