"""The shipped knowledge base passes `smebot kb check`, and the check catches real faults."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.entries import MENU_TOPICS, load_directory

GOOD = """
id: sample
topic: bhr
reviewed: 2026-11-21
related: [{related}]
sources: [{{title: T, url: "https://example.org"}}]
translations:
  id: {{title: Judul, answer: Jawaban, questions: ["Apa?"]}}
{english}
"""


def test_shipped_entries_have_no_problems() -> None:
    result = load_directory()
    assert result.problems == []
    assert len(result.entries) >= 60
    for topic in MENU_TOPICS:
        assert sum(entry.topic == topic for entry in result.entries) >= 12


def _write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")


def test_missing_language_broken_reference_and_long_answer_are_reported(tmp_path: Path) -> None:
    _write(tmp_path, "sample", GOOD.format(related="nowhere", english=""))
    long_answer = "x" * 701
    _write(
        tmp_path,
        "other",
        GOOD.replace("sample", "other").format(
            related="",
            english=f'  en: {{title: Title, answer: {long_answer}, questions: ["What?"]}}',
        ),
    )
    problems = "\n".join(load_directory(tmp_path).problems)
    assert "sample: missing language 'en'" in problems
    assert "related entry 'nowhere' does not exist" in problems
    assert "answer is 701 characters" in problems


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    english = '  en: {title: T, answer: A, questions: ["Q?"]}'
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a", "sample", GOOD.format(related="", english=english))
    _write(tmp_path / "b", "sample", GOOD.format(related="", english=english))
    assert any("duplicate id" in problem for problem in load_directory(tmp_path).problems)
