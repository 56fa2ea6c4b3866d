"""Benchmark question answering retrieval against a plain BM25 baseline.

Run from the repository root::

    .venv/bin/python scripts/bench_retrieval.py            # report
    .venv/bin/python scripts/bench_retrieval.py --tune     # also search thresholds (tune half)

The labelled questions (``tests/data/questions/*.yaml``) are split deterministically: a question
whose ``zlib.crc32`` of its text is even belongs to the *tune* half, odd to the *held-out* half.
Thresholds in :mod:`bot.knowledge.confidence` are chosen on the tune half only; the held-out half
says how well they generalise.

Metrics, per language and overall, on what the user *receives* (after gating):

* direct: in-scope questions answered at once with a right entry.
* offered: a right entry is on a button, not answered at once: one of two choices, a "did you
  mean ...?" suggestion, or the part offered beside its overview's answer.
* wrong: confident wrong, answered at once with no right entry anywhere on the screen.
* off-wrong: offered entries to tap, none of them right (the user taps "none of these").
* handed: in-scope questions handed to staff.
* oos handed / offered / answered: what happens to out-of-scope questions.
* top-1 / top-3 / MRR: ranking quality before gating, for comparison with earlier runs.
* p50 / p99 latency of search + decision per question, wall clock, on the first pass over a
  freshly built index (per-term caches empty).

Targets (issue 10), on the held-out half: direct >= 85 %, direct + offered >= 97 %, wrong
<= 3 %, out-of-scope handed >= 95 %, p99 < 20 ms at 1,000 entries.

The same run pads the knowledge base to 1,000 entries with synthetic filler entries (real
vocabulary, shuffled and recombined, random ids) to show how build time and latency grow; it
also shows CPU time, which stays meaningful when other processes load the machine.

The module is importable: the regression test reuses :func:`evaluate` and :func:`load_questions`.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import random
import re
import statistics
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge.confidence import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    Decision,
    Parents,
    Thresholds,
    Verdict,
    decide_with,
)
from bot.knowledge.entries import Entry, EntryText, load_directory  # noqa: E402
from bot.knowledge.search import Match, Retriever  # noqa: E402

QUESTIONS_DIR = ROOT / "tests" / "data" / "questions"
PAD_SIZES = (250, 500, 1000)
"""Knowledge-base sizes for the growth table; the last is the 1,000-entry target."""
PAD_SEED = 20261121
"""Fixed seed, so the padded knowledge base is the same on every run."""
LIMIT = 3
"""Results asked of each retriever; top-3 accuracy needs three."""
BUILD_REPEATS = 3
"""Index builds timed per size; the median is reported (this machine's timings are noisy)."""

IN_SCOPE_KINDS = ("direct", "offered", "wrong", "offered_wrong", "handed")
OOS_KINDS = ("oos_handed", "oos_offered", "oos_answered")

UTILITY = {
    "direct": 1.0,
    "offered": 0.6,
    "handed": 0.0,
    "offered_wrong": -0.5,
    "wrong": -1.5,
    "oos_handed": 1.0,
    "oos_offered": -0.5,
    "oos_answered": -1.5,
}
"""Value of each outcome to the user, for threshold tuning: a confident wrong answer is the
worst (the owner may act on it), a prompt with no right entry costs a tap on "none of these",
an extra tap to reach the right entry costs a little."""

GRID = {
    "answer_min": [round(0.3 + 0.025 * i, 3) for i in range(45)],
    "offer_min": [round(0.3 + 0.025 * i, 3) for i in range(45)],
    "close_ratio": [round(0.75 + 0.025 * i, 3) for i in range(11)],
}
"""Threshold values tried by ``--tune``; ``offer_min`` above ``answer_min`` is skipped."""


# --------------------------------------------------------------------------------------------
# Questions


@dataclass(frozen=True, slots=True)
class Question:
    q: str
    lang: str
    style: str
    expect: frozenset[str] | None
    """Acceptable entry ids; ``None`` for an out-of-scope question."""
    source: str

    @property
    def half(self) -> str:
        """ "tune" or "held-out", fixed by the question text alone."""
        return "tune" if zlib.crc32(self.q.encode("utf-8")) % 2 == 0 else "held-out"

    @property
    def in_scope(self) -> bool:
        return self.expect is not None


def load_questions(directory: Path = QUESTIONS_DIR) -> list[Question]:
    """All labelled questions; malformed items are skipped with a warning on stderr."""
    questions: list[Question] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for item in data:
            if not isinstance(item, dict) or not item.get("q"):
                print(f"warning: {path.name}: skipped {item!r}", file=sys.stderr)
                continue
            expect = item.get("expect")
            ids: frozenset[str] | None
            if expect is None:
                ids = None
            elif isinstance(expect, str):
                ids = frozenset([expect])
            else:
                ids = frozenset(str(e) for e in expect)
            questions.append(
                Question(
                    q=str(item["q"]),
                    lang=str(item.get("lang", "")),
                    style=str(item.get("style", "")),
                    expect=ids,
                    source=path.stem,
                )
            )
    return questions


# --------------------------------------------------------------------------------------------
# Baseline


class BM25Baseline:
    """Plain BM25 (k1=1.5, b=0.75): lowercase, split on non-letters, nothing else.

    One document per entry: title, example questions, keywords and answer, both languages, the
    same text the retriever indexes. Scores are raw BM25, not comparable across questions.
    """

    K1 = 1.5
    B = 0.75
    _SPLIT = re.compile(r"[^\W\d_]+")

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._ids = [entry.id for entry in entries]
        self._postings: dict[str, list[tuple[int, int]]] = {}
        lengths: list[int] = []
        for index, entry in enumerate(entries):
            parts = list(entry.keywords)
            for text in entry.texts.values():
                parts += [text.title, text.answer, *text.questions]
            tokens = self._tokens(" ".join(parts))
            lengths.append(len(tokens))
            for term, tf in Counter(tokens).items():
                self._postings.setdefault(term, []).append((index, tf))
        count = len(entries)
        self._average = sum(lengths) / count if count else 0.0
        self._lengths = lengths
        self._idf = {
            term: math.log(1 + (count - len(rows) + 0.5) / (len(rows) + 0.5))
            for term, rows in self._postings.items()
        }

    def _tokens(self, text: str) -> list[str]:
        return self._SPLIT.findall(text.lower())

    def search(self, query: str, limit: int = LIMIT) -> list[Match]:
        scores: dict[int, float] = {}
        for term in self._tokens(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for index, tf in self._postings[term]:
                norm = 1 - self.B + self.B * self._lengths[index] / self._average
                value = idf * tf * (self.K1 + 1) / (tf + self.K1 * norm)
                scores[index] = scores.get(index, 0.0) + value
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self._ids[item[0]]))
        return [Match(self._ids[index], score) for index, score in ranked[:limit]]


def baseline_decide(matches: Sequence[Match], min_score: float) -> Decision:
    """The baseline's gate: answer the top hit if its raw score reaches ``min_score``."""
    if matches and matches[0].score >= min_score:
        return Decision(Verdict.ANSWER, (matches[0],))
    return Decision(Verdict.HANDOVER, tuple(matches[:2]))


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True, slots=True)
class Outcome:
    question: Question
    matches: tuple[Match, ...]
    seconds: float
    """Wall time of the search; gating is re-done cheaply when tuning."""
    cpu_seconds: float
    """CPU time of the search: unlike wall time, not inflated when other processes compete
    for the machine's cores."""


Searcher = Callable[[str, int], list[Match]]
Decider = Callable[[Sequence[Match]], Decision]


def run(search: Searcher, questions: Iterable[Question]) -> list[Outcome]:
    """Search every question once, timing each search."""
    outcomes = []
    for question in questions:
        start, cpu = time.perf_counter(), time.process_time()
        matches = search(question.q, LIMIT)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        outcomes.append(Outcome(question, tuple(matches), seconds, cpu))
    return outcomes


def outcome_kind(question: Question, decision: Decision) -> str:
    """What the user receives, as one of :data:`IN_SCOPE_KINDS` or :data:`OOS_KINDS`."""
    if question.expect is None:
        return {
            Verdict.HANDOVER: "oos_handed",
            Verdict.ANSWER: "oos_answered",
        }.get(decision.verdict, "oos_offered")
    if decision.verdict is Verdict.HANDOVER:
        return "handed"
    if decision.verdict is Verdict.ANSWER and decision.matches[0].entry_id in question.expect:
        return "direct"
    if {m.entry_id for m in decision.offered} & question.expect:
        return "offered"
    return "wrong" if decision.verdict is Verdict.ANSWER else "offered_wrong"


@dataclass(slots=True)
class Metrics:
    count_in: int = 0
    count_oos: int = 0
    top1: float = 0.0
    top3: float = 0.0
    mrr: float = 0.0
    share: dict[str, float] = field(default_factory=dict)
    """Each outcome kind as a share of the in-scope (or out-of-scope) questions."""
    utility: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    p99_cpu_ms: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def reached(self) -> float:
        """Direct + offered: the right entry is on the user's screen."""
        return self.share["direct"] + self.share["offered"]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation), 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def evaluate(outcomes: Sequence[Outcome], decide: Decider, extra_ms: float = 0.0) -> Metrics:
    """Metrics for ``outcomes`` under the gate ``decide``."""
    metrics = Metrics()
    latencies = []
    cpu_latencies = []
    for outcome in outcomes:
        question = outcome.question
        start = time.perf_counter()
        decision = decide(outcome.matches)
        gate = time.perf_counter() - start
        latencies.append((outcome.seconds + gate) * 1000 + extra_ms)
        cpu_latencies.append((outcome.cpu_seconds + gate) * 1000 + extra_ms)
        metrics.kinds[outcome_kind(question, decision)] += 1
        if question.expect is None:
            metrics.count_oos += 1
            continue
        metrics.count_in += 1
        ranks = [i for i, m in enumerate(outcome.matches) if m.entry_id in question.expect]
        if ranks:
            metrics.top1 += ranks[0] == 0
            metrics.top3 += ranks[0] < 3
            metrics.mrr += 1 / (ranks[0] + 1)
    if metrics.count_in:
        metrics.top1 /= metrics.count_in
        metrics.top3 /= metrics.count_in
        metrics.mrr /= metrics.count_in
    for kinds, count in ((IN_SCOPE_KINDS, metrics.count_in), (OOS_KINDS, metrics.count_oos)):
        for kind in kinds:
            metrics.share[kind] = metrics.kinds[kind] / count if count else 0.0
    metrics.utility = utility(metrics.kinds)
    metrics.p50_ms = percentile(latencies, 0.50)
    metrics.p99_ms = percentile(latencies, 0.99)
    metrics.p99_cpu_ms = percentile(cpu_latencies, 0.99)
    return metrics


def utility(kinds: Counter[str]) -> float:
    """Mean value over in-scope questions plus mean value over out-of-scope questions, so
    both count equally however many of each the labelled set has."""
    value = 0.0
    for group in (IN_SCOPE_KINDS, OOS_KINDS):
        count = sum(kinds[k] for k in group)
        if count:
            value += sum(UTILITY[k] * kinds[k] for k in group) / count
    return value


# --------------------------------------------------------------------------------------------
# Threshold tuning (tune half only)


def objective(kinds: Counter[str]) -> float | None:
    """What ``--tune`` maximises on the tune half: the mean value of what each message's
    sender receives (:data:`UTILITY`), or ``None`` where the point answers more than
    :data:`TARGETS` allows wrongly and confidently, in scope or out: that limit protects the
    user and is not traded for coverage. Every message counts once, so out-of-scope
    questions weigh what their share of the labelled set is."""
    n_in = sum(kinds[k] for k in IN_SCOPE_KINDS)
    n_oos = sum(kinds[k] for k in OOS_KINDS)
    if n_in and kinds["wrong"] / n_in > TARGETS["wrong"]:
        return None
    if n_oos and kinds["oos_answered"] / n_oos > TARGETS["wrong"]:
        return None
    total = n_in + n_oos
    return sum(UTILITY[kind] * count for kind, count in kinds.items()) / total if total else 0.0


def tune_thresholds(outcomes: Sequence[Outcome], parents: Parents) -> tuple[Thresholds, float]:
    """The grid point with the best neighbourhood-averaged :func:`objective` on ``outcomes``.

    Averaging over the neighbouring grid points prefers a broad plateau to a narrow peak that
    would not survive new questions. For each closeness ratio, every question's outcome is
    worked out once for each of the three regimes the other two thresholds select (answer,
    offer, hand over), so the grid costs counting, not decisions; the winner is re-checked
    with the real :func:`decide_with`.
    """
    everything = Thresholds(answer_min=-math.inf, offer_min=-math.inf)
    offers_only = Thresholds(answer_min=math.inf, offer_min=-math.inf)
    axes = [GRID["answer_min"], GRID["offer_min"], GRID["close_ratio"]]
    raw: dict[tuple[int, int, int], float | None] = {}
    for k, ratio in enumerate(axes[2]):
        rows = []
        for o in outcomes:
            handover = "handed" if o.question.in_scope else "oos_handed"
            if not o.matches:
                rows.append((-math.inf, handover, handover, handover))
                continue
            answer, offer = (
                outcome_kind(
                    o.question,
                    decide_with(o.matches, replace(regime, close_ratio=ratio), parents),
                )
                for regime in (everything, offers_only)
            )
            rows.append((o.matches[0].score, answer, offer, handover))
        for i, answer_min in enumerate(axes[0]):
            for j, offer_min in enumerate(axes[1]):
                if offer_min > answer_min:
                    continue
                raw[(i, j, k)] = objective(
                    Counter(
                        answer if best >= answer_min else offer if best >= offer_min else handover
                        for best, answer, offer, handover in rows
                    )
                )

    def smoothed(point: tuple[int, int, int]) -> float:
        values = [
            -1.0 if raw[neighbour] is None else raw[neighbour]  # a neighbour over a limit
            for delta in itertools.product((-1, 0, 1), repeat=3)
            if (neighbour := tuple(p + d for p, d in zip(point, delta, strict=True))) in raw
        ]
        return sum(values) / len(values)

    allowed = [point for point, value in raw.items() if value is not None]
    best_point = max(allowed, key=lambda point: (smoothed(point), raw[point]))
    i, j, k = best_point
    chosen = Thresholds(axes[0][i], axes[1][j], axes[2][k])
    kinds = Counter(
        outcome_kind(o.question, decide_with(o.matches, chosen, parents)) for o in outcomes
    )
    return chosen, utility(kinds)


def tune_baseline(outcomes: Sequence[Outcome]) -> float:
    """Raw BM25 score the baseline must reach to answer, best utility on ``outcomes``."""
    candidates = sorted({o.matches[0].score for o in outcomes if o.matches} | {0.0})
    best_value, best_score = -math.inf, 0.0
    for score in candidates:
        kinds = Counter(
            outcome_kind(o.question, baseline_decide(o.matches, score)) for o in outcomes
        )
        value = utility(kinds)
        if value > best_value:
            best_value, best_score = value, score
    return best_score


# --------------------------------------------------------------------------------------------
# Padding the knowledge base


def pad_entries(entries: Sequence[Entry], size: int, seed: int = PAD_SEED) -> list[Entry]:
    """``entries`` plus synthetic fillers up to ``size`` entries.

    Fillers recombine the real entries' words (per language and field, shuffled), with lengths
    copied from a random real entry, so the vocabulary, field lengths and posting-list sizes look
    like a real, larger knowledge base. Their ids are random and never expected by a question.
    """
    rng = random.Random(seed)
    words: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        for lang, text in entry.texts.items():
            for name, value in (
                ("title", text.title),
                ("answer", text.answer),
                ("questions", " ".join(text.questions)),
            ):
                words.setdefault((lang, name), []).extend(value.split())
    keywords = [k for entry in entries for k in entry.keywords]

    def sample(lang: str, name: str, like: str) -> str:
        pool = words[(lang, name)]
        return " ".join(rng.choice(pool) for _ in range(max(1, len(like.split()))))

    padded = list(entries)
    while len(padded) < size:
        model = rng.choice(entries)
        texts = {
            lang: EntryText(
                title=sample(lang, "title", text.title),
                answer=sample(lang, "answer", text.answer),
                questions=tuple(sample(lang, "questions", q) + "?" for q in text.questions),
            )
            for lang, text in model.texts.items()
        }
        padded.append(
            Entry(
                id=f"filler-{rng.getrandbits(40):010x}",
                topic=model.topic,
                reviewed=model.reviewed,
                texts=texts,
                keywords=tuple(rng.sample(keywords, min(len(keywords), len(model.keywords)))),
            )
        )
    return padded


# --------------------------------------------------------------------------------------------
# Report


def median_build_ms(entries: Sequence[Entry]) -> tuple[float, float]:
    """Median wall and CPU time (ms) of building a :class:`Retriever` over ``entries``."""
    wall, cpu = [], []
    for _ in range(BUILD_REPEATS):
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        Retriever(entries)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


LEGEND = """
+sem = ours with the embedding blend (SEMANTIC_SEARCH=on), ours = BM25F alone (the default),
BM25 = plain BM25 with its best single threshold. What the user receives, as a share of the
in-scope questions (direct, offered, wrong, off-wrong, handed; reach = direct + offered) and
of the out-of-scope ones (oos: handed, offered, answered). direct = answered at once with a
right entry; offered = a right entry is on a button; wrong = confident wrong; off-wrong =
offered entries, none right. top1/MRR = ranking before gating; p50/p99 = search + decision
per question, first pass on a fresh index."""

TARGETS = {"direct": 0.85, "reach": 0.97, "wrong": 0.03, "oos_handed": 0.95}
"""Issue 10's targets on the held-out half; ``wrong`` is a ceiling, the others floors."""


def print_table(title: str, rows: Sequence[tuple[str, Metrics]]) -> None:
    print(f"\n{title}")
    header = (
        f"{'':14} {'n_in':>4} {'n_oos':>5} | {'direct':>6} {'offerd':>6} {'wrong':>6} "
        f"{'offwrg':>6} {'handed':>6} | {'reach':>6} | {'oos:hd':>6} {'offerd':>6} "
        f"{'answd':>6} | {'top1':>6} {'MRR':>5} | {'p50ms':>5} {'p99ms':>5}"
    )
    print(header)
    print("-" * len(header))
    for label, m in rows:
        share = m.share
        print(
            f"{label:14} {m.count_in:4d} {m.count_oos:5d} | {_pct(share['direct'])} "
            f"{_pct(share['offered'])} {_pct(share['wrong'])} {_pct(share['offered_wrong'])} "
            f"{_pct(share['handed'])} | {_pct(m.reached)} | {_pct(share['oos_handed'])} "
            f"{_pct(share['oos_offered'])} {_pct(share['oos_answered'])} | {_pct(m.top1)} "
            f"{m.mrr:5.3f} | {m.p50_ms:5.2f} {m.p99_ms:5.2f}"
        )


def print_targets(metrics: Metrics) -> None:
    """Each target of issue 10 against the held-out figure, met or not."""
    figures = {
        "direct": metrics.share["direct"],
        "reach": metrics.reached,
        "wrong": metrics.share["wrong"],
        "oos_handed": metrics.share["oos_handed"],
    }
    for name, target in TARGETS.items():
        met = figures[name] <= target if name == "wrong" else figures[name] >= target
        sign = "<=" if name == "wrong" else ">="
        verdict = "met" if met else "MISSED"
        print(f"  {name:11} {_pct(figures[name])}  target {sign} {_pct(target)}  {verdict}")


SMALL_TALK = ROOT / "tests" / "data" / "smalltalk.yaml"


def print_small_talk() -> None:
    """How :func:`bot.smalltalk.classify` reads the labelled small-talk messages."""
    from bot.smalltalk import classify

    items = yaml.safe_load(SMALL_TALK.read_text(encoding="utf-8")) or []
    right = Counter[str]()
    total = Counter[str]()
    for item in items:
        intent = classify(str(item["text"]))
        label = str(item["intent"])
        total[label] += 1
        right[label] += (intent.value if intent else "none") == label
    parts = ", ".join(f"{label} {right[label]}/{total[label]}" for label in sorted(total))
    print(f"\nsmall talk ({SMALL_TALK.name}, {len(items)} messages), recognised: {parts}")


SEMANTIC_CACHE = ROOT / ".bench-semantic"
"""Entry embeddings kept between runs (git-ignored): the first run embeds about 1,500 texts."""


def run_blend(entries: Sequence[Entry], questions: Sequence[Question]) -> list[Outcome]:
    """Outcomes with the embedding blend (``+sem`` rows), or none without the extra."""
    from bot.knowledge import semantic

    if not semantic.available():
        print("semantic extra not installed: no +sem rows (pip install '.[semantic]')")
        return []
    start = time.perf_counter()
    hybrid = semantic.HybridRetriever(entries, cache_dir=SEMANTIC_CACHE)
    seconds = time.perf_counter() - start
    print(f"+sem: BM25 blended with {semantic.model_name()}, index built in {seconds:.1f} s")
    return run(hybrid.search, questions)


def subsets(outcomes: Sequence[Outcome]) -> list[tuple[str, list[Outcome]]]:
    """Per language and overall."""
    return [
        ("id", [o for o in outcomes if o.question.lang == "id"]),
        ("en", [o for o in outcomes if o.question.lang == "en"]),
        ("all", list(outcomes)),
    ]


System = tuple[str, list[Outcome], Callable[[Sequence[Match]], Decision]]
"""A name, its outcomes on the questions, and how it decides on its matches."""


def _print_half(
    half: str, systems: Sequence[System], ours_decide: Callable[[Sequence[Match]], Decision]
) -> None:
    rows: list[tuple[str, Metrics]] = []
    for name, outcomes, decide in systems:
        chosen = [o for o in outcomes if half == "all" or o.question.half == half]
        for label, part in subsets(chosen):
            rows.append((f"{name:4} {label}", evaluate(part, decide)))
    print_table(f"== {half} ==", rows)
    if half == "held-out":
        for name, outcomes, _ in systems[:-1]:
            print(f"\nissue 10 targets, held-out half, {name} (all languages):")
            held_out = [o for o in outcomes if o.question.half == "held-out"]
            print_targets(evaluate(held_out, ours_decide))


def _load_checked() -> tuple[list[Entry], list[Question]]:
    """The entries and the questions, with a warning for every problem found on the way."""
    loaded = load_directory()
    for problem in loaded.problems:
        print(f"warning: entry problem: {problem}", file=sys.stderr)
    entries = list(loaded.entries)
    questions = load_questions()
    known = {e.id for e in entries}
    for question in questions:
        missing = (question.expect or frozenset()) - known
        if missing:
            print(f"warning: {question.source}: unknown ids {sorted(missing)}", file=sys.stderr)
    return entries, questions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="search thresholds on the tune half")
    parser.add_argument("--misses", action="store_true", help="list tune-half mistakes")
    args = parser.parse_args(argv)

    entries, questions = _load_checked()
    halves = {
        "held-out": [q for q in questions if q.half == "held-out"],
        "tune": [q for q in questions if q.half == "tune"],
        "all": questions,
    }
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (timings are wall clock)")
    print(
        f"entries: {len(entries)}  questions: {len(questions)} "
        f"(tune {len(halves['tune'])}, held-out {len(halves['held-out'])}; "
        f"out of scope {sum(not q.in_scope for q in questions)})"
    )

    build_ms = median_build_ms(entries)
    retriever = Retriever(entries)
    baseline = BM25Baseline(entries)
    # One pass on a fresh index: per-term caches start empty, as in a bot just started.
    ours = run(retriever.search, questions)
    base = run(baseline.search, questions)
    blended = run_blend(entries, questions)
    by_half_ours = {h: [o for o in ours if o.question.half == h] for h in ("tune", "held-out")}
    by_half_base = {h: [o for o in base if o.question.half == h] for h in ("tune", "held-out")}

    parents: Parents = {entry.id: entry.parent for entry in entries if entry.parent}
    thresholds = DEFAULT_THRESHOLDS
    if args.tune:
        thresholds, value = tune_thresholds(by_half_ours["tune"], parents)
        print(
            f"\ntuned on the tune half: {thresholds} (utility {value:.3f}); the constants in "
            f"bot/knowledge/confidence.py are {DEFAULT_THRESHOLDS}: the tables below use the "
            "tuned values"
        )
    base_min = tune_baseline(by_half_base["tune"])
    print(
        f"thresholds: {thresholds}\n"
        f"baseline: answers its top hit when raw BM25 >= {base_min:.2f} (best on the tune "
        "half), never offers a choice"
    )

    def ours_decide(matches: Sequence[Match]) -> Decision:
        return decide_with(matches, thresholds, parents)

    def base_decide(matches: Sequence[Match]) -> Decision:
        return baseline_decide(matches, base_min)

    print(LEGEND)
    systems: list[System] = [("ours", ours, ours_decide), ("BM25", base, base_decide)]
    if blended:
        systems.insert(0, ("+sem", blended, ours_decide))
    for half in ("held-out", "tune", "all"):
        _print_half(half, systems, ours_decide)
    print_small_talk()

    print(
        f"\nbuild: {build_ms[0]:.0f} ms wall, {build_ms[1]:.0f} ms CPU for {len(entries)} entries "
        f"(median of {BUILD_REPEATS})"
    )
    print("\n== growth: padded knowledge base (all questions; thresholds unchanged) ==")
    print(
        f"{'entries':>7} {'build ms':>8} {'(cpu)':>6} {'p50 ms':>7} {'p99 ms':>7} {'(cpu)':>6}"
        f" {'direct':>6} {'oos:hd':>6}   | BM25 {'p50 ms':>7} {'p99 ms':>7} {'top1':>6}"
    )
    for size in (len(entries), *PAD_SIZES):
        padded = pad_entries(entries, size)
        build, build_cpu = median_build_ms(padded)
        gc.collect()
        m = evaluate(run(Retriever(padded).search, questions), ours_decide)
        b = evaluate(run(BM25Baseline(padded).search, questions), base_decide)
        print(
            f"{len(padded):7d} {build:8.0f} {build_cpu:6.0f} {m.p50_ms:7.2f} {m.p99_ms:7.2f} "
            f"{m.p99_cpu_ms:6.2f} {_pct(m.share['direct'])} {_pct(m.share['oos_handed'])}"
            "   |      "
            f"{b.p50_ms:7.2f} {b.p99_ms:7.2f} {_pct(b.top1)}"
        )
    print(
        "(fillers are word salad drawn from the real entries, so they compete for every\n"
        " question far more than real entries would: accuracy there is a stress test, not a\n"
        " forecast. build = median of 3; (cpu) = CPU time, unaffected by other processes)"
    )

    if args.misses:
        print("\n== tune-half mistakes (ours) ==")
        for outcome in by_half_ours["tune"]:
            decision = ours_decide(outcome.matches)
            kind = outcome_kind(outcome.question, decision)
            if kind in ("direct", "oos_handed"):
                continue
            expect = sorted(outcome.question.expect) if outcome.question.expect else None
            got = ", ".join(f"{m.entry_id}:{m.score:.2f}" for m in outcome.matches)
            print(f"[{kind}] {outcome.question.q!r}\n    expect {expect}  got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
