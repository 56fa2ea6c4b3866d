"""The published knowledge base as the bot serves it: entries by id and topic, and search."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.knowledge.confidence import Decision, decide
from bot.knowledge.entries import Entry, load_directory
from bot.knowledge.search import Retriever
from db import Database
from db import knowledge as kb_table

logger = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = {entry.id: entry for entry in entries}
        self._parents = _parents(entries)
        self._retriever = Retriever(entries)

    @classmethod
    async def load(cls, db: Database) -> KnowledgeBase:
        """Load the entry files into SQLite, then serve what SQLite publishes.

        Entries with problems are still loaded (a missing translation falls back to the other
        language), but every problem is logged: ``smebot kb check`` is where they get fixed.
        """
        result = load_directory()
        for problem in result.problems:
            logger.warning("Knowledge base: %s", problem)
        await kb_table.replace_file_entries(db, result.entries)
        return cls(await kb_table.published(db))

    async def reload(self, db: Database) -> None:
        """Serve what SQLite publishes now (staff just published a draft), in place.

        In place because every service holds this object: they all answer from the new
        entries at once. The new index is built before anything is swapped, so a question
        arriving meanwhile is answered from the old one, never from half of each.
        """
        entries = await kb_table.published(db)
        retriever = Retriever(entries)
        self._entries, self._parents, self._retriever = (
            {entry.id: entry for entry in entries},
            _parents(entries),
            retriever,
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, entry_id: str) -> Entry | None:
        return self._entries.get(entry_id)

    def in_topic(self, topic: str) -> list[Entry]:
        return [entry for entry in self._entries.values() if entry.topic == topic]

    def answer(self, question: str) -> Decision:
        return decide(self._retriever.search(question), self._parents)


def _parents(entries: Sequence[Entry]) -> dict[str, str]:
    return {entry.id: entry.parent for entry in entries if entry.parent}
