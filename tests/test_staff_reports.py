"""/stats, /export and ``smebot inquiries export``: numbers, files, filters and safety."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from app import cli
from bot import chart
from bot import export as exporter
from bot.services import Services
from db import inquiries as inquiry_table
from db import users as user_table
from tests.conftest import STAFF_ID
from tests.desk_helpers import JOHN, SITI, STAFF, open_question
from tests.harness import Harness, texts


async def _seed(services: Services) -> dict[str, int]:
    """Inquiries on several days: answered, automatic, open, spam; UTC timestamps."""
    db = services.db
    await user_table.touch(db, 5001, "Siti", None, None, "id", "2026-11-01T00:00:00Z")
    await user_table.touch(db, 5002, "John", None, None, "en", "2026-11-01T00:00:00Z")
    ids = {}
    ids["old"] = await inquiry_table.insert(
        db, 5001, 5001, 1, "id", "Pertanyaan lama", "2026-10-01T03:00:00Z"
    )
    ids["answered"] = await inquiry_table.insert(
        db, 5001, 5001, 2, "id", '=HYPERLINK("http://evil")', "2026-11-19T02:00:00Z"
    )
    await inquiry_table.set_best_guess(db, ids["answered"], "hrdd-overview", 0.2, "bhr")
    assert await inquiry_table.claim_answer(
        db, ids["answered"], STAFF_ID, "+62 811 untuk info", "2026-11-19T05:00:00Z"
    )
    ids["auto"] = await inquiry_table.insert(
        db, 5002, 5002, 3, "en", "What is HRDD?", "2026-11-20T01:00:00Z"
    )
    await inquiry_table.mark_auto_answered(db, ids["auto"], "hrdd-overview", "bhr")
    # 23:30 UTC on the 20th is 06:30 on the 21st in Jakarta
    ids["open"] = await inquiry_table.insert(
        db, 5002, 5002, 4, "en", '@mention, and a, comma "quoted"', "2026-11-20T23:30:00Z"
    )
    ids["spam"] = await inquiry_table.insert(
        db, 5002, 5002, 5, "en", "-buy now", "2026-11-21T01:00:00Z"
    )
    await inquiry_table.set_status(db, ids["spam"], "spam", ("open",))
    return ids


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# -- statistics ----------------------------------------------------------------------------------
async def test_stats_numbers(services: Services) -> None:
    await _seed(services)
    stats = await services.stats.compute()
    assert stats.today == dt.date(2026, 11, 21)
    by_day = dict(stats.days)
    assert by_day[dt.date(2026, 11, 19)] == 1 and by_day[dt.date(2026, 11, 20)] == 1
    assert by_day[dt.date(2026, 11, 21)] == 2  # the 23:30 UTC question is a Jakarta morning
    assert stats.total(7) == 4 and stats.total(30) == 4  # the October one is too old
    assert stats.by_topic == {"bhr": 2, None: 2}
    assert stats.by_language == {"id": 1, "en": 3}
    assert stats.auto_share == pytest.approx(1 / 4)
    assert stats.median_staff_answer == dt.timedelta(hours=3)
    assert stats.open_backlog == 2  # the October one is still open


async def test_stats_command_sends_numbers_and_a_png_chart(
    harness: Harness, services: Services
) -> None:
    await _seed(services)
    calls = await harness.send(STAFF, "/stats")
    [summary] = texts(calls)
    assert "Last 7 days: 4" in summary and "last 30 days: 4" in summary
    assert "Business &amp; Human Rights 2" in summary and "English 3" in summary
    assert "25%" in summary and "3 h 0 min" in summary and "Open now: 2" in summary
    [photo] = [call for call in calls if call.method == "sendPhoto"]
    name, content = photo.params["photo"]
    assert name.endswith(".png") and content.startswith(b"\x89PNG\r\n\x1a\n")


async def test_stats_without_pillow_degrades_to_text(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart, "bar_chart_png", lambda *args: None)
    calls = await harness.send(STAFF, "/stats")
    assert len(texts(calls)) == 1 and not [c for c in calls if c.method == "sendPhoto"]
    assert "▁" in texts(calls)[0]


def test_chart_helpers() -> None:
    assert chart.sparkline([0, 1, 7]) == "▁▂█"
    assert chart.sparkline([0, 0]) == "▁▁"
    png = chart.bar_chart_png(["a", "b"], [0, 3], "Title")
    assert png is not None and png.startswith(b"\x89PNG")


# -- export --------------------------------------------------------------------------------------
async def test_csv_has_the_columns_and_neutralises_formulas(services: Services) -> None:
    ids = await _seed(services)
    content = exporter.to_csv(await exporter.rows(services.db, exporter.Query()), bom=True)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = _csv(content)
    assert list(rows[0]) == list(exporter.COLUMNS)
    for column in ("id", "created_at", "user_id", "language", "question", "status", "topic"):
        assert column in rows[0]
    for column in ("answer", "answered_by", "answered_at"):
        assert column in rows[0]
    by_id = {int(row["id"]): row for row in rows}
    answered = by_id[ids["answered"]]
    assert answered["question"] == '\'=HYPERLINK("http://evil")'
    assert answered["answer"] == "'+62 811 untuk info"
    assert answered["answered_by"] == str(STAFF_ID) and answered["status"] == "answered"
    assert answered["answered_at"] == "2026-11-19T05:00:00Z" and answered["topic"] == "bhr"
    assert by_id[ids["open"]]["question"] == '\'@mention, and a, comma "quoted"'
    assert by_id[ids["spam"]]["question"] == "'-buy now"
    assert by_id[ids["auto"]]["question"] == "What is HRDD?"
    assert not any(
        value.startswith(exporter.FORMULA_TRIGGERS) for row in rows for value in row.values()
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (exporter.Query(status="open"), ["old", "open"]),
        (exporter.Query(status="answered"), ["answered"]),
        (exporter.Query(since=dt.date(2026, 11, 20)), ["auto", "open", "spam"]),
        (exporter.Query(until=dt.date(2026, 11, 20)), ["old", "answered", "auto"]),
        (
            exporter.Query(since=dt.date(2026, 11, 21), until=dt.date(2026, 11, 21)),
            ["open", "spam"],
        ),
        (exporter.Query(status="auto_answered", since=dt.date(2026, 11, 21)), []),
    ],
)
async def test_export_filters(
    services: Services, query: exporter.Query, expected: list[str]
) -> None:
    ids = await _seed(services)
    rows = await exporter.rows(services.db, query)
    assert [row[0] for row in rows] == [ids[name] for name in expected]


def test_export_query_validation() -> None:
    with pytest.raises(ValueError):
        exporter.Query(status="deleted")
    with pytest.raises(ValueError):
        exporter.Query(since=dt.date(2026, 2, 1), until=dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        exporter.parse_day("21/11/2026")


async def test_xlsx_stores_formula_like_text_as_text(services: Services) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    await _seed(services)
    content = exporter.to_xlsx(await exporter.rows(services.db, exporter.Query()))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == list(exporter.COLUMNS)
    questions = {row[4].value: row[4] for row in sheet.iter_rows(min_row=2)}
    cell = questions['=HYPERLINK("http://evil")']
    assert cell.data_type == "s"


async def test_export_command_sends_the_file_to_staff(
    harness: Harness, services: Services
) -> None:
    ids = await _seed(services)
    calls = await harness.send(STAFF, "/export answered")
    [document] = [call for call in calls if call.method == "sendDocument"]
    assert int(document.params["chat_id"]) == STAFF["id"]
    name, content = document.params["document"]
    assert name == "inquiries-answered-2026-11-21.csv"
    rows = _csv(content)
    assert [int(row["id"]) for row in rows] == [ids["answered"]]
    assert "1" in document.params["caption"]

    calls = await harness.send(STAFF, "/export 2026-11-21 2026-11-21 xlsx")
    [document] = [call for call in calls if call.method == "sendDocument"]
    assert document.params["document"][0].endswith(".xlsx")

    calls = await harness.send(STAFF, "/export yesterday")
    assert "Usage" in texts(calls)[0]


async def test_export_of_a_live_conversation(harness: Harness, services: Services) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Halo, ada pelatihan?")
    await harness.send(STAFF, f"/reply {inquiry_id} Ada, hari Senin.")
    await open_question(harness, services, JOHN, "Anything else?")
    calls = await harness.send(STAFF, "/export")
    [document] = [call for call in calls if call.method == "sendDocument"]
    rows = _csv(document.params["document"][1])
    assert [(row["question"], row["status"]) for row in rows] == [
        ("Halo, ada pelatihan?", "answered"),
        ("Anything else?", "open"),
    ]
    assert rows[0]["answer"] == "Ada, hari Senin." and rows[0]["language"] == "id"


def _run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str) -> int:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.db"))
    return cli.main(list(argv))


def test_cli_export_to_stdout_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture
) -> None:
    import asyncio

    from bot.config import Settings
    from tests.harness import FakeClock

    async def seed() -> None:
        services = await Services.start(
            Settings(database_path=str(tmp_path / "bot.db")), clock=FakeClock()
        )
        await _seed(services)
        await services.close()

    asyncio.run(seed())
    assert _run_cli(monkeypatch, tmp_path, "inquiries", "export", "--status", "open") == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"id,created_at,user_id")  # no BOM on standard output
    assert len(_csv(out)) == 2

    target = tmp_path / "out.csv"
    code = _run_cli(
        monkeypatch,
        tmp_path,
        "inquiries",
        "export",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-21",
        "--output",
        str(target),
    )
    assert code == 0
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # a file for people: Excel reads UTF-8 right
    assert len(_csv(content)) == 3

    xlsx = tmp_path / "out.xlsx"
    assert (
        _run_cli(
            monkeypatch, tmp_path, "inquiries", "export", "--format", "xlsx", "--output", str(xlsx)
        )
        == 0
    )
    assert xlsx.read_bytes().startswith(b"PK")

    with pytest.raises(SystemExit):
        _run_cli(monkeypatch, tmp_path, "inquiries", "export", "--since", "November")
