"""Find the knowledge entry that answers a question, in Indonesian or English, typed formally or
as chat.

How it works, and why:

* **One index, both languages.** Each entry is indexed once, from its Indonesian *and* English
  texts, under its own id. A question in either language (or a mix, which is how many owners
  write: "cara daftar training SCORE") meets the text in its language, and the answer is then
  shown in the user's language by the caller.
* **Fields are weighted** (BM25F): example questions and the title are what a user's question
  looks like, so they count most; keywords are staff-curated search terms; the answer text is
  long and counts least. ``details`` is not indexed: it is long background, and indexing it
  (at any weight tried, 0.25-1) cost 5-6 points of top-1 accuracy on the tune questions.
* **Stemming: Snowball's Indonesian and English stemmers, through PyStemmer.** The Indonesian
  one (Tala's algorithm) strips the productive affixes that matter here ("pelatihan",
  "melatih" -> "latih"; "kemitraan", "bermitra" -> "mitra"; "pekerja", "dipekerjakan" ->
  "kerja") without a dictionary, in C: about 0.5 microseconds a word here, against 18 for the
  pure-Python ``snowballstemmer`` build of the same algorithm. Sastrawi (Nazief-Adriani with a
  root-word dictionary) is more exact on rare words, but it is pure Python, would be a new
  dependency, and its precision matters little for retrieval: questions and entries go
  through the same stemmer, so a consistent over-stem ("keluhan" -> "luhan") still matches
  itself. Each written word gets one stem, from the stemmer of the language whose texts use it
  more (see :func:`_index_term`), so a loanword like "buyer" or "program" is one term in both
  languages. A question word the entries never use, whose language is unknown (owners mix
  them), is tried with both stemmers.
* **Synonyms and acronyms** (:data:`bot.knowledge.lexicon.CONCEPTS`) add one shared concept term
  wherever any of their phrases occurs, in entries and questions alike, so "UKM", "usaha kecil"
  and "SME" all meet.
* **Typos.** A word the index does not know is first read as colloquial affixation
  ("ngurusin" -> "urus"), then matched to the closest indexed word within one or two edits
  (rapidfuzz, optimal string alignment, so a swapped pair of letters is one edit), at a discount.
* **Scores are comparable across questions**, so fixed thresholds can gate them: a score is
  the geometric mean of *coverage*, the share of the question's information (IDF-weighted,
  saturated like BM25) that the entry matches, and *evidence*, the matched information in units
  of one rare word (see :data:`EVIDENCE_EXPONENT`). Words the index has never seen count
  against every entry's coverage, which
  is what makes an off-topic question ("harga cabai hari ini?") score low everywhere and lets
  :mod:`bot.knowledge.confidence` hand it to staff.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.entries import Entry, EntryText
from bot.knowledge.lexicon import CONCEPTS, STOP_PHRASES, STOPWORDS
from bot.knowledge.normalize import TOKEN_CACHE_SIZE, informal_variants, normalize

FIELDS = ("questions", "title", "keywords", "answer")
"""The indexed parts of an entry (both languages of each)."""

FIELD_WEIGHTS: dict[str, float] = {
    "questions": 3.0,
    "title": 2.5,
    "keywords": 2.0,
    "answer": 1.0,
}
"""How much one occurrence in each field counts. Example questions and titles are phrased like
user questions; keywords are few and chosen by staff; answers are long and mention neighbouring
topics in passing."""

FIELD_B: dict[str, float] = {
    "questions": 0.5,
    "title": 0.3,
    "keywords": 0.3,
    "answer": 0.75,
}
"""BM25F length normalisation per field: full for long answers, light for short fields whose
length says little about focus."""

K1 = 1.2
"""BM25 term-frequency saturation. Weights, ``K1`` and ``b`` were compared on the tune half of
the labelled questions (``scripts/bench_retrieval.py``); these sit on a flat optimum."""

CONCEPT_WEIGHT = 1.0
"""Weight of a synonym/acronym concept in a question, relative to an ordinary word."""
VARIANT_WEIGHT = 0.9
"""Weight of a word recognised only after undoing colloquial affixes ("ngurusin")."""
FUZZY_WEIGHT = 0.7
"""Weight of a word recognised only as a typo of an indexed word: likely, not certain."""
OOV_WEIGHT = 0.5
"""Weight of a word the index does not know at all. It adds to the question's total and to no
entry's match, so off-topic questions score low; at a lower weight than known words, because
a stray word in a real question ("warung", a town name) should not sink it. 0.35-0.75
performed alike on the tune half."""
OOV_IDF_QUANTILE = 0.5
"""An unknown word counts as much as a median-rarity indexed term would."""

MIN_FUZZY_LENGTH = 5
"""Shorter words have too many neighbours one edit away ("joke" ~ "joko", "indo" ~ "info")."""
LONG_WORD = 8
"""From this length two edits are tolerated instead of one."""
FUZZY_CANDIDATES = 5
"""Closest indexed words considered; among equally close ones the most common wins."""

MIN_TOKEN = 2
"""Single letters ("e" from "e-commerce", a stray "d") are not indexed or searched."""
MAX_QUERY_WORDS = 48
"""Distinct words of a question that are looked at; a pasted wall of text is cut here so one
message cannot make a search slow. Real questions have fewer than twenty."""
MAX_FUZZY_WORDS = 6
"""Unknown words of one question that get a typo search (about 1.3 ms each against 20,000
indexed words on this machine); the rest count as unknown."""

EVIDENCE_EXPONENT = 0.5
"""Balance in a score between *coverage* (the share of the question's weight an entry
matches) and *evidence* (the matched weight in units of a unique word's IDF, i.e. about how
many rare words matched); the score is coverage ** (1 - e) x evidence ** e.

Coverage alone under-rates long, chatty in-scope questions ("karyawan sy ngutang trs dipotong
gaji tiap bln smp lunas, bs dianggap kerja paksa ga?": several words unmatched, low share)
against short off-topic ones matching one common word ("lotery numbers for tonight": one of
three words, high share); evidence alone over-rates long questions that match many common
words. At 0.5 the score is their geometric mean. On the tune half of the labelled questions,
0.4-0.6 was a plateau of the gate's utility (in-scope answered right 85% -> 91% at equal
off-topic recall) and 0 or 0.75 worse."""

CONCEPT_PREFIX = "~"
"""Marks concept terms so they never collide with a stemmed word."""

_STEMMERS = {"id": Stemmer.Stemmer("indonesian"), "en": Stemmer.Stemmer("english")}
_STEMMER_LOCK = threading.Lock()
"""PyStemmer objects are not thread-safe; the lock is only taken on a cache miss."""


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def stem(token: str, lang: str) -> str:
    """``token`` stemmed in ``lang`` ("id" or "en"); words with digits ("k3") pass through."""
    if not token.isalpha():
        return token
    with _STEMMER_LOCK:
        return _STEMMERS[lang].stemWord(token)


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def stems(token: str) -> tuple[str, ...]:
    """Every form a token of unknown language may be indexed under, most specific first."""
    return tuple(dict.fromkeys((stem(token, "id"), stem(token, "en"), token)))


class _KeyMemo(dict[str, frozenset[str]]):
    """Token -> the set of stems a phrase word may match it by."""

    def __missing__(self, token: str) -> frozenset[str]:
        keys = frozenset(stems(token))
        if len(self) < TOKEN_CACHE_SIZE:
            self[token] = keys
        return keys


_KEYS = _KeyMemo()


class _Node:
    """A trie node over stems: children by the next word's stem, and the labels ending here."""

    __slots__ = ("children", "labels")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.labels: tuple[str, ...] = ()


_Start = tuple[tuple[str, ...], Sequence[_Node]]
"""What a token starts: labels of one-word phrases it is, and trie nodes of longer ones."""


class _Starts(dict[str, _Start | None]):
    """Token -> what it starts (None for most words), remembered."""

    def __init__(self, matcher: _PhraseMatcher) -> None:
        super().__init__()
        self._matcher = matcher

    def __missing__(self, token: str) -> _Start | None:
        start = self._matcher.starting(token)
        if len(self) < TOKEN_CACHE_SIZE:
            self[token] = start
        return start


class _PhraseMatcher:
    """Finds lexicon phrases in a token list, comparing words by stem so inflections match.

    A word matches a phrase word if any of their stems agree (the word's language is unknown,
    so both stemmers are tried), which makes "keselamatan pekerja" match "keselamatan kerja".
    One-word phrases are a dictionary lookup; longer ones walk a trie of stems.
    """

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._single: dict[str, tuple[str, ...]] = {}
        self._root = _Node()
        for phrase, label in phrases:
            words = normalize(phrase)
            if len(words) == 1:
                for key in _KEYS[words[0]]:
                    if label not in self._single.get(key, ()):
                        self._single[key] = (*self._single.get(key, ()), label)
                continue
            nodes = [self._root]
            for word in words:
                following: dict[int, _Node] = {}
                for node in nodes:
                    for key in _KEYS[word]:
                        child = node.children.setdefault(key, _Node())
                        following[id(child)] = child
                nodes = list(following.values())
            for node in nodes:
                if label not in node.labels:
                    node.labels += (label,)
        self._starts = _Starts(self)

    def starting(self, token: str) -> _Start | None:
        """The one-word phrase labels and trie nodes that ``token`` starts, or None."""
        keys = _KEYS[token]
        labels = tuple(dict.fromkeys(label for key in keys for label in self._single.get(key, ())))
        children = self._root.children
        nodes = tuple({id(n): n for key in keys if (n := children.get(key))}.values())
        return (labels, nodes) if labels or nodes else None

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, str]]:
        """(start, end, label) of every phrase occurrence, the longest for each label and start."""
        ends: dict[tuple[int, str], int] = {}
        keys, count = _KEYS, len(tokens)
        starts = list(map(self._starts.__getitem__, tokens))
        for start in compress(range(count), starts):
            started = starts[start]
            assert started is not None  # compress() skipped the words that start nothing
            labels, nodes = started
            for label in labels:
                ends[(start, label)] = start + 1
            end = start + 1
            while nodes and end < count:
                following = keys[tokens[end]]
                nodes = [
                    node.children[key]
                    for node in nodes
                    for key in following & node.children.keys()
                ]
                end += 1
                for node in nodes:
                    for label in node.labels:
                        ends[(start, label)] = end
        return [(start, end, label) for (start, label), end in ends.items()]


_CONCEPTS = _PhraseMatcher(
    (phrase, name) for name, phrases in CONCEPTS.items() for phrase in phrases
)
_STOP_PHRASES = _PhraseMatcher((phrase, "") for phrase in STOP_PHRASES)


def concepts(tokens: Sequence[str]) -> list[str]:
    """Concept terms for the synonym/acronym phrases in ``tokens`` (one per occurrence)."""
    return [CONCEPT_PREFIX + label for _, _, label in _CONCEPTS.find(tokens)]


def _index_term(word: str, counts: Mapping[str, Counter[str]]) -> str:
    """The one index term of a written word ("" for a stop word).

    A word is stemmed in the language whose texts use it more ("program", "data" and "buyer"
    appear in both), so it gets the same term whichever text or question it appears in, and
    an English keyword is not indexed under an unstemmed Indonesian reading that no English
    text shares. A word only in keywords counts as English if only the English stemmer
    changes it ("refugees").
    """
    if word in STOPWORDS or len(word) < MIN_TOKEN:
        return ""
    in_id, in_en = counts["id"][word], counts["en"][word]
    if in_en > in_id or (in_en == in_id == 0 and stem(word, "id") == word != stem(word, "en")):
        return stem(word, "en")
    return stem(word, "id")


_FIELD_BREAK = "0fieldbreak0"
"""Joins an entry's fields into one text, so each language is normalised in one call
(per-call overhead dominated building a large index); has a digit, so no stemmer or rule
changes it, and no phrase contains it."""

_TEXT_FIELDS = ("title", "questions", "answer")


def _parse(text: EntryText) -> tuple[list[str], int, int]:
    """Normalised tokens of one language of an entry, with the positions of the two field
    breaks (title | questions | answer)."""
    joined = f" {_FIELD_BREAK} ".join((text.title, "\n".join(text.questions), text.answer))
    tokens = normalize(joined)
    first = tokens.index(_FIELD_BREAK)
    return tokens, first, tokens.index(_FIELD_BREAK, first + 1)


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _keyword(keyword: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A keyword's tokens and concept terms; cached, as keywords ("ILO", "UMKM") recur."""
    tokens = normalize(keyword)
    return tuple(tokens), tuple(concepts(tokens))


def _idf(frequency: int, count: int) -> float:
    """BM25's IDF (the +1 form, never negative) of a term in ``frequency`` of ``count``."""
    return math.log(1.0 + (count - frequency + 0.5) / (frequency + 0.5))


class _Idf(dict[str, float]):
    """Term -> IDF, computed on first use from the document frequencies (0 if unknown)."""

    def __init__(self, df: Counter[str], count: int) -> None:
        super().__init__()
        self._df = df
        self._count = count

    def __missing__(self, term: str) -> float:
        if term not in self._df:
            return 0.0
        value = self[term] = _idf(self._df[term], self._count)
        return value


@dataclass(frozen=True, slots=True)
class Match:
    """An entry and how well it matches the question: >= 0, comparable across questions."""

    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class _Slot:
    """One word (or concept) of a question: the index terms that may stand for it."""

    alternatives: tuple[tuple[str, float], ...]
    weight: float
    """What the slot adds to the question's total (the most an entry can get from it)."""


class Retriever:
    """An in-memory BM25F index over entries in both languages; immutable once built."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._ids: list[str] = [entry.id for entry in entries]
        # Pass 1: normalise every text once, and count each word per language.
        counts: dict[str, Counter[str]] = {lang: Counter() for lang in _STEMMERS}
        parsed: list[tuple[list[tuple[list[str], int, int]], list[str]]] = []
        for entry in entries:
            texts = []
            for lang, text in entry.texts.items():
                texts.append(_parse(text))
                counts[lang if lang in counts else "en"].update(texts[-1][0])
            parsed.append((texts, list(entry.keywords)))
        keyword_words = {w for _, keywords in parsed for k in keywords for w in _keyword(k)[0]}
        # Pass 2: one index term per written word, whichever text it appears in.
        self._counts = counts
        self._word_term = {
            word: _index_term(word, counts)
            for word in counts["id"].keys() | counts["en"].keys() | keyword_words
        }
        # Pass 3: field bags.
        word_term = self._word_term.__getitem__
        bags: list[list[Counter[str]]] = []
        lengths: list[list[int]] = []
        for texts, keywords in parsed:
            fields: dict[str, list[str]] = {name: [] for name in FIELDS}
            for tokens, first, second in texts:
                terms = list(map(word_term, tokens))
                for name, part in zip(
                    _TEXT_FIELDS,
                    (terms[:first], terms[first + 1 : second], terms[second + 1 :]),
                    strict=True,
                ):
                    fields[name] += filter(None, part)
                for start, _, label in _CONCEPTS.find(tokens):
                    name = (
                        "title" if start < first else "questions" if start < second else "answer"
                    )
                    fields[name].append(CONCEPT_PREFIX + label)
            for keyword in keywords:
                tokens, keyword_concepts = _keyword(keyword)
                fields["keywords"] += filter(None, map(word_term, tokens))
                fields["keywords"] += keyword_concepts
            bags.append([Counter(fields[name]) for name in FIELDS])
            lengths.append([len(fields[name]) for name in FIELDS])
        self._build(bags, lengths)
        # Words as written in entries, for typo matching.
        self._surface = [
            word
            for word, term in self._word_term.items()
            if term and len(word) >= MIN_FUZZY_LENGTH and word.isalpha()
        ]

    def _build(self, bags: list[list[Counter[str]]], lengths: list[list[int]]) -> None:
        """Per entry, its field bags with their BM25F scales, its set of terms, and the
        document frequency of every term.

        Posting lists, saturation and IDF are computed on first use, for the terms questions
        actually contain: building then stays in C-level set and counter operations, which
        keeps a 1,000-entry index well within its start-up budget.
        """
        count = len(bags)
        averages = [sum(column) / count if count else 0.0 for column in zip(*lengths, strict=True)]
        self._fields: list[tuple[tuple[Counter[str], float], ...]] = []
        self._terms: list[set[str]] = []
        self._df: Counter[str] = Counter()
        for doc, sizes in zip(bags, lengths, strict=True):
            scaled = []
            for f, bag in enumerate(doc):
                if bag:
                    b = FIELD_B[FIELDS[f]]
                    norm = 1.0 - b + b * sizes[f] / averages[f]
                    scaled.append((bag, FIELD_WEIGHTS[FIELDS[f]] / norm))
            self._fields.append(tuple(scaled))
            terms = set().union(*doc)
            self._terms.append(terms)
            self._df.update(terms)
        self._idf = _Idf(self._df, count)
        self._idf_max = _idf(1, max(count, 1))
        self._sat_cache: dict[str, list[tuple[int, float]]] = {}
        # The IDF an unknown word is given: IDF falls as document frequency rises, so the
        # quantile of IDF is IDF at the opposite quantile of document frequency.
        frequencies = sorted(self._df.values(), reverse=True)
        if frequencies:
            self._oov_idf = _idf(frequencies[int(len(frequencies) * OOV_IDF_QUANTILE)], count)
        else:
            self._oov_idf = 1.0

    def _saturated(self, term: str) -> list[tuple[int, float]]:
        """(entry index, saturated BM25F frequency in 0..1) for every entry with ``term``.

        Computed on first use and kept: the index is immutable, and the terms people ask
        about recur, so the cost is paid once per term, not per question.
        """
        cached = self._sat_cache.get(term)
        if cached is not None:
            return cached
        fields = self._fields
        result = []
        for index, terms in enumerate(self._terms):
            if term in terms:
                tf = 0.0
                for bag, scale in fields[index]:
                    tf += scale * bag.get(term, 0)
                result.append((index, tf / (K1 + tf)))
        self._sat_cache[term] = result
        return result

    def __len__(self) -> int:
        return len(self._ids)

    def _fuzzy(self, token: str) -> tuple[str, ...]:
        """Index terms of the indexed word closest to a misspelt ``token``, if close enough."""
        max_edits = 2 if len(token) >= LONG_WORD else 1
        found = process.extract(
            token,
            self._surface,
            scorer=OSA.distance,
            score_cutoff=max_edits,
            limit=FUZZY_CANDIDATES,
        )
        if not found:
            return ()
        id_counts, en_counts = self._counts["id"], self._counts["en"]
        best = min(found, key=lambda hit: (hit[1], -id_counts[hit[0]] - en_counts[hit[0]]))
        return (self._word_term[best[0]],)

    def _word_terms(self, token: str, fuzzy: bool) -> tuple[list[tuple[str, float]], float, bool]:
        """Index terms a question word may stand for (with weights), the word's weight in the
        question, and whether a typo search was spent on it.

        The weight is the IDF of the word as if typed correctly, so a typo or a guessed affix
        scores less than the exact word would; an unknown word weighs ``OOV_WEIGHT`` x the
        median IDF.
        """
        df, idf = self._df, self._idf
        term = self._word_term.get(token)
        if term:
            return [(term, 1.0)], idf[term], False
        known = [(t, 1.0) for t in stems(token) if t in df]
        if not known:
            known = [
                (t, VARIANT_WEIGHT)
                for variant in informal_variants(token)
                for t in stems(variant)
                if t in df
            ]
        searched = False
        if not known and fuzzy and len(token) >= MIN_FUZZY_LENGTH and token.isalpha():
            searched = True
            known = [(t, FUZZY_WEIGHT) for t in self._fuzzy(token)]
        if not known:
            return [], OOV_WEIGHT * self._oov_idf, searched
        return known, max(idf[t] for t, _ in known), searched

    def _slots(self, query: str) -> list[_Slot]:
        """The question as slots: one per distinct content word (its stems, typo or affix
        guesses, and any one-word synonym concept as alternatives, so a synonym is not
        counted twice), plus one per multi-word concept ("hak asasi manusia")."""
        tokens = normalize(query)
        drop = {i for start, end, _ in _STOP_PHRASES.find(tokens) for i in range(start, end)}
        tokens = [t for i, t in enumerate(tokens) if i not in drop]
        df, idf = self._df, self._idf
        at: dict[int, list[str]] = defaultdict(list)
        phrases: list[str] = []
        for start, end, label in _CONCEPTS.find(tokens):
            term = CONCEPT_PREFIX + label
            if term not in df:
                continue
            if end - start == 1:
                at[start].append(term)
            elif term not in phrases:
                phrases.append(term)
        slots = [_Slot(((term, CONCEPT_WEIGHT),), idf[term]) for term in phrases]
        seen: set[str] = set()
        fuzzy_left = MAX_FUZZY_WORDS
        for position, token in enumerate(tokens):
            content = token not in STOPWORDS and len(token) >= MIN_TOKEN
            if token in seen or not (content or at.get(position)):
                continue
            if len(seen) >= MAX_QUERY_WORDS:
                break
            seen.add(token)
            alternatives: list[tuple[str, float]] = []
            weight = 0.0
            if content:
                alternatives, weight, fuzzy = self._word_terms(token, fuzzy_left > 0)
                fuzzy_left -= fuzzy
            for term in at.get(position, ()):
                if term in phrases:
                    continue  # already a slot of its own ("UU PDP" after "data pribadi")
                alternatives.append((term, CONCEPT_WEIGHT))
                weight = max(weight, idf[term])
            if alternatives or content:
                slots.append(_Slot(tuple(dict.fromkeys(alternatives)), weight))
        return slots

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The ``limit`` best entries for ``query``, best first; empty if nothing matches.

        Scores are comparable across questions (see the module docstring): about 0.2-0.4 for
        an off-topic question's best guess, 0.6-1.5 for a clear match.
        """
        if limit <= 0:
            return []
        slots = self._slots(query)
        total = sum(slot.weight for slot in slots)
        if total <= 0.0:
            return []
        scores = self._accumulate(slots)
        top = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        scale = (total / self._idf_max) ** EVIDENCE_EXPONENT / total
        return [Match(self._ids[index], score * scale) for index, score in top]

    def _accumulate(self, slots: Sequence[_Slot]) -> dict[int, float]:
        """Sum over slots of the best alternative's weight x IDF x saturated frequency."""
        scores: dict[int, float] = defaultdict(float)
        idf, saturated = self._idf, self._saturated
        for slot in slots:
            if not slot.alternatives:
                continue
            if len(slot.alternatives) == 1:
                term, weight = slot.alternatives[0]
                factor = weight * idf[term]
                for index, value in saturated(term):
                    scores[index] += factor * value
                continue
            best: dict[int, float] = {}
            for term, weight in slot.alternatives:
                factor = weight * idf[term]
                for index, value in saturated(term):
                    value *= factor
                    if value > best.get(index, 0.0):
                        best[index] = value
            for index, value in best.items():
                scores[index] += value
        return scores

    def explain(self, query: str) -> list[tuple[tuple[tuple[str, float], ...], float]]:
        """The question's slots (alternative terms with weights, and slot weight), to debug."""
        return [(slot.alternatives, slot.weight) for slot in self._slots(query)]
