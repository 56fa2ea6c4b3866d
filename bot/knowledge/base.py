"""The published knowledge base as the bot serves it: entries by id and topic, and search.

Search is BM25 (:class:`bot.knowledge.search.Retriever`), or, with ``SEMANTIC_SEARCH=on`` and
the ``semantic`` extra installed, BM25 blended with a multilingual embedding model
(:class:`bot.knowledge.semantic.HybridRetriever`). The blend answers more questions right at
once, but embedding a question takes 15-60 ms of CPU, so it runs in a worker thread: the
event loop keeps serving other users meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from bot.knowledge import semantic
from bot.knowledge.confidence import Decision, decide
from bot.knowledge.entries import Entry, load_directory
from bot.knowledge.search import Match, Retriever
from db import Database
from db import knowledge as kb_table

logger = logging.getLogger(__name__)


class Searcher(Protocol):
    def search(self, query: str, limit: int = 3) -> list[Match]: ...


class KnowledgeBase:
    def __init__(self, entries: Sequence[Entry], *, semantic_cache: Path | None = None) -> None:
        """``semantic_cache`` turns the embedding blend on, its embeddings kept there (the
        first start embeds every entry text, about 20 s; later starts read the file)."""
        self._semantic_cache = semantic_cache
        self._entries, self._parents, self._retriever = self._index(entries)

    @property
    def semantic(self) -> bool:
        return self._semantic_cache is not None

    def _index(
        self, entries: Sequence[Entry]
    ) -> tuple[dict[str, Entry], dict[str, str], Searcher]:
        retriever: Searcher = (
            semantic.HybridRetriever(entries, cache_dir=self._semantic_cache)
            if self._semantic_cache is not None
            else Retriever(entries)
        )
        parents = {entry.id: entry.parent for entry in entries if entry.parent}
        return {entry.id: entry for entry in entries}, parents, retriever

    @classmethod
    async def load(cls, db: Database, *, semantic_cache: Path | None = None) -> KnowledgeBase:
        """Load the entry files into SQLite, then serve what SQLite publishes.

        Entries with problems are still loaded (a missing translation falls back to the other
        language), but every problem is logged: ``smebot kb check`` is where they get fixed.
        """
        result = load_directory()
        for problem in result.problems:
            logger.warning("Knowledge base: %s", problem)
        await kb_table.replace_file_entries(db, result.entries)
        entries = await kb_table.published(db)
        if semantic_cache is None:
            return cls(entries)
        if not semantic.available():
            logger.warning(
                "SEMANTIC_SEARCH=on, but the 'semantic' extra is not installed: BM25 only"
            )
            return cls(entries)
        logger.info("Knowledge base: semantic search on (embeddings in %s)", semantic_cache)
        try:
            return await asyncio.to_thread(lambda: cls(entries, semantic_cache=semantic_cache))
        except semantic.SemanticUnavailableError as error:  # e.g. a CPU without AVX2
            logger.warning("Semantic search unavailable (%s): BM25 only", error)
            return cls(entries)

    async def reload(self, db: Database) -> None:
        """Serve what SQLite publishes now (staff just published a draft), in place.

        In place because every service holds this object: they all answer from the new
        entries at once. The new index is built before anything is swapped, so a question
        arriving meanwhile is answered from the old one, never from half of each.
        """
        entries = await kb_table.published(db)
        index = await asyncio.to_thread(self._index, entries) if self.semantic else None
        self._entries, self._parents, self._retriever = index or self._index(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, entry_id: str) -> Entry | None:
        return self._entries.get(entry_id)

    def in_topic(self, topic: str) -> list[Entry]:
        return [entry for entry in self._entries.values() if entry.topic == topic]

    def answer(self, question: str) -> Decision:
        """What to do with ``question``; blocks for the embedding when semantic search is on
        (call :meth:`consider` from the event loop)."""
        return decide(self._retriever.search(question), self._parents)

    async def consider(self, question: str) -> Decision:
        """:meth:`answer`, off the event loop when it would hold it for an embedding."""
        if self.semantic:
            return await asyncio.to_thread(self.answer, question)
        return self.answer(question)
