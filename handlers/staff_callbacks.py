"""Callback data of the staff desk and of the privacy buttons (see :mod:`handlers.callbacks`).

Every staff prefix starts with ``sd`` ("staff desk") so they are easy to tell apart in logs
and in the authorisation tests. Their handlers check the sender's role on every press and
re-read every id from the database: the data on a button is never evidence of anything.

An inbox view (which page, which filters) travels in the data as ``offset.status.topic.lang``
with one-letter status codes, so that with an inquiry id it stays far below 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.i18n import LOCALES
from bot.knowledge.entries import TOPICS
from db.inquiries import DeskFilter
from handlers.callbacks import parse_int

INBOX = "sdi"  # sdi:<view>
REPLY = "sdr"  # sdr:<inquiry_id>
RESOLVE = "sdv"  # sdv:<inquiry_id>:<view>
SPAM = "sdx"  # sdx:<inquiry_id>:<view>
HISTORY = "sdh"  # sdh:<inquiry_id>
SEND = "sds"  # sds:<inquiry_id>
CANCEL = "sdc"  # sdc
TO_KB = "sdk"  # sdk:<inquiry_id>
DRAFT = "sdd"  # sdd:<entry_id>
DRAFT_TEXT = "sdt"  # sdt:<entry_id>:<language>
DRAFT_TOPIC = "sdo"  # sdo:<entry_id>
PUBLISH = "sdp"  # sdp:<entry_id>
DELETE_DRAFT = "sdz"  # sdz:<entry_id>

STAFF_PREFIXES = (
    INBOX,
    REPLY,
    RESOLVE,
    SPAM,
    HISTORY,
    SEND,
    CANCEL,
    TO_KB,
    DRAFT,
    DRAFT_TEXT,
    DRAFT_TOPIC,
    PUBLISH,
    DELETE_DRAFT,
)

FORGET = "fgt"  # fgt:yes | fgt:no (a user erasing their own data)

STATUS_CODES = {
    "o": "open",
    "a": "auto_answered",
    "d": "answered",
    "r": "resolved",
    "s": "spam",
    "w": "pending_choice",
    "t": "small_talk",
    "*": None,
}
STATUS_ORDER = ("o", "w", "a", "d", "r", "s", "t", "*")
TOPIC_ORDER = ("*", *TOPICS, "-")
"""``*`` any topic, ``-`` no topic known."""
LANGUAGE_ORDER = ("*", *LOCALES)


def _next(order: tuple[str, ...], current: str) -> str:
    return order[(order.index(current) + 1) % len(order)]


@dataclass(frozen=True, slots=True)
class View:
    """One inbox page: an offset and three filters, each a short code."""

    offset: int = 0
    status: str = "o"
    topic: str = "*"
    language: str = "*"

    def encode(self) -> str:
        return f"{self.offset}.{self.status}.{self.topic}.{self.language}"

    @classmethod
    def decode(cls, text: str) -> View | None:
        """The view in ``text``, or None if any part is not one we could have made."""
        parts = text.split(".")
        offset = parse_int(parts[0]) if len(parts) == 4 else None
        if offset is None:
            return None
        status, topic, language = parts[1], parts[2], parts[3]
        if status not in STATUS_CODES or topic not in TOPIC_ORDER:
            return None
        if language not in LANGUAGE_ORDER:
            return None
        return cls(offset, status, topic, language)

    def desk_filter(self) -> DeskFilter:
        topic = None if self.topic == "*" else "" if self.topic == "-" else self.topic
        language = None if self.language == "*" else self.language
        return DeskFilter(STATUS_CODES[self.status], topic, language)

    def at(self, offset: int) -> View:
        return replace(self, offset=max(offset, 0))

    def next_status(self) -> View:
        return replace(self, offset=0, status=_next(STATUS_ORDER, self.status))

    def next_topic(self) -> View:
        return replace(self, offset=0, topic=_next(TOPIC_ORDER, self.topic))

    def next_language(self) -> View:
        return replace(self, offset=0, language=_next(LANGUAGE_ORDER, self.language))

    @classmethod
    def from_words(cls, words: list[str]) -> View:
        """``/inbox answered bhr en``: any order, unknown words ignored."""
        view = cls()
        by_status = {status: code for code, status in STATUS_CODES.items() if status}
        for word in (word.lower() for word in words):
            if word in by_status:
                view = replace(view, status=by_status[word])
            elif word == "all":
                view = replace(view, status="*")
            elif word in TOPICS:
                view = replace(view, topic=word)
            elif word in LOCALES:
                view = replace(view, language=word)
        return view
