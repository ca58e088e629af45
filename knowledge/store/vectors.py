"""Sentence vectors of passages: which passages still need them, saving them, reading them back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.store.tables import ArticleRow, PassageRow, PassageVectorRow

log = logging.getLogger(__name__)

INSERT_ROWS = 500  # rows per multi-row insert (5 columns: far below any bind-argument limit)


@dataclass(frozen=True, slots=True)
class StoredVectors:
    passage_id: int
    dim: int
    sentences: int
    data: bytes


class VectorStore:
    _sessions: async_sessionmaker[AsyncSession]

    async def passages_without_vectors(self, model: str, limit: int) -> list[tuple[int, str]]:
        """(id, text) of passages with no vectors from ``model``, oldest first; duplicates skipped."""
        async with self._sessions() as session:
            result = await session.execute(
                select(PassageRow.id, PassageRow.text)
                .join(ArticleRow, ArticleRow.id == PassageRow.article_id)
                .outerjoin(
                    PassageVectorRow,
                    (PassageVectorRow.passage_id == PassageRow.id) & (PassageVectorRow.model == model),
                )
                .where(PassageVectorRow.passage_id.is_(None), ArticleRow.duplicate_of.is_(None))
                .order_by(PassageRow.id)
                .limit(limit)
            )
            return [(pid, text) for pid, text in result]

    async def count_without_vectors(self, model: str) -> int:
        async with self._sessions() as session:
            query = (
                select(func.count())
                .select_from(PassageRow)
                .join(ArticleRow, ArticleRow.id == PassageRow.article_id)
                .outerjoin(
                    PassageVectorRow,
                    (PassageVectorRow.passage_id == PassageRow.id) & (PassageVectorRow.model == model),
                )
                .where(PassageVectorRow.passage_id.is_(None), ArticleRow.duplicate_of.is_(None))
            )
            return int(await session.scalar(query) or 0)

    async def save_vectors(self, model: str, rows: Sequence[StoredVectors]) -> int:
        """Store vectors, replacing older ones; passages deleted meanwhile are skipped."""
        if not rows:
            return 0
        ids = [r.passage_id for r in rows]
        async with self._sessions.begin() as session:
            live = set(await session.scalars(select(PassageRow.id).where(PassageRow.id.in_(ids))))
            await session.execute(delete(PassageVectorRow).where(PassageVectorRow.passage_id.in_(ids)))
            values = [
                {
                    "passage_id": r.passage_id,
                    "model": model,
                    "dim": r.dim,
                    "sentences": r.sentences,
                    "data": r.data,
                }
                for r in rows
                if r.passage_id in live
            ]
            for start in range(0, len(values), INSERT_ROWS):
                await session.execute(insert(PassageVectorRow), values[start : start + INSERT_ROWS])
        return len(values)

    async def get_vectors(self, model: str, passage_ids: Sequence[int]) -> dict[int, StoredVectors]:
        if not passage_ids:
            return {}
        async with self._sessions() as session:
            result = await session.scalars(
                select(PassageVectorRow).where(
                    PassageVectorRow.passage_id.in_(set(passage_ids)), PassageVectorRow.model == model
                )
            )
            return {r.passage_id: StoredVectors(r.passage_id, r.dim, r.sentences, r.data) for r in result}
