"""Both languages, always: a missing or fuzzy translation fails here."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, Catalogs, catalog_directory, resolve_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _catalog(locale: str):
    path = catalog_directory() / locale / "LC_MESSAGES" / "messages.po"
    return read_po(io.BytesIO(path.read_bytes()), locale=locale)


def _source_messages() -> set[str]:
    found = set()
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_not_fuzzy(locale: str) -> None:
    catalog = _catalog(locale)
    problems = [
        f"{'fuzzy' if message.fuzzy else 'untranslated'}: {message.id!r}"
        for message in catalog
        if message.id and (message.fuzzy or not message.string)
    ]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_in_the_code_is_in_the_catalog(locale: str) -> None:
    catalog = _catalog(locale)
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog}
    assert sorted(_source_messages() - known) == []


def _is_translation_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in KEYWORDS


def test_no_translated_string_hides_inside_an_f_string() -> None:
    """Babel's extractor does not look inside f-strings: a ``_("...")`` there never reaches
    the catalogs, so the user sees English whatever their language."""
    hidden = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("bot", "handlers", "web")
        for path in sorted((ROOT / package).rglob("*.py"))
        for fstring in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(fstring, ast.JoinedStr)
        for node in ast.walk(fstring)
        if _is_translation_call(node)
    ]
    assert hidden == []


def test_placeholders_survive_translation() -> None:
    catalog = _catalog("id")
    for message in catalog:
        if message.id and isinstance(message.id, str):
            for token in ("{name}", "{date}", "{error}", "<b>", "<i>"):
                assert message.id.count(token) == message.string.count(token), message.id


def test_catalogs_translate() -> None:
    catalogs = Catalogs()
    assert catalogs.gettext("id", "Main menu") == "Menu utama"
    assert catalogs.gettext("en", "Main menu") == "Main menu"


@pytest.mark.parametrize(
    ("stored", "code", "expected"),
    [
        ("en", "id", "en"),
        (None, "id-ID", "id"),
        (None, "in", "id"),
        (None, "en-US", "en"),
        (None, "ms", "en"),
        (None, None, "id"),
        ("xx", None, "id"),
    ],
)
def test_locale_resolution(stored, code, expected) -> None:
    assert resolve_locale(stored, code, "id") == expected
