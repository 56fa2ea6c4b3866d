"""Turn what a UMKM owner types into comparable tokens.

Owners write the way they chat: "gmn cara daftar nib utk usaha sy?", "anak2", "bangettt",
"don't", full-width letters pasted from a PDF, zero-width spaces copied from WhatsApp. This
module undoes that *before* stemming, so the stemmer and the index see standard words:

1. Unicode NFKC (full-width and compatibility forms become plain letters), lowercase, and remove
   zero-width characters and soft hyphens, which would otherwise split or glue words invisibly.
2. Apostrophes are dropped ("don't" -> "dont", which the abbreviation table then expands).
3. Reduplication is reduced to the base word: "anak-anak", "anak2" and "hak-haknya" carry the
   same topic as "anak" and "haknya"; the plural meaning does not matter for finding an answer.
4. Runs of three or more of the same letter ("bangettt", "tolonggg") collapse to one letter, or to
   two where the doubled word is real ("staaaff" -> "staff").
5. Chat abbreviations and slang are expanded from :data:`bot.knowledge.lexicon.ABBREVIATIONS`
   ("gmn" -> "bagaimana", "sy" -> "saya", "ga" -> "tidak").

The rules run once per distinct whitespace-separated chunk and are cached, because the same
function normalises every entry when the index is built, and a 1,000-entry index (a few
hundred thousand words) has to build in under 300 ms.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

from bot.knowledge.lexicon import ABBREVIATIONS, DOUBLE_LETTER_WORDS

TOKEN_CACHE_SIZE = 65_536
"""Distinct chunks (and, in the retriever, words) remembered per cache; a knowledge base of
1,000 entries has a few thousand. Beyond this, new ones are computed but not stored."""

_DELETE = "\u200b\u200c\u200d\u2060\ufeff\u00ad'\u2019\u2018`\u00b4"
"""Zero-width characters and soft hyphens (invisible, and they split or glue words), and
apostrophes ("don't" -> "dont", which the abbreviation table expands)."""
_TOKEN = re.compile(r"\w+(?:-\w+)*")
"""Letters and digits, hyphenated words kept whole so reduplication can be seen per token."""
_DIGIT_REDUPLICATION = re.compile(r"([^\W\d_]{2,})2([^\W\d_]*)")
"""``anak2`` -> ``anak``, ``hak2nya`` -> ``haknya``; needs two letters first, so ``k2`` stays."""
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")
MIN_REDUPLICATED = 3
"""Shortest repeated part that counts as reduplication ("hak-hak"); shorter overlaps are chance."""

_INFORMAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("nge", ""),
    ("ng", "k"),
    ("ng", ""),
    ("ny", "s"),
    ("ny", "c"),
    ("m", "p"),
    ("n", "t"),
)
"""Colloquial nasal prefixes and the initial letter they replaced: "ngurus" <- "urus",
"ngirim" <- "kirim", "nyewa" <- "sewa", "nyari" <- "cari", "mbayar" <- "bayar"."""

_INFORMAL_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("inya", ""),
    ("in", "kan"),
    ("in", "i"),
    ("in", ""),
    ("an", ""),
)
"""Jakarta-style "-in" stands for standard "-kan" or "-i": "daftarin" <- "daftarkan"."""

_VOWELS = frozenset("aiueo")
_LAST_SYLLABLE_E = re.compile(r"e([^aiueo\W\d_]+)$")

MIN_VARIANT_LENGTH = 5
"""Shorter tokens are too ambiguous to take apart ("ngan", "main", "ingin")."""


def _merge_reduplication(first: str, second: str) -> str | None:
    """``anak``+``anak`` -> ``anak``, ``bertanya``+``tanya`` -> ``bertanya``, ``hak``+``haknya``
    -> ``haknya``, ``kehati``+``hatian`` -> ``kehatian``; None if not a reduplication."""
    if not (first.isalpha() and second.isalpha()):
        return None
    for overlap in range(min(len(first), len(second)), MIN_REDUPLICATED - 1, -1):
        if first[-overlap:] == second[:overlap]:
            return first + second[overlap:]
    return None


def _collapse_letter_runs(token: str) -> str:
    """ "bangettt" -> "banget", but "staaaff" -> "staff" (a known double-letter word)."""
    doubled = _LETTER_RUN.sub(lambda m: m.group(1) * 2, token)
    if doubled in DOUBLE_LETTER_WORDS:
        return doubled
    return _LETTER_RUN.sub(lambda m: m.group(1), token)


def normalize_token(token: str) -> tuple[str, ...]:
    """One lowercase raw token -> its standard form(s); a hyphenated token or an expanded
    abbreviation yields several."""
    if "_" in token:
        return tuple(chain.from_iterable(normalize_token(p) for p in token.split("_") if p))
    if "-" in token:
        parts: list[str] = []
        for part in filter(None, token.split("-")):  # "0-" (from "0-_") has an empty part
            merged = _merge_reduplication(parts[-1], part) if parts else None
            if merged is None:
                parts.append(part)
            else:
                parts[-1] = merged
        if len(parts) != 1:
            return tuple(chain.from_iterable(map(normalize_token, parts)))
        token = parts[0]
    if "2" in token and (reduplicated := _DIGIT_REDUPLICATION.fullmatch(token)):
        token = reduplicated.group(1) + reduplicated.group(2)
    if _LETTER_RUN.search(token):
        token = _collapse_letter_runs(token)
    expansion = ABBREVIATIONS.get(token)
    if expansion is not None:
        return tuple(expansion.split())
    return (token,)


class _Memo(dict[str, tuple[str, ...]]):
    """Whitespace-separated chunk ("pelatihan,", "(SCORE)", "anak2") -> its tokens.

    A dict that fills itself: splitting on whitespace and looking chunks up stays in C, which
    matters when a 1,000-entry index is built (a few hundred thousand chunks, a few thousand
    distinct); only a new chunk goes through the tokenising regex and the rules.
    """

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        value = tuple(chain.from_iterable(map(normalize_token, _TOKEN.findall(chunk))))
        if len(self) < TOKEN_CACHE_SIZE:
            self[chunk] = value
        return value


_MEMO = _Memo()


def clean(text: str) -> str:
    """NFKC, lowercase, and no invisible characters or apostrophes."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    for char in _DELETE:
        if char in text:
            text = text.replace(char, "")
    return text


def normalize(text: str) -> list[str]:
    """Tokens of ``text`` in standard spelling, in order, stop words kept.

    Stop words stay because callers match multi-word phrases ("bisnis dan HAM") before dropping
    them; stemming is left to the retriever, which knows both languages' stemmers.
    """
    return list(chain.from_iterable(map(_MEMO.__getitem__, clean(text).split())))


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def informal_variants(token: str) -> tuple[str, ...]:
    """Standard words a colloquially affixed token may stand for.

    Only guesses ("ngurusin" yields "urus" among others, "daftarin" yields "daftarkan"): the
    retriever keeps a variant only if the index knows it, so a wrong guess costs nothing.
    """
    if len(token) < MIN_VARIANT_LENGTH or not token.isalpha():
        return ()
    bases = [token]
    for suffix, replacement in _INFORMAL_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            bases.append(token[: -len(suffix)] + replacement)
    # Jakarta vowel shift in the last syllable: "catet" <- "catat", "dapet" <- "dapat".
    shifted = _LAST_SYLLABLE_E.sub(r"a\1", token)
    if shifted != token:
        bases.append(shifted)
    variants: list[str] = []
    for base in bases:
        if base != token:
            variants.append(base)
        for prefix, initial in _INFORMAL_PREFIXES:
            rest = base[len(prefix) :]
            if not base.startswith(prefix) or len(rest) < 3:
                continue
            # "nge" stands before a consonant ("ngecek"); the nasals replace a consonant before
            # a vowel ("ngurus", "nyewa", "nanya").
            if (rest[0] in _VOWELS) != (prefix != "nge"):
                continue
            variants.append(initial + rest)
    seen: dict[str, None] = dict.fromkeys(variants)
    seen.pop(token, None)
    return tuple(seen)
