"""Sentence vectors of the archive: embed what is missing, and hand the reader what a question needs.

Vectors are derived data kept in the database beside the passages (int8, one blob per passage, one
row per quote sentence). Ingest ends by embedding the passages that have none yet, so asking embeds
only the question; a passage without vectors (still being embedded, or from another model) simply
sends that question down the lexical path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from knowledge.analysis.sentences import quote_sentences
from knowledge.models import Passage
from knowledge.reader.semantic import SentenceVectors
from knowledge.semantic.codec import pack, unpack
from knowledge.semantic.embedder import Embedder
from knowledge.store.vectors import StoredVectors

log = logging.getLogger(__name__)

BATCH = 256  # passages embedded per database round trip
QUESTION_CACHE = 512
SENTENCE_CACHE = 20_000  # recent sentences: wire copies and recurring lines are embedded once

Progress = Callable[[int, int], None]


class VectorRepository(Protocol):
    """The part of ``knowledge.store.Store`` this needs."""

    async def passages_without_vectors(self, model: str, limit: int) -> list[tuple[int, str]]: ...
    async def count_without_vectors(self, model: str) -> int: ...
    async def save_vectors(self, model: str, rows: Sequence[StoredVectors]) -> int: ...
    async def get_vectors(self, model: str, passage_ids: Sequence[int]) -> dict[int, StoredVectors]: ...


class SemanticIndex:
    """Embeds passages at ingest and questions at ask time with one model."""

    def __init__(self, store: VectorRepository, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._lock = asyncio.Lock()
        self._questions: dict[str, np.ndarray] = {}
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self) -> str:
        return self.embedder.name

    async def embed_pending(self, progress: Progress | None = None) -> int:
        """Embed every passage that has no vectors yet; returns how many were embedded."""
        async with self._lock:
            total = await self.store.count_without_vectors(self.model)
            done = 0
            started = time.perf_counter()
            while done < total:
                rows = await self.store.passages_without_vectors(self.model, BATCH)
                if not rows:
                    break
                stored = await asyncio.to_thread(self._embed, rows)
                await self.store.save_vectors(self.model, stored)
                done += len(rows)
                if progress is not None:
                    progress(done, total)
            if done:
                log.info("embedded %d passages in %.1f s", done, time.perf_counter() - started)
            return done

    def _embed(self, rows: Sequence[tuple[int, str]]) -> list[StoredVectors]:
        """Embed each sentence not seen recently, once."""
        pieces = [[text[a:b] for a, b in quote_sentences(text)] for _, text in rows]
        cache = self._sentences
        new = [s for s in dict.fromkeys(s for sentences in pieces for s in sentences) if s not in cache]
        for sentence, vector in zip(new, self.embedder.encode(new), strict=True):
            cache[sentence] = vector
        out = []
        for (pid, _), sentences in zip(rows, pieces, strict=True):
            matrix = np.stack([cache[s] for s in sentences])
            out.append(StoredVectors(pid, matrix.shape[1], len(sentences), pack(matrix)))
            for s in sentences:
                cache.move_to_end(s)
        while len(cache) > SENTENCE_CACHE:
            cache.popitem(last=False)
        return out

    async def question(self, text: str) -> np.ndarray:
        cached = self._questions.get(text)
        if cached is None:
            cached = (await asyncio.to_thread(self.embedder.encode, [text]))[0]
            if len(self._questions) >= QUESTION_CACHE:
                self._questions.clear()
            self._questions[text] = cached
        return cached

    async def for_question(self, text: str, passages: Sequence[Passage]) -> SentenceVectors | None:
        """The question's vector and the candidates' sentence vectors (None if any candidate lacks them)."""
        if not passages:
            return None
        stored = await self.store.get_vectors(self.model, [p.id for p in passages])
        for p in passages:
            found = stored.get(p.id)
            if found is None or found.sentences != len(quote_sentences(p.text)):
                return None  # not embedded yet, or split differently when it was
        question = await self.question(text)
        return SentenceVectors(question, {pid: unpack(s.data, s.dim) for pid, s in stored.items()})
