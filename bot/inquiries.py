"""What happens to a user's question: stored first, then answered or handed to staff.

The row is written before anything else is tried, as ``open``; it becomes ``auto_answered``
only once the answer has actually reached the user. A crash, a failed search or a failed send
therefore leaves the question in the staff inbox instead of losing it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, iso
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.confidence import Decision, Verdict
from bot.knowledge.entries import Entry
from db import Database
from db import inquiries as inquiry_table

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 4096
"""Telegram's own limit; kept explicit because the staff desk re-sends questions."""


@dataclass(frozen=True, slots=True)
class Question:
    user_id: int
    chat_id: int
    message_id: int | None
    locale: str
    text: str


@dataclass(frozen=True, slots=True)
class Asked:
    inquiry_id: int
    decision: Decision
    entries: tuple[Entry, ...]
    """The entries behind ``decision.matches``, in the same order."""


class InquiryService:
    def __init__(self, db: Database, knowledge: KnowledgeBase, clock: Clock) -> None:
        self._db = db
        self._knowledge = knowledge
        self._clock = clock

    async def ask(self, question: Question, *, for_staff: bool = False) -> Asked:
        """Log ``question`` and decide how to answer it (``for_staff`` skips the search)."""
        inquiry_id = await inquiry_table.insert(
            self._db,
            question.user_id,
            question.chat_id,
            question.message_id,
            question.locale,
            question.text[:MAX_QUESTION_LENGTH],
            iso(self._clock.now()),
        )
        if for_staff:
            return Asked(inquiry_id, Decision(Verdict.HANDOVER, ()), ())
        decision = self._knowledge.answer(question.text)
        entries = tuple(
            entry
            for entry in (self._knowledge.get(match.entry_id) for match in decision.matches)
            if entry is not None
        )
        if decision.matches and decision.verdict is not Verdict.ANSWER:
            # An answer about to be sent records its entry and score with the auto_answered
            # mark (or, if it cannot be sent, with not_delivered): one durable write, not two.
            best = decision.matches[0]
            topic = entries[0].topic if entries else None
            await inquiry_table.set_best_guess(
                self._db, inquiry_id, best.entry_id, best.score, topic
            )
        return Asked(inquiry_id, decision, entries)

    async def answered_automatically(
        self, inquiry_id: int, entry: Entry, score: float | None = None
    ) -> None:
        """The answer from ``entry`` reached the user."""
        await inquiry_table.mark_auto_answered(self._db, inquiry_id, entry.id, entry.topic, score)

    async def not_delivered(self, inquiry_id: int, entry: Entry, score: float | None) -> None:
        """The answer from ``entry`` could not be sent: the question stays open for staff, who
        see the bot's guess."""
        await inquiry_table.set_best_guess(self._db, inquiry_id, entry.id, score, entry.topic)

    async def feedback(self, inquiry_id: int, user_id: int, helpful: bool) -> bool:
        """👍/👎 on an automatic answer; 👎 puts the question back in the staff inbox."""
        return await inquiry_table.set_helpful(self._db, inquiry_id, user_id, helpful)

    async def get_own(self, inquiry_id: int, user_id: int) -> inquiry_table.InquiryRecord | None:
        """The inquiry, only if it belongs to ``user_id``."""
        record = await inquiry_table.get(self._db, inquiry_id)
        return record if record and record.user_id == user_id else None
