"""Closing the loop: a staff answer becomes a knowledge-base entry, so the next user who asks
gets it at once instead of waiting for staff.

The draft starts in the language the question came in (the question as title and example
question, the staff answer as the answer). The bot talks to users in both languages, so a
draft is published only when staff have written the other language too and both texts pass
the same limits as the entry files (:mod:`bot.knowledge.entries`). Publishing rebuilds the
served knowledge base in place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.clock import Clock
from bot.i18n import LOCALES
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.entries import MAX_ANSWER, MAX_TITLE, MENU_TOPICS, TOPICS, Entry, EntryText
from db import Database, kb_drafts
from db import inquiries as inquiry_table

ID_PREFIX = "staff-"
"""Draft ids are ``staff-<inquiry id>``: unique, traceable to the question, and short enough
for callback data."""

DRAFTABLE = ("answered", "resolved")


class Problem(enum.Enum):
    MISSING = "missing"
    NO_TITLE = "no_title"
    LONG_TITLE = "long_title"
    NO_ANSWER = "no_answer"
    LONG_ANSWER = "long_answer"


@dataclass(frozen=True, slots=True)
class Issue:
    problem: Problem
    language: str
    length: int = 0


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def parse_text(raw: str) -> tuple[str, str]:
    """Staff send one message: the first line is the title, the rest the answer."""
    title, _, answer = raw.strip().partition("\n")
    return title.strip(), answer.strip()


def issues(entry: Entry) -> list[Issue]:
    """Everything that stops ``entry`` from being published, per language."""
    found = []
    for language in LOCALES:
        text = entry.texts.get(language)
        if text is None:
            found.append(Issue(Problem.MISSING, language))
            continue
        if not text.title:
            found.append(Issue(Problem.NO_TITLE, language))
        elif len(text.title) > MAX_TITLE:
            found.append(Issue(Problem.LONG_TITLE, language, len(text.title)))
        if not text.answer:
            found.append(Issue(Problem.NO_ANSWER, language))
        elif len(text.answer) > MAX_ANSWER:
            found.append(Issue(Problem.LONG_ANSWER, language, len(text.answer)))
    return found


class Created(enum.Enum):
    CREATED = "created"
    EXISTS = "exists"
    NOT_ANSWERED = "not_answered"


class DraftService:
    def __init__(self, db: Database, clock: Clock, knowledge: KnowledgeBase) -> None:
        self._db = db
        self._clock = clock
        self._knowledge = knowledge

    def _today(self) -> str:
        return self._clock.now().date().isoformat()

    async def from_inquiry(self, inquiry_id: int) -> tuple[Created, Entry | None]:
        inquiry = await inquiry_table.get(self._db, inquiry_id)
        if (
            inquiry is None
            or inquiry.status not in DRAFTABLE
            or not inquiry.answer
            or not inquiry.question
        ):
            return Created.NOT_ANSWERED, None
        entry_id = f"{ID_PREFIX}{inquiry.id}"
        topic = inquiry.topic if inquiry.topic in MENU_TOPICS else MENU_TOPICS[0]
        text = EntryText(
            title=shorten(inquiry.question, MAX_TITLE),
            answer=inquiry.answer,
            questions=(inquiry.question,),
        )
        created = await kb_drafts.create(
            self._db, entry_id, topic, self._today(), inquiry.language, text
        )
        return (Created.CREATED if created else Created.EXISTS), await self.get(entry_id)

    async def get(self, entry_id: str) -> Entry | None:
        return await kb_drafts.get(self._db, entry_id)

    async def drafts(self) -> list[Entry]:
        found = []
        for entry_id in await kb_drafts.draft_ids(self._db):
            entry = await kb_drafts.get(self._db, entry_id)
            if entry is not None:
                found.append(entry)
        return found

    async def set_text(self, entry_id: str, language: str, raw: str) -> Entry | None:
        """Write one language from a staff message (title line, then answer)."""
        entry = await self.get(entry_id)
        if entry is None or entry.status != "draft" or language not in LOCALES:
            return None
        title, answer = parse_text(raw)
        old = entry.texts.get(language)
        questions = old.questions if old and old.questions else (title,)
        await kb_drafts.set_text(
            self._db, entry_id, language, EntryText(title, answer, questions=questions)
        )
        return await self.get(entry_id)

    async def next_topic(self, entry_id: str) -> Entry | None:
        entry = await self.get(entry_id)
        if entry is None or entry.status != "draft":
            return None
        order = list(TOPICS)
        topic = (
            order[(order.index(entry.topic) + 1) % len(order)]
            if entry.topic in order
            else order[0]
        )
        await kb_drafts.set_topic(self._db, entry_id, topic)
        return await self.get(entry_id)

    async def publish(self, entry_id: str) -> tuple[bool, list[Issue]]:
        """Publish if complete; the knowledge base serves the entry from the next question on."""
        entry = await self.get(entry_id)
        if entry is None or entry.status != "draft":
            return False, []
        found = issues(entry)
        if found:
            return False, found
        published = await kb_drafts.publish(self._db, entry_id, self._today(), LOCALES)
        if published:
            await self._knowledge.reload(self._db)
        return published, []

    async def delete(self, entry_id: str) -> bool:
        return await kb_drafts.delete(self._db, entry_id)
