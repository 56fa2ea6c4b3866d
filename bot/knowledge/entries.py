"""Knowledge entries as staff write them: one YAML file per entry, in both languages.

The format is documented in ``locales/knowledge/README.md``; :func:`check` enforces it, so
``smebot kb check`` (and CI) catches a missing translation or an over-long answer before a
user does.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import LOCALES

TOPICS = ("bhr", "partnership", "training", "about")
"""``about`` holds what the bot is and how it treats data; the other three are menu topics."""

MENU_TOPICS = ("bhr", "partnership", "training")

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it: about ten times faster at start-up."""

MAX_TITLE = 60
"""A title becomes a button label; longer ones are cut off on a phone."""
MAX_ANSWER = 700
"""About one phone screen of text."""
MAX_DETAILS = 3000
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
"""Short enough to fit in 64-byte callback data with a prefix and an inquiry id."""


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class EntryText:
    title: str
    answer: str
    details: str = ""
    questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    topic: str
    reviewed: str
    texts: Mapping[str, EntryText]
    related: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    parent: str | None = None
    """The overview entry this one is a part of (``pattern-waralaba`` of
    ``partnership-patterns``): when both fit a question, the parent is answered first."""
    origin: str = "file"
    status: str = "published"

    def text(self, locale: str) -> EntryText:
        """The entry in ``locale``, or in any language it has (a draft may lack one)."""
        return self.texts.get(locale) or next(iter(self.texts.values()))


@dataclass(slots=True)
class LoadResult:
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def default_directory() -> Path:
    """Where the packaged entries live, in the source tree or an installed copy alike."""
    return Path(str(resources.files("locales") / "knowledge"))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def _parse(path: Path, data: Any, problems: list[str]) -> Entry | None:
    where = path.name
    if not isinstance(data, dict):
        problems.append(f"{where}: not a YAML mapping")
        return None
    entry_id = str(data.get("id", ""))
    if not ID_PATTERN.match(entry_id):
        problems.append(f"{where}: id {entry_id!r} must be lowercase letters, digits and '-'")
        return None
    if path.stem != entry_id:
        problems.append(f"{where}: file name does not match id {entry_id!r}")
    topic = data.get("topic")
    if topic not in TOPICS:
        problems.append(f"{entry_id}: topic {topic!r} is not one of {', '.join(TOPICS)}")
    reviewed = data.get("reviewed")
    if isinstance(reviewed, dt.date):
        reviewed = reviewed.isoformat()
    if not reviewed:
        problems.append(f"{entry_id}: missing 'reviewed' date")
    sources = _sources(entry_id, data.get("sources"), problems)
    texts: dict[str, EntryText] = {}
    translations = data.get("translations") or {}
    for locale in LOCALES:
        raw = translations.get(locale)
        if not isinstance(raw, dict):
            problems.append(f"{entry_id}: missing language {locale!r}")
            continue
        text = EntryText(
            title=str(raw.get("title") or "").strip(),
            answer=str(raw.get("answer") or "").strip(),
            details=str(raw.get("details") or "").strip(),
            questions=_strings(raw.get("questions")),
        )
        problems.extend(f"{entry_id} [{locale}]: {p}" for p in _text_problems(text))
        texts[locale] = text
    if not texts:
        return None
    return Entry(
        id=entry_id,
        topic=str(topic),
        reviewed=str(reviewed),
        texts=texts,
        related=_strings(data.get("related")),
        keywords=_strings(data.get("keywords")),
        sources=sources,
        parent=str(data["parent"]) if data.get("parent") else None,
    )


def _sources(entry_id: str, raw: Any, problems: list[str]) -> tuple[Source, ...]:
    sources = []
    for source in raw or []:
        if not isinstance(source, dict) or not source.get("title") or not source.get("url"):
            problems.append(f"{entry_id}: every source needs a title and a url")
            continue
        sources.append(Source(str(source["title"]), str(source["url"])))
    if not sources:
        problems.append(f"{entry_id}: no sources")
    return tuple(sources)


def _text_problems(text: EntryText) -> Iterable[str]:
    if not text.title:
        yield "empty title"
    elif len(text.title) > MAX_TITLE:
        yield f"title is {len(text.title)} characters (at most {MAX_TITLE})"
    if not text.answer:
        yield "empty answer"
    elif len(text.answer) > MAX_ANSWER:
        yield f"answer is {len(text.answer)} characters (at most {MAX_ANSWER})"
    if len(text.details) > MAX_DETAILS:
        yield f"details are {len(text.details)} characters (at most {MAX_DETAILS})"
    if not text.questions:
        yield "no example questions"


@functools.lru_cache(maxsize=4096)
def _read_yaml(path: Path, mtime_ns: int) -> Any:
    """Parsed file, cached by modification time: every Application start (and every test)
    loads the whole knowledge base, and parsing is most of that cost."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def load_directory(directory: Path | None = None) -> LoadResult:
    """Read every ``*.yaml`` entry under ``directory`` and report what is wrong with them."""
    directory = directory or default_directory()
    result = LoadResult()
    seen: dict[str, Path] = {}
    for path in sorted(directory.rglob("*.yaml")):
        try:
            data = _read_yaml(path, path.stat().st_mtime_ns)
        except yaml.YAMLError as error:
            result.problems.append(f"{path.name}: invalid YAML ({error})".replace("\n", " "))
            continue
        entry = _parse(path, data, result.problems)
        if entry is None:
            continue
        if entry.id in seen:
            result.problems.append(f"{entry.id}: duplicate id in {seen[entry.id]} and {path}")
            continue
        seen[entry.id] = path
        result.entries.append(entry)
    known = set(seen)
    for entry in result.entries:
        for related in entry.related:
            if related not in known:
                result.problems.append(f"{entry.id}: related entry {related!r} does not exist")
    result.problems.extend(_parent_problems(result.entries))
    return result


def _parent_problems(entries: Iterable[Entry]) -> Iterable[str]:
    """A parent must exist and be an overview: no chains of parents, so no cycles."""
    parents = {entry.id: entry.parent for entry in entries}
    for entry_id, parent in parents.items():
        if parent is None:
            continue
        if parent not in parents:
            yield f"{entry_id}: parent entry {parent!r} does not exist"
        elif parents[parent] is not None:
            yield f"{entry_id}: parent {parent!r} has a parent itself (one level only)"
