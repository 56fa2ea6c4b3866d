"""Compare our hand-written chat-abbreviation table with indoNLP's colloquial lexicon.

Run from the repository root (needs ``.venv/bin/pip install indoNLP``, which is not a project
dependency)::

    .venv/bin/python scripts/eval_slang.py              # tables, overlap, conflicts, latency
    .venv/bin/python scripts/eval_slang.py --changes    # also list held-out questions that change
    .venv/bin/python scripts/eval_slang.py --full       # every conflict and every table hit

indoNLP 0.3.4 (MIT) ships ``indoNLP.preprocessing.SLANG_DATA``, 4,331 slang -> standard pairs from
the Colloquial Indonesian Lexicon ("kamus alay", Salsabila et al. 2018, built from Instagram
comments), and ``replace_slang``, one case-insensitive regex alternation of all its keys.

Variants, each over a freshly built :class:`~bot.knowledge.search.Retriever` with every
normalisation cache emptied, gated by :func:`bot.knowledge.confidence.decide`:

* ``ours``   our pipeline as it is.
* ``pre``    ``replace_slang`` applied to the question text, then our pipeline (ours still on).
* ``pre-id`` the same, but only for questions whose language is Indonesian (the bot knows the
  user's language), so English words such as "do" (-> "di") are left alone.
* ``swap``   indoNLP's lexicon instead of ``bot.knowledge.lexicon.ABBREVIATIONS``.
* ``union``  our table plus indoNLP's entries for the words ours lacks.
* ``union-kb`` the same, less indoNLP keys that are words the knowledge base itself writes
  ("minta", "hr", "make", "or", "in"): an extra, to see whether a filtered union is worth it.

``swap`` and ``union`` are done by monkeypatching ``bot.knowledge.normalize.ABBREVIATIONS`` (the
name ``normalize_token`` looks up at call time) in this process only, then rebuilding the
phrase matchers that were normalised at import. indoNLP's keys and values are first put into the
form our table uses (our own rules without the table: lowercase, reduplication "kata2" ->
"kata", letter runs "bangettt" -> "banget"); keys that our tokeniser would split ('teman"ny')
can never be looked up and are dropped.

Metrics: top1/top3/MRR of the in-scope ranking before gating; then what the user receives, as
shares of the in-scope questions, in ``bench_retrieval.outcome_kind``'s kinds (``direct``
answered at once with a right entry; ``offered`` a right entry on a button: one of two choices
or a "did you mean"; ``wrong`` confident wrong answer; ``offered_wrong`` offered entries, none
right; ``handed`` to staff); ``oos>staff`` the share of off-topic questions handed to staff.
Better/worse counts rank outcomes by ``bench_retrieval.UTILITY``.

Latency: search (plus ``replace_slang`` where used) per question; cold = first pass on a fresh
index and caches (median of 3 such passes per question), warm = a second pass.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import math
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from bench_retrieval import (  # noqa: E402
    IN_SCOPE_KINDS,
    OOS_KINDS,
    UTILITY,
    Outcome,
    Question,
    evaluate,
    load_questions,
    outcome_kind,
    run,
)

import bot.knowledge.normalize as norm  # noqa: E402
import bot.knowledge.search as search  # noqa: E402
from bot.knowledge.confidence import Decision, decide  # noqa: E402
from bot.knowledge.entries import Entry, load_directory  # noqa: E402
from bot.knowledge.lexicon import ABBREVIATIONS, CONCEPTS, STOP_PHRASES, STOPWORDS  # noqa: E402

try:
    _start = time.perf_counter()
    from indoNLP.preprocessing import SLANG_DATA, replace_slang

    IMPORT_MS = (time.perf_counter() - _start) * 1000
except ImportError:  # pragma: no cover - optional tool
    sys.exit("indoNLP is not installed: .venv/bin/pip install indoNLP")

Table = Mapping[str, str]
OOS_HANDED = next(kind for kind in OOS_KINDS if "hand" in kind)
HALVES = ("held-out", "tune", "all")
LANGS = ("id", "en", "all")


# --------------------------------------------------------------------------------------------
# Swapping the abbreviation table


def _reset_caches() -> None:
    """Forget everything normalisation and stemming remembered, and rebuild the phrase
    matchers (their phrases were normalised with whatever table was in force)."""
    norm._MEMO.clear()
    norm.informal_variants.cache_clear()
    search.stem.cache_clear()
    search.stems.cache_clear()
    search._KEYS.clear()
    search._keyword.cache_clear()
    search._CONCEPTS = search._PhraseMatcher(
        (phrase, name) for name, phrases in CONCEPTS.items() for phrase in phrases
    )
    search._STOP_PHRASES = search._PhraseMatcher((phrase, "") for phrase in STOP_PHRASES)


@contextmanager
def table_in_force(table: Table) -> Iterator[None]:
    """``table`` as the abbreviation table inside the block, caches emptied on both sides."""
    saved = norm.ABBREVIATIONS
    norm.ABBREVIATIONS = table
    _reset_caches()
    try:
        yield
    finally:
        norm.ABBREVIATIONS = saved
        _reset_caches()


def convert_indonlp(data: Table) -> tuple[dict[str, str], dict[str, str], Counter[str]]:
    """indoNLP's pairs in our table's form: the table, the indoNLP key each entry came from,
    and counts of what was left out.

    A key that is already in our form wins over one that only becomes it through our rules
    ("waaa" -> "wa" must not decide what "wa" means); among the latter the first is kept.
    """
    table: dict[str, str] = {}
    origin: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    with table_in_force({}):
        candidates = []
        for key, value in data.items():
            # Keys are regex source: a few carry escapes ("temen\\-temen").
            words = norm.normalize(key.replace("\\", ""))
            if len(words) != 1:
                skipped["split by our tokeniser, never looked up"] += 1
                continue
            target = " ".join(norm.normalize(value))
            if not target or target == words[0]:
                skipped["identity once our rules ran (e.g. elongation)"] += 1
                continue
            candidates.append((words[0] != key, words[0], target, key))
        for rewritten, word, target, key in sorted(candidates, key=lambda c: c[0]):
            if word in table:
                skipped["same form as another key"] += 1
                skipped["  ... with a different value"] += table[word] != target
                continue
            table[word] = target
            if rewritten:
                origin[word] = key
    return table, origin, skipped


# --------------------------------------------------------------------------------------------
# Variants


def slang_pre(languages: frozenset[str]) -> Callable[[Question], str]:
    def prepare(question: Question) -> str:
        return replace_slang(question.q) if question.lang in languages else question.q

    return prepare


def as_is(question: Question) -> str:
    return question.q


COLD_REPEATS = 3
"""Cold passes per variant (fresh caches and index each); latency is each question's median."""


@dataclass
class Result:
    outcomes: list[Outcome]
    build_ms: float
    """Median index build time over the cold passes."""
    cold_ms: list[float]
    """Per question: median over the cold passes of search (with ``prepare``) time."""
    warm_ms: list[float]
    """Per question: search time on a second pass (``prepare`` excluded)."""
    prepare_ms: float
    """Mean time of ``prepare`` alone."""


def run_variant(
    table: Table,
    prepare: Callable[[Question], str],
    entries: Sequence[Entry],
    questions: Sequence[Question],
) -> Result:
    by_text = {question.q: question for question in questions}
    builds: list[float] = []
    passes: list[list[Outcome]] = []
    with table_in_force(table):
        for _ in range(COLD_REPEATS):
            _reset_caches()
            start = time.perf_counter()
            retriever = search.Retriever(entries)
            builds.append((time.perf_counter() - start) * 1000)
            # Timed as in the bot: ``prepare`` then search, first pass on a fresh index.
            search_fn = retriever.search

            def timed(text: str, limit: int, search_fn=search_fn) -> list[search.Match]:
                return search_fn(prepare(by_text[text]), limit)

            passes.append(run(timed, questions))
        start = time.perf_counter()
        texts = [prepare(question) for question in questions]
        prepare_ms = (time.perf_counter() - start) * 1000 / max(len(questions), 1)
        warm = []
        for text in texts:
            start = time.perf_counter()
            retriever.search(text, 3)
            warm.append((time.perf_counter() - start) * 1000)
    cold = [
        statistics.median(o.seconds * 1000 for o in column) for column in zip(*passes, strict=True)
    ]
    return Result(passes[0], statistics.median(builds), cold, warm, prepare_ms)


def kb_words(entries: Sequence[Entry]) -> set[str]:
    """Words the knowledge base itself writes (before any table), in either language."""
    words: set[str] = set()
    with table_in_force({}):
        for entry in entries:
            words.update(norm.normalize(" ".join(entry.keywords)))
            for text in entry.texts.values():
                words.update(norm.normalize(" ".join((text.title, text.answer, *text.questions))))
    return words


# --------------------------------------------------------------------------------------------
# Report


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def gate_for(entries: Sequence[Entry]) -> Callable[[Sequence[search.Match]], Decision]:
    """:func:`decide`, given the knowledge base's overview-and-part pairs where it takes them."""
    parents = {e.id: e.parent for e in entries if getattr(e, "parent", None)}
    if "parents" in inspect.signature(decide).parameters:
        return functools.partial(decide, parents=parents)
    return decide


def row(label: str, outcomes: Sequence[Outcome], gate: Callable) -> str:
    m = evaluate(outcomes, gate)
    n_in, n_oos = max(m.count_in, 1), max(m.count_oos, 1)
    shares = " ".join(_pct(m.kinds[kind] / n_in) for kind in IN_SCOPE_KINDS)
    oos = _pct(m.kinds[OOS_HANDED] / n_oos) if m.count_oos else "     -"
    return (
        f"{label:16} {m.count_in:4d} {m.count_oos:4d} {_pct(m.top1)} {_pct(m.top3)} "
        f"{m.mrr:5.3f} {shares} {oos:>9}"
    )


SHORT = {"offered": "offerd", "offered_wrong": "offwrg"}
"""Column labels for outcome kinds longer than six letters."""

HEADER = (
    f"{'':16} {'n_in':>4} {'oos':>4} {'top1':>6} {'top3':>6} {'MRR':>5} "
    + " ".join(f"{SHORT.get(kind, kind)[:6]:>6}" for kind in IN_SCOPE_KINDS)
    + f" {'oos>staff':>9}"
)


def _pick(outcomes: Sequence[Outcome], half: str, lang: str) -> list[Outcome]:
    return [
        o
        for o in outcomes
        if (half == "all" or o.question.half == half)
        and (lang == "all" or o.question.lang == lang)
    ]


def _term(word: str) -> str:
    return "" if word in STOPWORDS else search.stem(word, "id")


def same_effect(a: str, b: str) -> bool:
    """Whether two expansions end up as the same index terms (stop words dropped)."""
    return [t for t in map(_term, a.split()) if t] == [t for t in map(_term, b.split()) if t]


def question_tokens(questions: Sequence[Question]) -> Counter[str]:
    """Tokens of the questions as our rules leave them just before the table lookup."""
    with table_in_force({}):
        return Counter(t for q in questions for t in norm.normalize(q.q))


def _print_changes(
    results: dict[str, Result],
    variants: Sequence[tuple[str, Table, Callable[[Question], str]]],
    gate: Callable[[Sequence[search.Match]], Decision],
    *,
    show: bool,
) -> None:
    """Outcome changes against ours, held-out half."""
    print("\n== held-out outcome changes against ours (better / worse / other change) ==")
    rank = UTILITY  # the project's own value of each outcome to the user
    base = {o.question: o for o in results["ours"].outcomes if o.question.half == "held-out"}
    for name, *_ in variants[1:]:
        better, worse, other = [], [], 0
        for o in results[name].outcomes:
            if o.question not in base:
                continue
            was = base[o.question]
            before = outcome_kind(was.question, gate(was.matches))
            after = outcome_kind(o.question, gate(o.matches))
            if rank[after] > rank[before]:
                better.append((o.question.q, before, after))
            elif rank[after] < rank[before]:
                worse.append((o.question.q, before, after))
            else:
                other += [m.entry_id for m in was.matches] != [m.entry_id for m in o.matches]
        print(f"{name:7} better {len(better):3d}  worse {len(worse):3d}  reranked {other:3d}")
        if show:
            for sign, items in (("+", better), ("-", worse)):
                for q, before, after in items:
                    print(f"    {sign} {before} -> {after}: {q!r}")


def _print_halves(questions: Sequence[Question]) -> None:
    for half in ("held-out", "tune"):
        part = [q for q in questions if q.half == half]
        print(
            f"  {half:8}: {sum(q.in_scope for q in part)} in scope "
            f"(id {sum(q.in_scope and q.lang == 'id' for q in part)}, "
            f"en {sum(q.in_scope and q.lang == 'en' for q in part)}), "
            f"{sum(not q.in_scope for q in part)} off-topic"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", action="store_true", help="list held-out outcome changes")
    parser.add_argument("--full", action="store_true", help="every conflict and table hit")
    args = parser.parse_args(argv)
    wall = time.perf_counter()

    entries = load_directory().entries
    gate = gate_for(entries)
    questions = load_questions()
    ours = dict(ABBREVIATIONS)
    indo, origin, skipped = convert_indonlp(SLANG_DATA)
    union = {**indo, **ours}
    written = kb_words(entries)
    safe = {**{k: v for k, v in indo.items() if k not in written}, **ours}
    files = sorted({q.source for q in questions})
    print(f"entries {len(entries)}; questions {len(questions)} from {', '.join(files)}")
    _print_halves(questions)

    variants: list[tuple[str, Table, Callable[[Question], str]]] = [
        ("ours", ours, as_is),
        ("pre", ours, slang_pre(frozenset({"id", "en", ""}))),
        ("pre-id", ours, slang_pre(frozenset({"id"}))),
        ("swap", indo, as_is),
        ("union", union, as_is),
        ("union-kb", safe, as_is),
    ]
    re.purge()
    start = time.perf_counter()
    replace_slang("warm up")  # compiles the 4,331-way regex once
    compile_ms = (time.perf_counter() - start) * 1000
    run_variant(ours, as_is, entries, questions)  # warm-up: the first variant ran slower
    results: dict[str, Result] = {}
    for name, table, prepare in variants:
        results[name] = run_variant(table, prepare, entries, questions)

    for half in HALVES:
        print(f"\n== {half} ==")
        print(HEADER)
        print("-" * len(HEADER))
        for lang in LANGS:
            for name, *_ in variants:
                print(row(f"{name:7} {lang}", _pick(results[name].outcomes, half, lang), gate))
            if lang != "all":
                print()

    _print_changes(results, variants, gate, show=args.changes)

    # Overlap and conflicts.
    print(
        f"\n== tables ==\nours {len(ours)} entries; union {len(union)}; union-kb {len(safe)} "
        f"(indoNLP keys that are words the knowledge base writes left out: "
        f"{sum(k in written for k in indo if k not in ours)}); indoNLP {len(SLANG_DATA)} pairs -> "
        f"{len(indo)} usable in our form; left out: "
        + "; ".join(f"{reason.strip()} {n}" for reason, n in skipped.items())
    )
    only_ours = sorted(set(ours) - set(indo))
    only_indo = sorted(set(indo) - set(ours))
    both = sorted(set(ours) & set(indo))
    conflicts = [k for k in both if ours[k] != indo[k]]
    real = [k for k in conflicts if not same_effect(ours[k], indo[k])]
    print(
        f"in ours, not indoNLP: {len(only_ours)}; in indoNLP, not ours: {len(only_indo)}; "
        f"in both: {len(both)}, same value {len(both) - len(conflicts)}, different value "
        f"{len(conflicts)} (of which {len(real)} still differ after stemming/stop words)"
    )
    tokens = question_tokens(questions)
    tune_tokens = question_tokens([q for q in questions if q.half == "tune"])
    for label, keys, table in (("ours only", only_ours, ours), ("indoNLP only", only_indo, indo)):
        hits = Counter({k: tokens[k] for k in keys if tokens[k]})
        in_tune = Counter({k: tune_tokens[k] for k in keys if tune_tokens[k]})
        shown = ", ".join(
            f"{k}->{table[k]} ({n})" for k, n in in_tune.most_common(None if args.full else 25)
        )
        print(
            f"{label} keys met in the questions: {len(hits)} keys, {sum(hits.values())} tokens; "
            f"in the tune half ({len(in_tune)} keys; the held-out half is not listed, so it "
            f"cannot steer edits to the table): {shown}"
        )
    english = [q for q in questions if q.lang == "en" and replace_slang(q.q) != q.q]
    print(
        f"English questions that replace_slang changes: {len(english)} of "
        f"{sum(q.lang == 'en' for q in questions)}"
    )
    for q in english[:6]:
        print(f"    {q.q!r}\n      -> {replace_slang(q.q)!r}")

    crashing = []
    for key in SLANG_DATA:
        text = f"x {key.replace(chr(92), '')} x"
        try:
            replace_slang(text)
        except KeyError:
            crashing.append(text.strip("x "))
    print(
        f"inputs that make replace_slang raise KeyError (escaped regex keys): {len(crashing)}, "
        f"e.g. {', '.join(map(repr, crashing[:8]))}"
    )

    print("\n== conflicts (same key, different value): ours | indoNLP; * = met in questions ==")
    ordered = sorted(real, key=lambda k: (-tokens[k], k))
    for key in ordered if args.full else ordered[:24]:
        mark = f"*{tokens[key]}" if tokens[key] else ""
        source = f"  (indoNLP key {origin[key]!r})" if key in origin else ""
        print(f"  {key:10} {mark:>4}  {ours[key]:22} | {indo[key]}{source}")
    cosmetic = [k for k in conflicts if k not in real]
    print(
        f"  (+{len(cosmetic)} differing only cosmetically, e.g. "
        + ", ".join(f"{k}: {ours[k]}|{indo[k]}" for k in cosmetic[:6])
        + ")"
    )

    print("\n== latency per question, ms (all questions) ==")
    print(f"{'':8} {'build':>7} {'cold p50':>9} {'cold p99':>9} {'warm p50':>9} {'prep':>7}")
    for name, *_ in variants:
        r = results[name]
        cold = sorted(r.cold_ms)
        p99 = cold[max(0, math.ceil(len(cold) * 0.99) - 1)]
        print(
            f"{name:8} {r.build_ms:7.1f} {statistics.median(cold):9.3f} {p99:9.3f} "
            f"{statistics.median(r.warm_ms):9.3f} {r.prepare_ms:7.3f}"
        )
    print(
        f"one-off: import indoNLP.preprocessing {IMPORT_MS:.0f} ms (loads its emoji table too); "
        f"first replace_slang compiles a {len(SLANG_DATA)}-way regex: {compile_ms:.0f} ms"
    )
    print(f"\ntotal run {time.perf_counter() - wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
