"""The staff desk: the inbox of logged questions and staff answers that reach the user.

Answering is the delicate part. Two staff members may press "Send" on the same question at
the same moment (one in the staff group, one in a private chat), and the user must get one
answer, not two. So the answer is *claimed* in SQLite with a single conditional UPDATE before
anything is sent (:func:`db.inquiries.claim_answer`): whoever claims first sends, the other is
told the question is taken. If the send then fails, the claim is released and the question is
open again, so a blocked user or a network error never leaves an inquiry marked answered that
the user never saw.

Sending itself is the caller's business (a ``deliver`` function; the handlers pass one that
talks to Telegram), which keeps this module free of Telegram types and testable alone.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock, iso, parse_iso
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.entries import Entry
from bot.users import UserDirectory
from db import Database
from db import inquiries as inquiry_table
from db import staff as staff_table
from db.inquiries import DeskFilter, InquiryRecord
from db.staff import StepRow
from db.users import UserRecord

MAX_ANSWER_LENGTH = 3000
"""Characters in a staff answer: with the quoted question and the frame around it, the
message stays under Telegram's 4096 even when HTML escaping lengthens it a little."""

STEP_TIMEOUT = dt.timedelta(hours=2)
"""A "Reply" left unfinished this long is dropped: long enough to look something up, short
enough that a forgotten step does not swallow an unrelated message the next day."""

HISTORY_SHOWN = 10
"""A user's newest questions shown under "User history"."""

RESOLVABLE = ("open", "auto_answered", "answered")
SPAMMABLE = ("open", "auto_answered", "resolved")


class Outcome(enum.Enum):
    SENT = "sent"
    TAKEN = "taken"
    """Someone else answered (or is answering) it, or it was closed."""
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BLOCKED = "blocked"
    """The user blocked the bot: marked blocked, the question is open again."""
    FAILED = "failed"
    """Telegram refused the message for another reason; the question is open again."""


class DeliveryError(Exception):
    """Raised by a ``deliver`` function when the answer did not reach the user."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked = blocked


Deliver = Callable[[InquiryRecord, UserRecord, str], Awaitable[None]]
"""Sends ``answer`` for the inquiry to the user; raises :class:`DeliveryError` if it can't."""


@dataclass(frozen=True, slots=True)
class Card:
    """One inquiry as staff see it: the question, who asked, and what the bot guessed."""

    inquiry: InquiryRecord
    user: UserRecord | None
    guess: Entry | None


@dataclass(frozen=True, slots=True)
class Page:
    card: Card | None
    offset: int
    total: int


@dataclass(frozen=True, slots=True)
class Answered:
    outcome: Outcome
    inquiry: InquiryRecord | None = None
    user: UserRecord | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class History:
    user: UserRecord | None
    inquiries: list[InquiryRecord]
    total: int


class Desk:
    def __init__(
        self, db: Database, clock: Clock, users: UserDirectory, knowledge: KnowledgeBase
    ) -> None:
        self._db = db
        self._clock = clock
        self._users = users
        self._knowledge = knowledge
        self._awaiting: set[int] = set()

    async def load(self) -> None:
        """Remember who has an unfinished step, so their next message can be routed to it."""
        self._awaiting = set(await staff_table.users_with_steps(self._db))

    def awaiting_input(self, user_id: int) -> bool:
        """Cheap and synchronous (for a message filter); the step itself is re-read later."""
        return user_id in self._awaiting

    # -- reading ---------------------------------------------------------------------------
    async def card(self, inquiry_id: int) -> Card | None:
        inquiry = await inquiry_table.get(self._db, inquiry_id)
        if inquiry is None:
            return None
        user = await self._users.get(inquiry.user_id) if inquiry.user_id is not None else None
        guess = self._knowledge.get(inquiry.entry_id) if inquiry.entry_id else None
        return Card(inquiry, user, guess)

    async def page(self, desk_filter: DeskFilter, offset: int) -> Page:
        """One inquiry per page: staff read and act on one question at a time on a phone."""
        total = await inquiry_table.desk_count(self._db, desk_filter)
        offset = min(max(offset, 0), max(total - 1, 0))
        rows = await inquiry_table.desk_page(self._db, desk_filter, 1, offset)
        card = await self.card(rows[0].id) if rows else None
        return Page(card, offset, total)

    async def listing(
        self, desk_filter: DeskFilter, limit: int, offset: int
    ) -> tuple[list[InquiryRecord], int]:
        """Many inquiries per page, oldest first, and how many match: the web desk's table,
        where staff at a desk scan a screenful at once."""
        total = await inquiry_table.desk_count(self._db, desk_filter)
        rows = await inquiry_table.desk_page(self._db, desk_filter, limit, max(offset, 0))
        return rows, total

    async def history(self, inquiry_id: int) -> History | None:
        """The newest questions of whoever asked ``inquiry_id``."""
        inquiry = await inquiry_table.get(self._db, inquiry_id)
        if inquiry is None or inquiry.user_id is None:
            return None
        return History(
            await self._users.get(inquiry.user_id),
            await inquiry_table.recent_for_user(self._db, inquiry.user_id, HISTORY_SHOWN),
            await inquiry_table.count_for_user(self._db, inquiry.user_id),
        )

    # -- closing without an answer -----------------------------------------------------------
    async def resolve(self, inquiry_id: int) -> bool:
        return await inquiry_table.set_status(self._db, inquiry_id, "resolved", RESOLVABLE)

    async def mark_spam(self, inquiry_id: int) -> bool:
        return await inquiry_table.set_status(self._db, inquiry_id, "spam", SPAMMABLE)

    # -- answering ---------------------------------------------------------------------------
    async def answerable(self, inquiry_id: int) -> Card | None:
        card = await self.card(inquiry_id)
        if (
            card is None
            or card.user is None
            or card.inquiry.status not in inquiry_table.ANSWERABLE
        ):
            return None
        return card

    async def answer(
        self, staff_id: int, inquiry_id: int, text: str, deliver: Deliver
    ) -> Answered:
        """Claim, send, and release the claim if the send fails (see the module docstring)."""
        text = text.strip()
        if not text:
            return Answered(Outcome.EMPTY)
        if len(text) > MAX_ANSWER_LENGTH:
            return Answered(Outcome.TOO_LONG)
        inquiry = await inquiry_table.get(self._db, inquiry_id)
        if inquiry is None or inquiry.user_id is None:
            return Answered(Outcome.NOT_FOUND)
        user = await self._users.get(inquiry.user_id)
        if user is None:
            return Answered(Outcome.NOT_FOUND)
        claimed_at = iso(self._clock.now())
        if not await inquiry_table.claim_answer(self._db, inquiry_id, staff_id, text, claimed_at):
            return Answered(Outcome.TAKEN, await inquiry_table.get(self._db, inquiry_id), user)
        try:
            await deliver(inquiry, user, text)
        except DeliveryError as failure:
            await inquiry_table.release_answer(self._db, inquiry_id, staff_id, claimed_at)
            if failure.blocked:
                await self._users.set_blocked(user.id, True)
            outcome = Outcome.BLOCKED if failure.blocked else Outcome.FAILED
            return Answered(outcome, inquiry, user, failure.reason)
        except BaseException:
            await inquiry_table.release_answer(self._db, inquiry_id, staff_id, claimed_at)
            raise
        step = await staff_table.get_step(self._db, staff_id)
        if step is not None and step.kind == "reply" and step.inquiry_id == inquiry_id:
            await self.cancel(staff_id)
        return Answered(Outcome.SENT, await inquiry_table.get(self._db, inquiry_id), user)

    # -- steps: what the staff member's next message means -------------------------------------
    async def start_reply(self, staff_id: int, inquiry_id: int) -> Card | None:
        card = await self.answerable(inquiry_id)
        if card is not None:
            await staff_table.set_step(
                self._db, staff_id, "reply", iso(self._clock.now()), inquiry_id=inquiry_id
            )
            self._awaiting.add(staff_id)
        return card

    async def start_kb_text(self, staff_id: int, entry_id: str, language: str) -> None:
        await staff_table.set_step(
            self._db,
            staff_id,
            "kb_text",
            iso(self._clock.now()),
            entry_id=entry_id,
            language=language,
        )
        self._awaiting.add(staff_id)

    async def step(self, staff_id: int) -> StepRow | None:
        """The unfinished step, unless it has gone stale (then it is dropped)."""
        step = await staff_table.get_step(self._db, staff_id)
        if step is not None and self._clock.now() - parse_iso(step.started_at) > STEP_TIMEOUT:
            step = None
        if step is None:
            await self.cancel(staff_id)
        return step

    async def save_draft(self, staff_id: int, text: str) -> None:
        await staff_table.set_draft(self._db, staff_id, text)

    async def cancel(self, staff_id: int) -> None:
        await staff_table.clear_step(self._db, staff_id)
        self._awaiting.discard(staff_id)

    # -- the staff group ---------------------------------------------------------------------
    async def record_post(self, chat_id: int, message_id: int, inquiry_id: int) -> None:
        await staff_table.add_post(
            self._db, chat_id, message_id, inquiry_id, iso(self._clock.now())
        )

    async def inquiry_of_post(self, chat_id: int, message_id: int) -> int | None:
        return await staff_table.inquiry_of_post(self._db, chat_id, message_id)

    async def posts_of(self, inquiry_id: int) -> list[tuple[int, int]]:
        return await staff_table.posts_of(self._db, inquiry_id)
