"""Normalisation of informal Indonesian and English: what owners type -> standard tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.lexicon import ABBREVIATIONS, CONCEPTS, STOP_PHRASES, STOPWORDS
from bot.knowledge.normalize import informal_variants, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gmn cara daftar NIB utk usaha sy", "bagaimana cara daftar nib untuk usaha saya"),
        ("yg penting dgn modal krn blm ada", "yang penting dengan modal karena belum ada"),
        ("sdh brp lama? jd tp", "sudah berapa lama jadi tapi"),
        ("tdk ga gak nggak enggak", "tidak tidak tidak tidak tidak"),
        ("pls tell me abt the govt biz", "please tell me about the government business"),
    ],
)
def test_chat_abbreviations_are_expanded(text: str, expected: str) -> None:
    assert normalize(text) == expected.split()


def test_abbreviation_may_expand_to_several_words() -> None:
    assert normalize("dll") == ["dan", "lain", "lain"]
    assert normalize("don't") == ["do", "not"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bangettt", "banget"),
        ("tolonggg dongg", "tolong dongg"),
        ("staaaff", "staff"),
        ("maaaaf", "maaf"),
        ("gmnnn", "bagaimana"),
    ],
)
def test_repeated_letters_collapse(text: str, expected: str) -> None:
    assert normalize(text) == expected.split()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anak2", "anak"),
        ("anak-anak", "anak"),
        ("hak-hak pekerja", "hak pekerja"),
        ("hak2nya", "haknya"),
        ("hak-haknya", "haknya"),
        ("bertanya-tanya", "bertanya"),
        ("kehati-hatian", "kehatian"),
    ],
)
def test_reduplication_is_reduced_to_the_base_word(text: str, expected: str) -> None:
    assert normalize(text) == expected.split()


def test_digits_that_are_not_reduplication_are_kept() -> None:
    assert normalize("K3 dan ISO 45001 tahun 2019, k2") == [
        "k3",
        "dan",
        "iso",
        "45001",
        "tahun",
        "2019",
        "k2",
    ]


def test_hyphenated_words_that_are_not_reduplication_are_split() -> None:
    assert normalize("e-commerce") == ["e", "commerce"]


def test_unicode_compatibility_forms_and_case() -> None:
    assert normalize("ＵＭＫＭ Ｋ３") == ["umkm", "k3"]
    assert normalize("PELATIHAN") == ["pelatihan"]


def test_zero_width_characters_and_soft_hyphens_are_removed() -> None:
    assert normalize("pe\u200blatihan kemi\u00adtraan\ufeff") == ["pelatihan", "kemitraan"]


def test_non_breaking_space_separates_words() -> None:
    assert normalize("usaha\u00a0kecil") == ["usaha", "kecil"]


def test_punctuation_and_emoji_are_not_tokens() -> None:
    assert normalize("NIB?! (OSS) 👍 — ok…") == ["nib", "oss", "ok"]


def test_empty_and_blank_text() -> None:
    assert normalize("") == []
    assert normalize(" \n\t ") == []
    assert normalize("?!...") == []


def test_informal_affixes_give_standard_candidates() -> None:
    assert "urus" in informal_variants("ngurusin")
    assert "daftarkan" in informal_variants("daftarin")
    assert "sewa" in informal_variants("nyewa")
    assert "cari" in informal_variants("nyari")
    assert "tanya" in informal_variants("nanya")
    assert "catat" in informal_variants("nyatet")
    assert informal_variants("kerja") == ()  # too short to take apart


def test_abbreviation_expansions_are_final() -> None:
    """An expansion never needs expanding again, so normalising is a single pass."""
    for expansion in ABBREVIATIONS.values():
        for word in expansion.split():
            assert ABBREVIATIONS.get(word, word) == word, word


def test_lexicon_tables_are_normalised_lowercase() -> None:
    for phrases in CONCEPTS.values():
        for phrase in phrases:
            assert phrase == phrase.lower()
            assert normalize(phrase), phrase
    for phrase in STOP_PHRASES:
        assert normalize(phrase), phrase
    assert all(word == word.lower() and " " not in word for word in STOPWORDS)


@given(st.text(max_size=200))
def test_normalize_never_fails_and_yields_clean_tokens(text: str) -> None:
    tokens = normalize(text)
    for token in tokens:
        assert token
        assert token == token.lower()
        assert not any(char.isspace() for char in token)
        assert "\u200b" not in token and "-" not in token


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(" ".join(once)) == once


@pytest.mark.parametrize("text", ["0-_", "a-_", "--", "x-"])
def test_no_empty_tokens_from_stray_hyphens_and_underscores(text: str) -> None:
    """Found by the idempotence property: "0-_" gave ["0", ""]."""
    assert "" not in normalize(text)
