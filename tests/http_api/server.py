"""A Bot API server on 127.0.0.1, so tests can run the real ``smebot run`` against it over HTTP.

The bot under test is a separate process talking HTTP to ``TELEGRAM_API_URL``, exactly as it
talks to Telegram. This server answers ``/bot<token>/<method>`` with the same in-memory logic
and checks as :class:`telegram_io.offline.OfflineBotAPI` (HTML, lengths, callback data),
adds what only a network server can do — real long polling (``offset``, ``limit``,
``timeout``, 409 on a second poller), connection refused, 502 and hanging requests — and
gives the test a thread-safe control API to play users and read what the bot sent.

It runs its own asyncio loop (tornado) on a background thread, so test code stays plain and
synchronous and can sleep, wait for subprocesses or hold database locks without stalling it.
It only ever binds to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import enum
import json
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from telegram_io.offline import ApiError, Fault, OfflineBotAPI, UpdateFactory

HOST = "127.0.0.1"
"""Loopback only: the test server must never be reachable from the network."""

MAX_UPDATES_PER_POLL = 100
"""Telegram's cap on ``getUpdates``' ``limit``."""

CONTROL_TIMEOUT = 10.0
"""Seconds a control call from the test thread may wait for the server's loop."""

WAIT_STEP = 0.02
"""Seconds between checks in :meth:`LoopbackBotAPI.wait_for`."""

JSON_PARAMETERS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "message_ids",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
"""Parameters python-telegram-bot sends as JSON text inside a form field (Telegram decodes
them by name, so must we; a message text that happens to look like JSON stays text)."""

BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)

T = TypeVar("T")


class Outage(enum.Enum):
    """Ways Telegram can be unreachable, as the bot sees them."""

    REFUSED = "refused"
    """Nothing listens on the port: connections are refused, open ones are cut."""
    BAD_GATEWAY = "502"
    """A proxy in front answers 502 with an HTML page (long polls in progress too)."""
    HANG = "hang"
    """Requests are accepted and never answered: the client's read timeout has to fire."""


@dataclass(slots=True)
class Served:
    """One HTTP request as the server saw it; ``status`` is None while unanswered, 0 if the
    client went away (or was cut off) before an answer."""

    at: float
    method: str
    params: dict[str, Any]
    status: int | None = None


Stall = Callable[[str, dict[str, Any]], bool]
"""Decides, per request, whether to hold it without ever answering (a slow Telegram)."""


class _MethodHandler(tornado.web.RequestHandler):
    """``POST|GET /bot<token>/<method>``: hands the request to the server."""

    def initialize(self, server: LoopbackBotAPI) -> None:
        self.server = server
        self.gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_connection_close(self) -> None:
        if not self.gone.done():
            self.gone.set_result(None)

    async def post(self, token: str, method: str) -> None:
        await self.server._serve(self, token, method)

    get = post

    def check_xsrf_cookie(self) -> None:  # an API, not a web form
        return None


def _parameters(request: Any) -> dict[str, Any]:
    """Form, multipart or JSON parameters, decoded the way Telegram decodes them."""
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") and request.body:
        return dict(json.loads(request.body))
    params: dict[str, Any] = {}
    for name, values in {**request.query_arguments, **request.body_arguments}.items():
        value = values[-1].decode("utf-8")
        params[name] = json.loads(value) if name in JSON_PARAMETERS else value
    for name in request.files:
        params.setdefault(name, f"<file {name}>")
    return params


class LoopbackBotAPI:
    """The server plus the controls a test needs: users, faults, outages and inspection.

    Every public method may be called from the test's thread; state lives on the server's
    own loop and is copied out, so a test never sees it change under its feet.
    """

    def __init__(self, token: str, *, port: int = 0) -> None:
        self.token = token
        self.api = OfflineBotAPI()
        self.updates = UpdateFactory()
        self._port = port
        self._log: list[Served] = []
        self._pending: list[dict[str, Any]] = []
        self._deliveries: Counter[int] = Counter()
        self._confirmed: list[int] = []
        self._poll_waiters: set[asyncio.Future[str]] = set()
        self._stalls: list[Stall] = []
        self._outage: Outage | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> LoopbackBotAPI:
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="loopback-bot-api", daemon=True
        )
        self._thread.start()
        started.result(timeout=CONTROL_TIMEOUT)
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(CONTROL_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CONTROL_TIMEOUT)
        self._loop = None

    def __enter__(self) -> LoopbackBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """What the bot gets as ``TELEGRAM_API_URL``."""
        return f"http://{HOST}:{self._port}"

    def _run(self, started: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._listen())
        except BaseException as error:
            started.set_exception(error)
            loop.close()
            return
        started.set_result(None)
        loop.run_forever()
        pending = asyncio.all_tasks(loop)  # requests still held (stalls, a hanging outage)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    async def _listen(self) -> None:
        sockets = tornado.netutil.bind_sockets(self._port, HOST)
        self._port = sockets[0].getsockname()[1]
        application = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"server": self})],
            log_function=lambda handler: None,  # its access log would print the token
        )
        self._http = tornado.httpserver.HTTPServer(application)
        self._http.add_sockets(sockets)

    async def _unlisten(self) -> None:
        """Stop listening and cut every open connection (held requests see them close)."""
        if self._http is not None:
            self._http.stop()
            await self._http.close_all_connections()
            self._http = None

    async def _close(self) -> None:
        self._outage = None
        await self._unlisten()

    # -- thread-safe plumbing ------------------------------------------------------------
    def _call(self, function: Callable[[], T]) -> T:
        assert self._loop is not None, "server not started"
        result: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                result.set_result(function())
            except BaseException as error:
                result.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return result.result(CONTROL_TIMEOUT)

    def _await(self, coroutine: Awaitable[T]) -> T:
        assert self._loop is not None, "server not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CONTROL_TIMEOUT)  # type: ignore[arg-type]

    # -- serving -------------------------------------------------------------------------
    async def _serve(self, handler: _MethodHandler, token: str, method: str) -> None:
        params = _parameters(handler.request)
        served = Served(time.monotonic(), method, params)
        self._log.append(served)
        if token != self.token:
            await self._reply(handler, served, 401, ApiError(401, "Unauthorized").body())
            return
        if self._outage is Outage.BAD_GATEWAY:
            await self._reply(handler, served, 502, BAD_GATEWAY_PAGE, "text/html")
            return
        if self._outage is Outage.HANG or any(stall(method, params) for stall in self._stalls):
            await handler.gone
            served.status = 0
            return
        if method == "getUpdates":
            answer = await self._get_updates(handler, params)
            if answer is None:
                served.status = 0
                return
            status, body = answer
        else:
            status, body = self.api.handle(method, params)
        await self._reply(handler, served, status, body)

    async def _reply(
        self,
        handler: _MethodHandler,
        served: Served,
        status: int,
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        if handler.gone.done():
            served.status = 0
            return
        handler.set_status(status)
        handler.set_header("Content-Type", content_type)
        try:
            await handler.finish(body)
        except tornado.iostream.StreamClosedError:
            served.status = 0
            return
        served.status = status

    async def _get_updates(
        self, handler: _MethodHandler, params: dict[str, Any]
    ) -> tuple[int, bytes] | None:
        """Long polling as Telegram does it; None when the client went away unanswered."""
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or MAX_UPDATES_PER_POLL), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if offset > 0:
            self._confirm(offset)
        for waiter in self._poll_waiters:  # a newer poll ends the older one, as on Telegram
            if not waiter.done():
                waiter.set_result("conflict")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._pending and loop.time() < deadline:
            waiter: asyncio.Future[str] = loop.create_future()
            self._poll_waiters.add(waiter)
            try:
                done, _ = await asyncio.wait(
                    {waiter, handler.gone},
                    timeout=deadline - loop.time(),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                self._poll_waiters.discard(waiter)
            if handler.gone in done:
                return None
            reason = waiter.result() if waiter in done else "timeout"
            if reason == "conflict":
                return 409, ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                ).body()
            if self._outage is Outage.BAD_GATEWAY:
                return 502, BAD_GATEWAY_PAGE
            if self._outage is Outage.HANG:
                await handler.gone
                return None
        batch = self._pending[:limit]
        self._deliveries.update(update["update_id"] for update in batch)
        return 200, json.dumps({"ok": True, "result": batch}).encode()

    def _confirm(self, offset: int) -> None:
        kept = []
        for update in self._pending:
            if update["update_id"] < offset:
                self._confirmed.append(update["update_id"])
            else:
                kept.append(update)
        self._pending = kept

    def _wake_pollers(self, reason: str) -> None:
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(reason)

    # -- playing users -------------------------------------------------------------------
    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue ``update`` for the bot, as Telegram queues what users send."""

        def add() -> None:
            self._pending.append(copy.deepcopy(update))
            self._wake_pollers("update")

        self._call(add)
        return update

    def send(self, user: dict[str, Any], text: str) -> dict[str, Any]:
        """``user`` types ``text`` (a leading ``/command`` is marked as a command)."""
        return self.inject(self.updates.message(user, text))

    def press(self, user: dict[str, Any], label: str) -> dict[str, Any]:
        """``user`` presses the newest button in their chat whose label contains ``label``."""
        for message in reversed(self.messages(user["id"])):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return self.inject(
                            self.updates.callback(user, button["callback_data"], message)
                        )
        raise AssertionError(f"no button {label!r} in chat {user['id']}")

    # -- what the bot did ----------------------------------------------------------------
    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in ``chat_id`` as they now stand (edits applied), oldest first."""
        return self._call(lambda: copy.deepcopy(self.api.messages(chat_id)))

    def texts(self, chat_id: int) -> list[str]:
        return [str(message.get("text", "")) for message in self.messages(chat_id)]

    def served(self, method: str | None = None) -> list[Served]:
        """Every request received (optionally of one method), oldest first."""
        return self._call(
            lambda: [
                copy.deepcopy(entry)
                for entry in self._log
                if method is None or entry.method == method
            ]
        )

    def pending(self) -> list[int]:
        """Update ids queued and not yet confirmed by the bot."""
        return self._call(lambda: [update["update_id"] for update in self._pending])

    def deliveries(self) -> Counter[int]:
        """How many times each update id was handed out by ``getUpdates``."""
        return self._call(lambda: Counter(self._deliveries))

    def confirmed(self) -> list[int]:
        """Update ids the bot confirmed (by polling with a higher offset), in order."""
        return self._call(lambda: list(self._confirmed))

    def wait_for(self, condition: Callable[[], T], timeout: float, what: str) -> T:
        """Poll ``condition`` (called in the test's thread) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(WAIT_STEP)

    def wait_for_text(self, chat_id: int, fragment: str, timeout: float = 10.0) -> str:
        """The first of the bot's messages in ``chat_id`` containing ``fragment``."""

        def found() -> str | None:
            return next((text for text in self.texts(chat_id) if fragment in text), None)

        return self.wait_for(found, timeout, f"{fragment!r} in chat {chat_id}")

    def wait_until_polling(self, timeout: float = 15.0, after: float = 0.0) -> None:
        """Until the bot holds a long poll (received after the monotonic time ``after``)."""

        def polling() -> bool:
            return any(
                float(entry.params.get("timeout") or 0) > 0 and entry.at >= after
                for entry in self.served("getUpdates")
            )

        self.wait_for(polling, timeout, "the bot to poll for updates")

    # -- faults --------------------------------------------------------------------------
    def set_fault(self, fault: Fault | None) -> None:
        """Answer Bot API calls with ``fault``'s error when it returns one (429, 403...)."""

        def install() -> None:
            self.api.fault = fault

        self._call(install)

    def stall(self, condition: Stall) -> None:
        """Hold every request matching ``condition`` without answering, until it is cut."""
        self._call(lambda: self._stalls.append(condition))

    def clear_stalls(self) -> None:
        """Answer new requests normally again (requests already held stay held)."""
        self._call(self._stalls.clear)

    def outage(self, kind: Outage, seconds: float) -> None:
        """Make the API unreachable in the way ``kind`` describes, for ``seconds``."""
        self._await(self._begin_outage(kind, seconds))

    async def _begin_outage(self, kind: Outage, seconds: float) -> None:
        self._outage = kind
        if kind is Outage.REFUSED:
            await self._unlisten()
        else:
            self._wake_pollers("outage")
        asyncio.get_running_loop().call_later(
            seconds, lambda: asyncio.ensure_future(self._end_outage())
        )

    async def _end_outage(self) -> None:
        if self._outage is Outage.REFUSED:
            await self._listen()
        self._outage = None
