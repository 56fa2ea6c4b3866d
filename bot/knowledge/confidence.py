"""Decide what to do with search results: answer, let the user choose, or hand over to staff.

A wrong answer costs a small business owner more than a short wait for a person, so the bot only
answers on its own when one entry clearly covers the question. Scores come from
:class:`bot.knowledge.search.Retriever` and are comparable across questions (a blend of the
share of the question an entry matches and how much matched), so fixed thresholds work.

The thresholds were chosen by ``scripts/bench_retrieval.py --tune`` on the *tune* half of the
labelled questions only (questions whose ``zlib.crc32`` is even: 144 in scope, 21 off-topic);
the held-out half was never used to choose them. The grid search (step 0.025) maximises a
utility that rewards a right answer (+1), a right pair to choose from (+0.75) and a hand-over
of an off-topic question (+1), and penalises a wrong answer or pair (-1 / -0.75) and answering
an off-topic question (-1), averaged separately over in-scope and off-topic questions so both
count equally. It picks the point whose 3x3x3 neighbourhood in the grid scores best, so the
values sit on a plateau rather than a lucky spike. Re-run it when the knowledge base or the
scoring changes.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.search import Match

ANSWER_MIN = 0.775
"""The best match must score at least this to be answered alone. Chosen on the tune half (see
the module docstring); there no off-topic question's best guess reached it."""
CHOOSE_MIN = 0.7
"""Two close candidates are offered when the better scores at least this; below it staff take
over. Lower than ``ANSWER_MIN`` because the user, not the bot, makes the final pick."""
CLOSE_RATIO = 0.9
"""A runner-up scoring at least this fraction of the best is too close to call: offer both.
Related entries share much vocabulary, so a lead of under ~10% is often the wrong way round.

After the example questions were enriched (85 entries, 6-8 examples a language), the grid's
best point on the tune half was (0.775, 0.4, 1.0): utility 1.819, but a ratio of 1.0 never
offers a choice. (0.775, 0.7, 0.9) scores 1.816 on the same half, answers fewer questions
wrongly (7 against 8) and keeps the "which of these did you mean?" buttons, so it is used."""

GUESSES = 2
"""Best guesses passed along with a hand-over, so staff see what the bot considered."""


class Verdict(enum.Enum):
    ANSWER = "answer"
    CHOOSE = "choose"
    HANDOVER = "handover"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do: ANSWER carries one match, CHOOSE two, HANDOVER the best guesses (maybe none)."""

    verdict: Verdict
    matches: tuple[Match, ...]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The three gate values, so the benchmark can try others without touching the constants."""

    answer_min: float = ANSWER_MIN
    choose_min: float = CHOOSE_MIN
    close_ratio: float = CLOSE_RATIO


DEFAULT_THRESHOLDS = Thresholds()


def decide_with(matches: Sequence[Match], thresholds: Thresholds) -> Decision:
    """:func:`decide` with explicit thresholds (for tuning)."""
    if not matches:
        return Decision(Verdict.HANDOVER, ())
    best = matches[0]
    runner_up = matches[1] if len(matches) > 1 else None
    close = runner_up is not None and runner_up.score >= best.score * thresholds.close_ratio
    if close and best.score >= thresholds.choose_min:
        assert runner_up is not None
        return Decision(Verdict.CHOOSE, (best, runner_up))
    if not close and best.score >= thresholds.answer_min:
        return Decision(Verdict.ANSWER, (best,))
    return Decision(Verdict.HANDOVER, tuple(matches[:GUESSES]))


def decide(matches: Sequence[Match]) -> Decision:
    """Answer, offer two, or hand over, from ``matches`` ordered best first."""
    return decide_with(matches, DEFAULT_THRESHOLDS)
