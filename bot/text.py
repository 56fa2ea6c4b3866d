"""Telegram's text limits, applied to text the bot has already rendered as HTML."""

from __future__ import annotations

import html
from html.parser import HTMLParser

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


ALLOWED_TAGS = frozenset(
    {"a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre", "s", "span", "strike"}
    | {"strong", "tg-emoji", "tg-spoiler", "u"}
)


class _EntityChecker(HTMLParser):
    """Telegram's HTML parse mode: known tags, balanced, no stray ``<`` or ``&``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None
        self.text_length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'unmatched end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.error = "Unexpected '<' or '>': escape them as &lt; and &gt;"
        self.text_length += len(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.error = f"unsupported entity &{name};"
        self.text_length += 1

    def handle_charref(self, name: str) -> None:
        self.text_length += 1


def check_html(text: str) -> tuple[str | None, int]:
    """Telegram's parse error for ``text`` (or None) and its length after parsing."""
    if "&" in text:
        for position in (i for i, char in enumerate(text) if char == "&"):
            tail = text[position + 1 : position + 12]
            if ";" not in tail or not tail.split(";")[0].replace("#", "").isalnum():
                return "Character '&' is reserved and must be escaped", 0
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.rawdata:  # an unfinished "<..." left over
        return "Unexpected end of name token", 0
    if checker.error is None and checker.stack:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return checker.error, checker.text_length


def plain_text(text: str) -> str:
    """What a user sees of an HTML message (tags dropped, entities decoded)."""

    class _Strip(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    stripper = _Strip()
    stripper.feed(text)
    stripper.close()
    return "".join(stripper.parts)
