"""Telegram's text limits, applied to text the bot has already rendered as HTML."""

from __future__ import annotations

import html

MESSAGE_LIMIT = 4096
"""Telegram rejects longer messages (counted after entity parsing; counting the HTML source,
as we do, is the safe side)."""

CALLBACK_DATA_LIMIT = 64
"""Bytes, not characters: Telegram rejects longer callback data."""


def escape(text: str) -> str:
    """User and knowledge-base text made safe for ``parse_mode=HTML``."""
    return html.escape(text, quote=False)


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` at the last paragraph, line or word boundary that fits in ``limit``."""
    for separator in ("\n\n", "\n", " "):
        position = text.rfind(separator, 0, limit + 1)
        if position > 0:
            return text[:position], text[position + len(separator) :]
    # One unbroken run longer than a message: cut it, but never inside an HTML entity.
    position = limit
    amp = text.rfind("&", max(0, limit - 8), limit)
    if amp != -1 and ";" not in text[amp:limit]:
        position = amp
    return text[:position], text[position:]


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph boundaries where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        head, rest = _cut(rest, limit)
        if head.strip():
            pieces.append(head.rstrip())
        rest = rest.lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
