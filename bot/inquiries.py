"""What happens to a user's question: stored first, then answered, offered, or handed to staff.

The row is written before anything else is tried, as ``open``; it becomes ``auto_answered``
only once the answer has actually reached the user. A crash, a failed search or a failed send
therefore leaves the question in the staff inbox instead of losing it. :meth:`InquiryService.
handle` keeps that order itself; the caller only says how to show things to the user (a
:class:`Reply`), so no handler can mark a question answered before it was.

When the bot offers entries to tap instead of answering, the question waits as
``pending_choice``: a tap settles it, "none of these" or :attr:`Settings.choice_timeout_minutes`
without a tap sends it to staff (:meth:`InquiryService.expire_choices`, planned from the
database, so a restart loses none). Small talk ("makasih", "halo") is stored as
``small_talk`` and never reaches staff.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock, iso
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.confidence import Decision, Verdict
from bot.knowledge.entries import Entry
from bot.smalltalk import Chatter, classify
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
    """The entries behind ``decision.offered``, in the same order."""
    chatter: Chatter | None = None
    """Set when the message was small talk, not a question: nothing was searched."""


HANDED_TO_STAFF = Decision(Verdict.HANDOVER, ())


class Reply(Protocol):
    """How the user is shown what became of their message (the Telegram handlers implement
    it). A method that cannot deliver raises; the service then leaves the question open."""

    async def small_talk(self, chatter: Chatter) -> None: ...

    async def answer(self, inquiry_id: int, entry: Entry, also: Sequence[Entry]) -> None:
        """``entry``'s answer; ``also``, a part of it that scored as well, one tap away."""

    async def offer(self, inquiry_id: int, entries: Sequence[Entry]) -> None:
        """Entries to tap (two close ones, or one plausible one, with its part if it is an
        overview), and "none of these"."""

    async def handed_over(self, inquiry_id: int, *, asked_for_staff: bool) -> None: ...

    async def already_answered(self) -> None: ...


class InquiryService:
    def __init__(
        self,
        db: Database,
        knowledge: KnowledgeBase,
        clock: Clock,
        choice_timeout: dt.timedelta = dt.timedelta(minutes=10),
    ) -> None:
        self._db = db
        self._knowledge = knowledge
        self._clock = clock
        self._choice_timeout = choice_timeout

    async def ask(self, question: Question, *, for_staff: bool = False) -> Asked:
        """Log ``question`` and decide how to answer it (``for_staff`` skips the search)."""
        chatter = None if for_staff else classify(question.text)
        inquiry_id = await inquiry_table.insert(
            self._db,
            question.user_id,
            question.chat_id,
            question.message_id,
            question.locale,
            question.text[:MAX_QUESTION_LENGTH],
            iso(self._clock.now()),
            status="open" if chatter is None else "small_talk",
        )
        if chatter is not None or for_staff:
            return Asked(inquiry_id, HANDED_TO_STAFF, (), chatter)
        decision = await self._knowledge.consider(question.text)
        entries = tuple(
            entry
            for entry in (self._knowledge.get(match.entry_id) for match in decision.offered)
            if entry is not None
        )
        # Answers and offers record the entry and score when they have been sent (or could
        # not be): one durable write, not two.
        if decision.verdict is Verdict.HANDOVER and decision.matches:
            best = decision.matches[0]
            guess = self._knowledge.get(best.entry_id)
            await inquiry_table.set_best_guess(
                self._db, inquiry_id, best.entry_id, best.score, guess.topic if guess else None
            )
        return Asked(inquiry_id, decision, entries)

    async def handle(self, question: Question, reply: Reply, *, for_staff: bool = False) -> Asked:
        """Store ``question``, decide, show the user through ``reply``, then record what the
        user was shown: the one path every text message takes."""
        asked = await self.ask(question, for_staff=for_staff)
        verdict = asked.decision.verdict
        if asked.chatter is not None:
            await reply.small_talk(asked.chatter)
        elif verdict is Verdict.ANSWER:
            score = asked.decision.matches[0].score
            await self._answer(asked.inquiry_id, asked.entries[0], score, asked.entries[1:], reply)
        elif verdict in (Verdict.CHOOSE, Verdict.SUGGEST):
            try:
                await reply.offer(asked.inquiry_id, asked.entries)
            except Exception:
                score = asked.decision.matches[0].score
                await self.not_delivered(asked.inquiry_id, asked.entries[0], score)
                raise
            await self._choice_offered(asked)
        else:
            await reply.handed_over(asked.inquiry_id, asked_for_staff=for_staff)
        return asked

    async def pick(self, inquiry_id: int, user_id: int, choice: str, reply: Reply) -> bool:
        """The user tapped an offered entry (``choice`` is its id) or "none of these".

        The entry is shown whatever became of the question meanwhile: it is what the user
        asked to read; only a question still waiting is marked answered by it. False if the
        button is not this user's (callback data is never trusted).
        """
        inquiry = await self.get_own(inquiry_id, user_id)
        if inquiry is None:
            return False
        entry = self._knowledge.get(choice)
        if entry is not None:
            await self._answer(inquiry.id, entry, None, (), reply)
        elif await self.to_staff(inquiry.id) or inquiry.status == "open":
            await reply.handed_over(inquiry.id, asked_for_staff=True)
        else:
            await reply.already_answered()
        return True

    async def _answer(
        self,
        inquiry_id: int,
        entry: Entry,
        score: float | None,
        also: Sequence[Entry],
        reply: Reply,
    ) -> None:
        try:
            await reply.answer(inquiry_id, entry, also)
        except Exception:
            await self.not_delivered(inquiry_id, entry, score)
            raise
        await inquiry_table.mark_auto_answered(self._db, inquiry_id, entry.id, entry.topic, score)

    async def _choice_offered(self, asked: Asked) -> None:
        """The entries in ``asked`` reached the user as buttons: the question waits for a tap
        as ``pending_choice`` instead of in the staff inbox. (Until then it is ``open``, so a
        prompt that could not be sent leaves it with staff.)"""
        best = asked.decision.matches[0]
        topic = asked.entries[0].topic if asked.entries else None
        await inquiry_table.await_choice(
            self._db, asked.inquiry_id, best.entry_id, best.score, topic
        )

    async def to_staff(self, inquiry_id: int) -> bool:
        """The user tapped "none of these": a waiting choice prompt goes to the staff inbox.
        False if it was not waiting any more (it expired, or was settled)."""
        return await inquiry_table.release_choice(self._db, inquiry_id)

    async def expire_choices(self) -> list[int]:
        """Choice prompts left untapped for the timeout go to staff; returns their ids."""
        deadline = self._clock.now() - self._choice_timeout
        return await inquiry_table.expire_choices(self._db, iso(deadline))

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
