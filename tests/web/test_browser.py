"""The web desk in a real browser: Debian's Chromium, headless, driven by Playwright.

The desk runs under uvicorn on 127.0.0.1 in a thread with its own event loop and database
connection, as ``smebot web`` does; answers go to an in-process fake Bot API, so a test can
see what the user received. The broadcast's sending is done as the bot process does it: a
second set of services on the same database file, with the real sender. Screenshots of the
main pages are saved under ``tests/web/screenshots/`` (ignored by git).

Never ``playwright install``: the tests use the system browser, or skip.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from app.app import build_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.sender import BroadcastSender
from bot.services import Services
from db import inquiries as inquiry_table
from telegram_io.offline import OfflineBotAPI
from tests.conftest import STAFF_ID
from tests.desk_helpers import SITI, STAFF
from tests.harness import FakeClock, Harness, telegram_user

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "browser-test-secret-0123456789abcdefghij"
STRANGER = telegram_user(6666, "en", first_name="Mallory")
QUESTION = "Apakah <b>K3</b> wajib untuk usaha 5 orang?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt install chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("uvicorn", reason="the web extra is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed(settings: Settings) -> int:
    """Staff, a subscriber and her open question, through the bot as users would."""
    services = await Services.start(settings, clock=FakeClock(dt.datetime.now(dt.UTC)))
    try:
        api = OfflineBotAPI()
        application = build_application(settings, services, request=api)
        async with application:
            harness = Harness(application, api)
            await harness.send(STAFF, "/start")
            await harness.send(STRANGER, "/start")
            await harness.send(SITI, "/start")
            await services.subscriptions.subscribe(SITI["id"], {"trainings"})
            await harness.press_data(SITI, "ask")
            await harness.send(SITI, QUESTION)
        return (await inquiry_table.for_user(services.db, SITI["id"]))[-1].id
    finally:
        await services.close()


@dataclasses.dataclass
class Desk:
    url: str
    settings: Settings
    api: OfflineBotAPI
    services: Services
    loop: asyncio.AbstractEventLoop
    inquiry_id: int

    def call(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the server's loop (where its database connection lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def link(self, user_id: int) -> str:
        return f"{self.url}/login/{self.call(self.services.web_logins.issue(user_id))}"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    import uvicorn
    from telegram.ext import ExtBot

    from telegram_io.delivery import bot_defaults
    from web.app import create_app

    folder = tmp_path_factory.mktemp("desk")
    port = free_port()
    settings = Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(folder / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
        web_secret_key=SECRET,
        web_base_url=f"http://127.0.0.1:{port}",
    )
    inquiry_id = asyncio.run(seed(settings))
    loop = asyncio.new_event_loop()
    api = OfflineBotAPI()
    ready: Future[tuple[Services, uvicorn.Server]] = Future()

    async def serve() -> None:
        services = await Services.start(settings)
        bot = ExtBot(settings.token or "", request=api, defaults=bot_defaults())
        app = create_app(services, bot, secret_key=SECRET)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        task = asyncio.ensure_future(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        ready.set_result((services, server))
        await task
        await services.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    services, server = ready.result(15)
    yield Desk(f"http://127.0.0.1:{port}", settings, api, services, loop, inquiry_id)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(desk: Desk) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def in_own_thread(make: Any) -> Any:
    """``asyncio.run(make())`` in another thread: Playwright's sync API owns this one's loop."""
    result: Future[Any] = Future()
    thread = threading.Thread(target=lambda: result.set_result(asyncio.run(make())))
    thread.start()
    return result.result(30)


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def sign_in(page: Any, desk: Desk, user_id: int = STAFF_ID) -> None:
    page.goto(desk.link(user_id) + "?lang=en")
    page.click("#sign-in")


def test_staff_sign_in_answer_and_the_user_receives_it(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    sync_api.expect(page.locator("table.inbox")).to_contain_text(QUESTION)  # as text, escaped
    shot(page, "inbox")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    sync_api.expect(page.locator("#question")).to_have_text(QUESTION)
    page.fill("#answer", "Ya, K3 berlaku untuk semua tempat kerja.")
    sync_api.expect(page.locator("#preview")).to_contain_text("Anda bertanya:")
    shot(page, "question")
    page.click("#send")
    sync_api.expect(page.locator(".notice.ok")).to_contain_text(str(desk.inquiry_id))
    sent = [call.params["text"] for call in desk.api.sent(SITI["id"])]
    assert len(sent) == 1 and "Ya, K3 berlaku untuk semua tempat kerja." in sent[0]
    assert "&lt;b&gt;K3&lt;/b&gt;" in sent[0]  # her question quoted, escaped as /reply does


def test_a_broadcast_shows_its_progress_as_the_bot_sends_it(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    page.goto(f"{desk.url}/broadcasts/new")
    page.fill("#text_id", "Pelatihan K3 gratis hari Sabtu.")
    page.select_option("#audience", "topic:trainings")
    page.click("#preview-button")
    sync_api.expect(page.locator("#recipients")).to_contain_text("1")
    page.click("#confirm")
    sync_api.expect(page.locator("#remaining")).to_contain_text("1")
    shot(page, "broadcast-queued")

    async def bot_process_sends() -> list[str]:  # the bot's sender, on the same database
        services = await Services.start(desk.settings, clock=SystemClock())
        api = OfflineBotAPI()
        from telegram.ext import ExtBot

        from telegram_io.delivery import bot_defaults

        bot = ExtBot(desk.settings.token or "", request=api, defaults=bot_defaults())

        async def send(chat_id: int, html: str) -> None:
            await bot.send_message(chat_id, html)

        sender = BroadcastSender(
            services.db, services.broadcasts, services.users, send, services.clock, rate=20
        )
        await sender.run_until_idle()
        await services.close()
        return [call.params["text"] for call in api.sent(SITI["id"])]

    received = in_own_thread(bot_process_sends)
    assert received and received[0].startswith("Pelatihan K3 gratis hari Sabtu.")
    sync_api.expect(page.locator("#sent")).to_contain_text("1", timeout=8_000)  # htmx polling
    sync_api.expect(page.locator("#report")).to_be_visible(timeout=8_000)
    shot(page, "broadcast-progress")


def test_stats_page(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    page.goto(f"{desk.url}/stats")
    sync_api.expect(page.locator("#chart .column")).to_have_count(30)
    shot(page, "stats")


def test_a_non_staff_sign_in_is_refused(page: Any, desk: Desk) -> None:
    sign_in(page, desk, STRANGER["id"])
    sync_api.expect(page.locator("#refusal")).to_contain_text("staff only")
    page.goto(f"{desk.url}/inbox")
    assert "/login" in page.url


def test_a_forged_csrf_token_is_refused(page: Any, desk: Desk) -> None:
    sign_in(page, desk)
    page.goto(f"{desk.url}/inquiries/{desk.inquiry_id}")
    page.eval_on_selector_all(
        "input[name=csrf_token]", "inputs => inputs.forEach(i => { i.value = 'forged'; })"
    )
    page.click("#resolve")
    sync_api.expect(page.locator("#refusal")).to_contain_text("did not come from the desk")
    record = desk.call(inquiry_table.get(desk.services.db, desk.inquiry_id))
    assert record.status == "answered"  # unchanged by the forged request
