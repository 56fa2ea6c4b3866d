"""Interface text from gettext catalogs, and which language a user gets.

Source strings are English and marked with ``_()`` (or ``N_()`` where they are defined before
a language is known); ``locales/{id,en}/LC_MESSAGES/messages.po`` translate them. The ``.mo``
files are built by ``make catalogs``; when one is missing or older than its ``.po`` (an
installed copy, a translator's fresh edit) the catalog is compiled in memory instead, so the
bot never shows a stale text.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("id", "en")
DOMAIN = "messages"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for extraction without translating it yet."""
    return message


def catalog_directory() -> Path:
    return Path(str(resources.files("locales")))


def _load(directory: Path, locale: str) -> Translations:
    folder = directory / locale / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Catalogs:
    """All loaded catalogs; cheap to share, immutable after start-up."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or catalog_directory()
        self._translations = {locale: _load(directory, locale) for locale in LOCALES}

    def gettext(self, locale: str, message: str) -> str:
        return self._translations[locale].gettext(message)

    def ngettext(self, locale: str, singular: str, plural: str, count: int) -> str:
        return self._translations[locale].ngettext(singular, plural, count)


def locale_from_language_code(language_code: str | None) -> str | None:
    """Telegram's IETF tag to one of ours: Indonesian for ``id``/``in`` (its old code)."""
    if not language_code:
        return None
    primary = language_code.replace("_", "-").split("-")[0].lower()
    return "id" if primary in ("id", "in") else "en"


def resolve_locale(stored: str | None, language_code: str | None, default: str) -> str:
    """The user's own choice, else what Telegram says, else the deployment's default."""
    if stored in LOCALES:
        return stored
    return locale_from_language_code(language_code) or default
