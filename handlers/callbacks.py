"""Callback data: short, prefixed strings, parsed strictly and never trusted.

Every button's data is ``prefix`` or ``prefix:arg:arg``; :func:`pack` refuses anything over
Telegram's 64-byte limit, and handlers re-check every id they unpack (it may be forged).
"""

from __future__ import annotations

from bot.text import CALLBACK_DATA_LIMIT

MENU = "menu"
TOPIC = "topic"  # topic:<topic>:<page>
ENTRY = "kb"  # kb:<entry_id>
DETAILS = "kbd"  # kbd:<entry_id>
LANGUAGE = "lang"  # lang | lang:<locale>
ASK_STAFF = "ask"
SUBSCRIBE = "sub"  # sub | sub:on | sub:off
FEEDBACK = "fb"  # fb:<inquiry_id>:<1|0>
PICK = "pick"  # pick:<inquiry_id>:<entry_id>
SELFCHECK = "ck"  # ck | ck:<action>:... (see handlers/selfcheck.py)


def pack(prefix: str, *parts: object) -> str:
    data = ":".join([prefix, *(str(part) for part in parts)])
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def unpack(data: str | None) -> list[str]:
    """The arguments after the prefix (empty for none)."""
    return (data or "").split(":")[1:]


MAX_ID_DIGITS = 18
"""A number longer than this cannot be one of ours (SQLite's integers are 64-bit)."""


def parse_int(text: str | None) -> int | None:
    """A non-negative id or page number from callback data or a command, else None.

    ASCII digits only: ``"²".isdigit()`` is true yet ``int("²")`` fails (and ``int("١٢")``
    is 12); at most :data:`MAX_ID_DIGITS` of them, or SQLite cannot bind the number.
    """
    if text is None or not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def pattern(prefix: str) -> str:
    """A regex for ``CallbackQueryHandler`` matching exactly this prefix."""
    return rf"^{prefix}(:|$)"
