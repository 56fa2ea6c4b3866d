"""An in-process Bot API: it answers python-telegram-bot the way Telegram would, offline.

``smebot chat`` runs the real Application on it, and the tests use it to drive whole
conversations and to inject faults. It checks what Telegram checks (HTML entities, the
4096-character limit, 64-byte callback data), so a mistake fails here as it would live.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.text import CALLBACK_DATA_LIMIT, MESSAGE_LIMIT, check_html, plain_text

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Teman UMKM",
    "username": "teman_umkm_bot",
}


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ApiError(Exception):
    """A Bot API error answer, as Telegram sends it."""

    code: int
    description: str
    retry_after: int | None = None

    def body(self) -> bytes:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return json.dumps(payload).encode()


Fault = Callable[[ApiCall], ApiError | None]
"""Decides, per call, whether to answer with an error instead (tests inject 429, 403, ...)."""


@dataclass(slots=True)
class _Chat:
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)


class OfflineBotAPI(BaseRequest):
    """Answers Bot API methods in memory and records every call in :attr:`calls`."""

    def __init__(
        self,
        fault: Fault | None = None,
        listener: Callable[[ApiCall, dict | None], None] | None = None,
    ) -> None:
        self.calls: list[ApiCall] = []
        self.fault = fault
        self.listener = listener
        self._chats: dict[int, _Chat] = {}
        self._file_ids = itertools.count(1)

    # -- BaseRequest -------------------------------------------------------------------
    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            # Uploads (sendDocument, sendPhoto) kept as ``(file name, bytes)`` for tests.
            for name, (file_name, content, *_) in request_data.multipart_data.items():
                params[name] = (file_name, content if isinstance(content, bytes) else b"")
        return self.handle(url.rsplit("/", 1)[-1], params)

    def handle(self, api_method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """Answer one Bot API call: the HTTP status and JSON body Telegram would send.

        Public so that an HTTP front end (the tests' loopback Bot API server) can serve the
        same answers, checks and faults to a bot running in another process.
        """
        call = ApiCall(api_method, params)
        self.calls.append(call)
        try:
            error = self.fault(call) if self.fault else None
            if error is not None:
                raise error
            result = self._answer(call)
        except ApiError as failure:
            return failure.code, failure.body()
        if self.listener is not None:
            self.listener(call, result if isinstance(result, dict) else None)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- inspection helpers for tests ---------------------------------------------------
    def sent(self, chat_id: int | None = None) -> list[ApiCall]:
        """``sendMessage`` calls (optionally to one chat), oldest first."""
        return [
            call
            for call in self.calls
            if call.method in ("sendMessage", "sendDocument", "sendPhoto")
            and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self._chats.get(chat_id, _Chat()).messages.get(message_id)

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in ``chat_id`` as they now stand (edits applied), oldest first."""
        return list(self._chats.get(chat_id, _Chat()).messages.values())

    # -- the Bot API ---------------------------------------------------------------------
    def _answer(self, call: ApiCall) -> Any:
        handler = getattr(self, f"_api_{call.method}", None)
        if handler is None:
            if (
                call.method.startswith(("set", "delete", "answer"))
                or call.method == "sendChatAction"
            ):
                return True
            raise ApiError(404, "Not Found: method not found")
        return handler(call.params)

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getUpdates(self, params: dict[str, Any]) -> list[Any]:
        return []

    def _check_text(self, params: dict[str, Any], key: str = "text") -> None:
        text = str(params.get(key, ""))
        length = len(text)
        if params.get("parse_mode") == "HTML":
            error, length = check_html(text)
            if error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}")
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if length > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(str(data).encode()) > CALLBACK_DATA_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _store(self, chat_id: int, body: dict[str, Any]) -> dict[str, Any]:
        chat = self._chats.setdefault(chat_id, _Chat())
        message = {
            "message_id": chat.next_message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            **body,
        }
        chat.messages[chat.next_message_id] = message
        chat.next_message_id += 1
        return message

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params)
        body: dict[str, Any] = {
            "text": plain_text(params["text"]) if params.get("parse_mode") else params["text"]
        }
        if (params.get("reply_markup") or {}).get("inline_keyboard") is not None:
            # Like Telegram: a message keeps only an inline keyboard; reply keyboards (and
            # their removal) belong to the chat, not to the message.
            body["reply_markup"] = params["reply_markup"]
        return self._store(int(params["chat_id"]), body)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"file-{next(self._file_ids)}"
        body = {
            "document": {"file_id": file_id, "file_unique_id": file_id},
            "caption": params.get("caption", ""),
        }
        return self._store(int(params["chat_id"]), body)

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"file-{next(self._file_ids)}"
        body = {
            "photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}],
            "caption": params.get("caption", ""),
        }
        return self._store(int(params["chat_id"]), body)

    def _edit(self, params: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        chat = self._chats.get(int(params.get("chat_id", 0)))
        message = chat.messages.get(int(params.get("message_id", 0))) if chat else None
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        message.update(changes)
        if "reply_markup" not in params:
            message.pop("reply_markup", None)
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params)
        text = plain_text(params["text"]) if params.get("parse_mode") else params["text"]
        return self._edit(params, {"text": text, "reply_markup": params.get("reply_markup")})

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text({"text": "-", "reply_markup": params.get("reply_markup")})
        return self._edit(params, {"reply_markup": params.get("reply_markup")})

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self._chats.get(int(params.get("chat_id", 0)))
        return bool(chat and chat.messages.pop(int(params.get("message_id", 0)), None))

    def _api_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": self._store(int(params["chat_id"]), {"text": "(copy)"})["message_id"]
        }


class UpdateFactory:
    """Builds update payloads as Telegram would deliver them, for one conversation each."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100_000)

    def message(
        self, user: dict[str, Any], text: str, chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A text message; a leading ``/command`` gets its ``bot_command`` entity."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat
            or {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return {"update_id": next(self._update_ids), "message": message}

    def callback(self, user: dict[str, Any], data: str, message: dict[str, Any]) -> dict[str, Any]:
        """A button press on ``message`` (a bot message as :class:`OfflineBotAPI` stored it)."""
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._message_ids)),
                "from": user,
                "chat_instance": str(user["id"]),
                "message": message,
                "data": data,
            },
        }

    def raw(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Any other update (``my_chat_member``, ``edited_message``...), numbered."""
        return {"update_id": next(self._update_ids), **payload}
