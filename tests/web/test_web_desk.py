"""The web desk through its routes: sign-in both ways, the door and CSRF on every request,
and each page doing what its Telegram command does, on the same services and database."""

from __future__ import annotations

import datetime as dt
import io
import re

import httpx
import pytest

from bot.services import Services
from db import inquiries as inquiry_table
from handlers import desk_render
from tests.conftest import STAFF_ID
from tests.desk_helpers import COLLEAGUE, JOHN, MALLORY, SITI, STAFF, make_staff, open_question
from tests.harness import Harness
from tests.web.conftest import CSRF, csrf_of, sign_in
from web.auth import verify_widget, widget_hash

PAGES = ["/inbox", "/stats", "/export", "/broadcasts", "/broadcasts/new", "/drafts", "/trainings"]


def widget_fields(user_id: int, token: str, signed_at: dt.datetime) -> dict[str, str]:
    fields = {
        "id": str(user_id),
        "first_name": "Officer",
        "username": "officer_one",
        "auth_date": str(int(signed_at.timestamp())),
    }
    fields["hash"] = widget_hash(fields, token)
    return fields


# -- signing in ------------------------------------------------------------------------------
def test_login_widget_data_is_checked_as_telegram_documents(services: Services) -> None:
    token = services.settings.token or ""
    now = services.clock.now()
    fields = widget_fields(STAFF_ID, token, now - dt.timedelta(minutes=1))
    assert verify_widget(fields, token, now) == STAFF_ID
    assert verify_widget({**fields, "id": "6666"}, token, now) is None  # tampered
    assert verify_widget(fields, "999:another-bot-token", now) is None  # someone else's bot
    assert verify_widget({k: v for k, v in fields.items() if k != "hash"}, token, now) is None
    stale = widget_fields(STAFF_ID, token, now - dt.timedelta(days=1, minutes=1))
    assert verify_widget(stale, token, now) is None


async def test_the_web_command_sends_a_link_that_signs_in_once(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    services.settings = services.settings.__class__(
        **{**_fields(services), "web_base_url": "https://desk.example.go.id"}
    )
    calls = await harness.send(STAFF, "/web")
    text = calls[-1].params["text"]
    link = re.search(r'href="https://desk\.example\.go\.id(/login/[^"]+)"', text)
    assert link is not None, text
    page = await client.get(link.group(1))  # opening the link (or a preview) spends nothing
    csrf = CSRF.search(page.text)
    assert page.status_code == 200 and csrf is not None
    signed_in = await client.post(link.group(1), data={"csrf_token": csrf.group(1)})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/inbox"
    assert (await client.get("/inbox")).status_code == 200
    await client.post("/logout", data={"csrf_token": await csrf_of(client)})
    assert (await client.get("/inbox")).status_code == 303
    page = await client.get(link.group(1))
    again = await client.post(link.group(1), data={"csrf_token": CSRF.search(page.text).group(1)})
    assert again.status_code == 403 and "/web" in again.text


def _fields(services: Services) -> dict[str, object]:
    settings = services.settings
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


async def test_the_web_command_is_for_staff_only(harness: Harness) -> None:
    await harness.send(MALLORY, "/start")
    calls = await harness.send(MALLORY, "/web")
    assert all("/login/" not in str(call.params.get("text")) for call in calls)


async def test_a_link_expires_after_ten_minutes(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await harness.send(STAFF, "/start")
    token = await services.web_logins.issue(STAFF_ID)
    services.clock.advance(minutes=10, seconds=1)  # type: ignore[attr-defined]
    page = await client.get(f"/login/{token}")
    response = await client.post(
        f"/login/{token}", data={"csrf_token": CSRF.search(page.text).group(1)}
    )
    assert response.status_code == 403


async def test_widget_sign_in_for_staff_and_refusal_for_anyone_else(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    token = services.settings.token or ""
    now = services.clock.now()
    refused = await client.get("/auth/telegram", params=widget_fields(6666, token, now))
    assert refused.status_code == 403 and "hanya untuk petugas kementerian" in refused.text
    assert (await client.get("/inbox")).status_code == 303
    forged = {**widget_fields(STAFF_ID, token, now), "hash": "0" * 64}
    assert (await client.get("/auth/telegram", params=forged)).status_code == 403
    ok = await client.get("/auth/telegram", params=widget_fields(STAFF_ID, token, now))
    assert ok.status_code == 303
    assert (await client.get("/inbox")).status_code == 200


# -- the door and CSRF -----------------------------------------------------------------------
async def test_every_page_asks_a_stranger_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert (await client.post("/inquiries/1/resolve", data={})).status_code == 403


async def test_a_removed_staff_member_is_out_on_the_next_click(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await make_staff(harness, services, COLLEAGUE)
    await sign_in(client, services, COLLEAGUE["id"])
    assert (await client.get("/inbox")).status_code == 200
    await harness.send(STAFF, f"/staff remove {COLLEAGUE['id']}")
    response = await client.get("/inbox")
    assert response.status_code == 403 and "hanya untuk petugas" in response.text


async def test_a_post_without_the_sessions_csrf_token_changes_nothing(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Bagaimana cara daftar NIB?")
    await harness.send(STAFF, "/start")
    await sign_in(client, services)
    for data in ({}, {"csrf_token": "forged"}):
        response = await client.post(f"/inquiries/{inquiry_id}/resolve", data=data)
        assert response.status_code == 403
        assert "did not come from the desk" in response.text
    assert (await inquiry_table.get(services.db, inquiry_id)).status == "open"


async def test_htmx_requests_carry_the_token_in_a_header(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Apa itu UMKM?")
    await harness.send(STAFF, "/start")
    csrf = await sign_in(client, services)
    path = f"/inquiries/{inquiry_id}/preview"
    preview = await client.post(
        path, data={"answer": "Usaha <kecil>"}, headers={"X-CSRF-Token": csrf}
    )
    assert preview.status_code == 200
    assert "Anda bertanya:" in preview.text and "Usaha &lt;kecil&gt;" in preview.text
    forged = await client.post(path, data={"answer": "x"}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403


# -- the inbox and answering -----------------------------------------------------------------
async def test_an_answer_from_the_web_reaches_the_user_exactly_as_reply_sends_it(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Apakah <b>K3</b> wajib & kapan?")
    await harness.send(STAFF, "/start")
    csrf = await sign_in(client, services)
    inbox = await client.get("/inbox")
    assert "Apakah &lt;b&gt;K3&lt;/b&gt; wajib &amp; kapan?" in inbox.text
    page = await client.get(f"/inquiries/{inquiry_id}")
    assert page.status_code == 200 and "Siti" in page.text
    before = len(harness.api.sent(SITI["id"]))
    response = await client.post(
        f"/inquiries/{inquiry_id}/answer", data={"csrf_token": csrf, "answer": "Ya, wajib."}
    )
    assert response.status_code == 303
    received = harness.api.sent(SITI["id"])[before:]
    expected = desk_render.answer_for_user(
        lambda msgid: services.catalogs.gettext("id", msgid),
        "Apakah <b>K3</b> wajib & kapan?",
        "Ya, wajib.",
    )
    assert [(call.params["text"], call.params["parse_mode"]) for call in received] == [
        (expected, "HTML")
    ]
    record = await inquiry_table.get(services.db, inquiry_id)
    assert record.status == "answered" and record.answered_by == STAFF_ID
    shown = await client.get(f"/inquiries/{inquiry_id}")
    assert "Answer to question #" in shown.text and "Ya, wajib." in shown.text
    # a second answer, as from a colleague in Telegram at the same moment, is refused
    again = await client.post(
        f"/inquiries/{inquiry_id}/answer", data={"csrf_token": csrf, "answer": "Lagi"}
    )
    assert again.status_code == 303
    assert len(harness.api.sent(SITI["id"])) == before + 1
    assert "already been answered" in (await client.get(f"/inquiries/{inquiry_id}")).text


async def test_resolve_and_spam_from_the_web(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    first = await open_question(harness, services, SITI, "Pertanyaan satu")
    second = await open_question(harness, services, JOHN, "Buy cheap followers")
    await harness.send(STAFF, "/start")
    csrf = await sign_in(client, services)
    await client.post(f"/inquiries/{first}/resolve", data={"csrf_token": csrf})
    await client.post(f"/inquiries/{second}/spam", data={"csrf_token": csrf})
    assert (await inquiry_table.get(services.db, first)).status == "resolved"
    assert (await inquiry_table.get(services.db, second)).status == "spam"
    assert "Marked as spam." in (await client.get(f"/inquiries/{second}")).text
    spam_list = await client.get("/inbox", params={"status": "spam"})
    assert "Buy cheap followers" in spam_list.text and "Pertanyaan satu" not in spam_list.text


async def test_inbox_filters_search_and_pages(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await open_question(harness, services, SITI, "Sertifikat halal untuk keripik")
    await open_question(harness, services, JOHN, "How do I join a supplier programme?")
    await harness.send(STAFF, "/start")
    await sign_in(client, services)
    english = await client.get("/inbox", params={"language": "en"})
    assert "supplier programme" in english.text and "keripik" not in english.text
    found = await client.get("/inbox", params={"q": "HALAL"})
    assert "keripik" in found.text and "supplier" not in found.text
    assert "keripik" not in (await client.get("/inbox", params={"q": "100%_"})).text
    today = services.clock.now().date()
    later = (today + dt.timedelta(days=2)).isoformat()
    assert "keripik" not in (await client.get("/inbox", params={"since": later})).text
    assert "keripik" in (await client.get("/inbox", params={"until": later})).text


async def test_the_desk_speaks_the_staff_members_language(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await harness.send(STAFF, "/start")  # STAFF's Telegram is in English
    await sign_in(client, services)
    assert "Inbox" in (await client.get("/inbox")).text
    indonesian = await client.get("/inbox", params={"lang": "id"})
    assert "Kotak masuk" in indonesian.text
    assert "Kotak masuk" in (await client.get("/stats")).text  # remembered


# -- reports ---------------------------------------------------------------------------------
async def test_stats_and_export_match_the_bot(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await open_question(harness, services, SITI, '=HYPERLINK("http://evil")')
    await harness.send(STAFF, "/start")
    await sign_in(client, services)
    stats = await client.get("/stats")
    assert stats.status_code == 200 and "Open now: 1" in stats.text
    assert "No self-check has been finished yet." in stats.text
    chart = await client.get("/stats/chart.png")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    csv_file = await client.get("/export/file", params={"status": "open", "format": "csv"})
    assert csv_file.status_code == 200
    assert csv_file.content.startswith("\ufeff".encode())
    assert "attachment;" in csv_file.headers["content-disposition"]
    assert "'=HYPERLINK" in csv_file.content.decode("utf-8-sig")
    xlsx = await client.get("/export/file", params={"format": "xlsx"})
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2
    bad = await client.get("/export/file", params={"since": "2026-12-01", "until": "2026-11-01"})
    assert bad.status_code == 400


# -- broadcasts ------------------------------------------------------------------------------
async def test_compose_preview_send_and_control_a_broadcast(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    for user in (SITI, JOHN):
        await harness.send(user, "/start")
        await services.subscriptions.subscribe(user["id"], {"trainings"})
    await harness.send(STAFF, "/start")
    csrf = await sign_in(client, services)
    form = {
        "csrf_token": csrf,
        "text_id": "Pelatihan <gratis> & terbuka",
        "text_en": "",
        "audience": "topic:trainings",
        "send_at": "",
    }
    empty = await client.post("/broadcasts/preview", data={**form, "text_id": ""})
    assert empty.status_code == 400
    preview = await client.post("/broadcasts/preview", data=form)
    assert preview.status_code == 200
    assert "Pelatihan &lt;gratis&gt; &amp; terbuka" in preview.text
    assert "Recipients now: 2" in preview.text
    created = await client.post("/broadcasts", data=form)
    assert created.status_code == 303
    path = created.headers["location"]
    row = (await services.broadcasts.recent())[0]
    assert path == f"/broadcasts/{row.id}" and row.status == "sending"
    assert row.texts["id"].startswith("Pelatihan &lt;gratis&gt; &amp; terbuka")
    progress = await client.get(f"{path}/progress")
    assert 'hx-trigger="every 2s"' in progress.text and "Remaining: 2" in progress.text
    await client.post(f"{path}/pause", data={"csrf_token": csrf})
    assert (await services.broadcasts.get(row.id)).status == "paused"
    await client.post(f"{path}/resume", data={"csrf_token": csrf})
    await client.post(f"{path}/cancel", data={"csrf_token": csrf})
    assert (await services.broadcasts.get(row.id)).status == "cancelled"
    assert "was cancelled" in (await client.get(path)).text
    later = {**form, "send_at": "2030-01-02T09:00"}
    await client.post("/broadcasts", data=later)
    scheduled = (await services.broadcasts.recent())[0]
    assert scheduled.status == "scheduled" and scheduled.send_at == "2030-01-02T02:00:00Z"


# -- drafts and trainings --------------------------------------------------------------------
async def test_a_staff_answer_becomes_a_draft_edited_in_both_languages_and_published(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    inquiry_id = await open_question(harness, services, SITI, "Apa itu audit sosial?")
    await harness.send(STAFF, "/start")
    csrf = await sign_in(client, services)
    await client.post(
        f"/inquiries/{inquiry_id}/answer",
        data={"csrf_token": csrf, "answer": "Audit sosial memeriksa kondisi kerja."},
    )
    made = await client.post(f"/inquiries/{inquiry_id}/draft", data={"csrf_token": csrf})
    path = made.headers["location"]
    assert path.startswith("/drafts/")
    entry_id = path.rsplit("/", 1)[1]
    assert entry_id in (await client.get("/drafts")).text
    blocked = await client.post(f"{path}/publish", data={"csrf_token": csrf})
    assert blocked.status_code == 303
    assert (await services.drafts.get(entry_id)).status == "draft"  # English is missing
    await client.post(
        path,
        data={
            "csrf_token": csrf,
            "title_en": "What is a social audit?",
            "answer_en": "A social audit checks working conditions.",
        },
    )
    await client.post(f"{path}/publish", data={"csrf_token": csrf})
    assert (await services.drafts.get(entry_id)).status == "published"


async def test_trainings_page_lists_the_catalogue(
    harness: Harness, services: Services, client: httpx.AsyncClient
) -> None:
    await harness.send(STAFF, "/start")
    await sign_in(client, services)
    page = await client.get("/trainings")
    assert page.status_code == 200
