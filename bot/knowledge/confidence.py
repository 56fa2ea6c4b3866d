"""Decide what to do with search results: answer, offer entries to tap, or hand over to staff.

A wrong answer costs a small business owner more than a short wait for a person, so the bot only
answers on its own when one entry clearly covers the question. Between "clearly" and "not at
all" it asks: one plausible entry is offered as "did you mean ...?", two plausible entries on
different subjects as a choice. Scores come from :class:`bot.knowledge.search.Retriever` and are
comparable across questions (a blend of the share of the question an entry matches and how much
matched), so fixed thresholds work.

Two entries scoring alike are not always two different answers: an overview and one of its parts
(``partnership-patterns`` and ``pattern-waralaba``) share most of their words, and an owner
asking about either is served by the overview with the part one tap away. So such a pair is
answered, parent first, instead of being turned into a "which did you mean?" prompt.

The thresholds are chosen by ``scripts/bench_retrieval.py --tune`` on the *tune* half of the
labelled questions only (questions whose ``zlib.crc32`` is even); the held-out half is never
used to choose them. See :data:`ANSWER_MIN` for the figures behind the values in use.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.knowledge.search import Match

ANSWER_MIN = 0.95
"""The best match must score at least this to be answered without asking. On the tune half
(330 questions, 51 out of scope) any lower value answers more than 3 % of in-scope questions
wrongly, the limit ``--tune`` never trades for coverage."""
OFFER_MIN = 0.8
"""Below :data:`ANSWER_MIN`, the best match is still offered ("did you mean ...?", or with a
close runner-up as a choice of two) when it scores at least this; lower, staff take over.
Lower values offer something to more in-scope questions but also to off-topic ones: out-of-
scope questions reach 0.6-0.9 here (a printer for product labels, a halal certificate abroad),
as high as the weakest right answers."""
CLOSE_RATIO = 0.95
"""A runner-up scoring at least this fraction of the best is too close to call: unless the two
are an overview and its part, the user is asked which they meant. The grid's best ratio on
the tune half was 1.0 (mean value 0.816 a message), which never shows a choice and so never
applies the overview-and-part rule; 0.95 scores 0.811 and keeps both, so it is used."""

GUESSES = 2
"""Best guesses passed along with a hand-over, so staff see what the bot considered."""


class Verdict(enum.Enum):
    ANSWER = "answer"
    """One entry answers; ``Decision.also`` may offer a closely scored part of it as a button."""
    CHOOSE = "choose"
    """Two plausible entries on different subjects: the user taps one (or "none of these")."""
    SUGGEST = "suggest"
    """One plausible entry below the answer threshold: "did you mean ...?"."""
    HANDOVER = "handover"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do. ANSWER carries the answered match, CHOOSE two, SUGGEST one, HANDOVER the best
    guesses (maybe none), for staff."""

    verdict: Verdict
    matches: tuple[Match, ...]
    also: tuple[Match, ...] = ()
    """With ANSWER or SUGGEST: the other half of an overview-and-part pair, offered as a
    button beside the answer."""

    @property
    def offered(self) -> tuple[Match, ...]:
        """Every entry the user sees or can tap, best first."""
        if self.verdict is Verdict.HANDOVER:
            return ()
        return self.matches + self.also


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The three gate values, so the benchmark can try others without touching the constants."""

    answer_min: float = ANSWER_MIN
    offer_min: float = OFFER_MIN
    close_ratio: float = CLOSE_RATIO


DEFAULT_THRESHOLDS = Thresholds()

Parents = Mapping[str, str]
"""Entry id -> the id of the overview entry it is a part of."""


def _family(first: Match, second: Match, parents: Parents) -> tuple[Match, Match] | None:
    """``(overview, part)`` when one of the two is the other's parent, else ``None``."""
    if parents.get(second.entry_id) == first.entry_id:
        return first, second
    if parents.get(first.entry_id) == second.entry_id:
        return second, first
    return None


def decide_with(
    matches: Sequence[Match], thresholds: Thresholds, parents: Parents | None = None
) -> Decision:
    """:func:`decide` with explicit thresholds (for tuning)."""
    if not matches:
        return Decision(Verdict.HANDOVER, ())
    best = matches[0]
    runner_up = matches[1] if len(matches) > 1 else None
    close = runner_up is not None and runner_up.score >= best.score * thresholds.close_ratio
    family = _family(best, runner_up, parents or {}) if close and runner_up else None
    if best.score >= thresholds.answer_min:
        if family is not None:
            return Decision(Verdict.ANSWER, (family[0],), (family[1],))
        if close:
            assert runner_up is not None
            return Decision(Verdict.CHOOSE, (best, runner_up))
        return Decision(Verdict.ANSWER, (best,))
    if best.score >= thresholds.offer_min:
        if family is not None:
            return Decision(Verdict.SUGGEST, (family[0],), (family[1],))
        if close:
            assert runner_up is not None
            return Decision(Verdict.CHOOSE, (best, runner_up))
        return Decision(Verdict.SUGGEST, (best,))
    return Decision(Verdict.HANDOVER, tuple(matches[:GUESSES]))


def decide(matches: Sequence[Match], parents: Parents | None = None) -> Decision:
    """Answer, offer, or hand over, from ``matches`` ordered best first."""
    return decide_with(matches, DEFAULT_THRESHOLDS, parents)
