"""``smebot run --workers N``: N webhook worker processes behind one port (PostgreSQL).

One Python process handles a few hundred updates a second; past that, or to use more cores,
the bot runs as several worker processes sharing the PostgreSQL database (broadcast claims,
flood buckets and forms are shared there; see :mod:`bot.sender`, :mod:`bot.flood`,
:mod:`bot.forms`).

Telegram delivers webhook updates over several connections at once, so a user's updates may
arrive in parallel. Each worker keeps one user's updates in order
(:mod:`telegram_io.updates`), but only for the updates it gets. So the parent process does not let
the kernel spread connections over the workers (``SO_REUSEPORT``): it accepts Telegram's
POSTs itself and forwards each update to worker ``user_id mod N``, over that worker's private
Unix socket, one at a time and in arrival order. Every update of a user lands on the same
worker, in the order Telegram sent it, with no lock in the database. The parent only parses
the JSON to find the user; the worker is the unchanged ``run_webhook`` server (it checks the
secret token, answers Telegram's status, and handles the update).

A worker that dies takes the others down with it (the parent exits non-zero), so the service
manager restarts the whole bot, as it would a single process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
from multiprocessing.process import BaseProcess
from pathlib import Path

import tornado.httpserver
import tornado.web
from telegram import Update

from bot import logs
from bot.config import Settings
from telegram_io.updates import user_key

logger = logging.getLogger(__name__)

READY_TIMEOUT = 120.0
"""Seconds the workers get to open the database and register the webhook before the parent
gives up (each retries reaching Telegram meanwhile, as a single ``smebot run`` does)."""
FORWARD_TIMEOUT = 30.0
"""Seconds a forwarded update may wait for its worker; then Telegram is told 503 and retries."""
STOP_TIMEOUT = 30.0
"""Seconds the workers get to finish in-flight updates after SIGTERM before they are killed."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def worker_of(payload: bytes, workers: int) -> int:
    """The worker for one update: ``user_id mod N``, the key :mod:`telegram_io.updates` orders by
    (the chat for an update without a user; worker 0 for anything unreadable)."""
    try:
        key = user_key(Update.de_json(json.loads(payload), None))
    except (ValueError, TypeError, KeyError, AttributeError):
        key = None
    return 0 if key is None else key % workers


class WorkerLink:
    """HTTP/1.1 over one kept-alive Unix-socket connection to a worker's webhook server.

    Requests go one at a time (an :class:`asyncio.Lock`, which is FIFO), so updates reach the
    worker in the order the parent received them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def forward(self, url_path: str, body: bytes, secret: str | None) -> int:
        """POST ``body`` to the worker; its HTTP status (503 if it could not be reached)."""
        head = (
            f"POST /{url_path} HTTP/1.1\r\nHost: worker\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
        )
        if secret is not None:
            head += f"{SECRET_HEADER}: {secret}\r\n"
        request = head.encode("latin-1") + b"\r\n" + body
        async with self._lock:
            try:
                return await asyncio.wait_for(self._exchange(request), FORWARD_TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                logger.warning("Worker at %s did not take an update: %r", self.path, error)
                await self.close()
                return 503

    async def _exchange(self, request: bytes) -> int:
        if self._stream is None:
            self._stream = await asyncio.open_unix_connection(str(self.path))
        reader, writer = self._stream
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self._stream is not None:
            writer = self._stream[1]
            self._stream = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class _Dispatch(tornado.web.RequestHandler):
    """Telegram's POST: to the user's worker; the worker's status goes back to Telegram."""

    def initialize(self, links: list[WorkerLink], url_path: str) -> None:
        self.links = links
        self.url_path = url_path

    async def post(self) -> None:
        body = self.request.body
        link = self.links[worker_of(body, len(self.links))]
        status = await link.forward(self.url_path, body, self.request.headers.get(SECRET_HEADER))
        self.set_status(status)
        await self.finish()

    def check_xsrf_cookie(self) -> None:  # Telegram's POSTs carry no cookie
        return None


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Every update is a request: at DEBUG, as python-telegram-bot's own webhook server logs
    them; refusals (the worker's 403 for a wrong secret, say) at INFO."""
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO
    logger.log(level, "%s %s %s", status, handler.request.method, handler.request.uri)


def _worker_main(settings: Settings, socket_path: str) -> None:
    """One worker: the normal webhook bot, listening on its Unix socket only."""
    logs.configure(settings.log_level, settings.token)
    from app.runner import run

    run(settings, unix=socket_path)


def worker_settings(settings: Settings, index: int) -> Settings:
    """Worker ``index``'s settings: its own name (host and number) for the rows it claims."""
    return dataclasses.replace(settings, worker_name=f"{socket.gethostname()}:{index}")


async def _wait_ready(paths: list[Path], processes: list[BaseProcess]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    for path in paths:
        while True:
            if any(not process.is_alive() for process in processes):
                raise RuntimeError("a worker exited while starting; see its log above")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_unix_connection(str(path))
                writer.close()
                break
            if loop.time() > deadline:
                raise RuntimeError(f"worker socket {path} not ready in {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)


async def _supervise(settings: Settings, count: int, url_path: str) -> int:
    directory = Path(tempfile.mkdtemp(prefix="smebot-workers-"))  # 0700: ours only
    context = multiprocessing.get_context("spawn")  # no forked copy of a running loop
    paths = [directory / f"worker-{index}.sock" for index in range(count)]
    processes = [
        context.Process(
            target=_worker_main,
            args=(worker_settings(settings, index), str(paths[index])),
            name=f"smebot-worker-{index}",
        )
        for index in range(count)
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    links = [WorkerLink(path) for path in paths]
    server: tornado.httpserver.HTTPServer | None = None
    code = 0
    try:
        for process in processes:
            process.start()
        await _wait_ready(paths, processes)
        app = tornado.web.Application(
            [(f"/{url_path}", _Dispatch, {"links": links, "url_path": url_path})],
            log_function=_log_request,
        )
        server = tornado.httpserver.HTTPServer(app)
        server.listen(settings.port, address=settings.webhook_listen)
        logger.info(
            "Dispatching webhook updates on %s port %s to %d workers (by user)",
            settings.webhook_listen,
            settings.port,
            count,
        )
        while not stop.is_set():
            if any(not process.is_alive() for process in processes):
                logger.error("A worker exited; stopping the others")
                code = 1
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    except RuntimeError as error:
        logger.error("%s", error)
        code = 1
    finally:
        if server is not None:
            server.stop()
        for link in links:
            await link.close()
        await asyncio.to_thread(_stop_all, processes)
        shutil.rmtree(directory, ignore_errors=True)
    return code


def _stop_all(processes: list[BaseProcess]) -> None:
    """SIGTERM (the workers finish in-flight updates and close the database), then SIGKILL."""
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        if process.pid is None:
            continue
        process.join(STOP_TIMEOUT)
        if process.is_alive():
            logger.error("Worker %s did not stop in time; killing it", process.name)
            process.kill()
            process.join()


def run_workers(settings: Settings, count: int, url_path: str) -> int:
    """Blocks until SIGINT/SIGTERM (or a worker's death); the exit code for ``smebot``."""
    return asyncio.run(_supervise(settings, count, url_path))
