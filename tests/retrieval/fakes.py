"""An in-memory stand-in for ``knowledge.store.Store``: the passages and change log search reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from knowledge.models import Changes, IndexRow, Passage


class MemoryStore:
    """Articles as lists of passages; every change is logged like the real store's ``index_changes``."""

    def __init__(self) -> None:
        self.passages: dict[int, Passage] = {}
        self.by_article: dict[int, list[int]] = {}
        self.log: list[int] = []  # article ids; seq = position + 1
        self.name = uuid.uuid4().hex
        self._next_pid = 0
        self._next_article = 0

    def add_article(
        self,
        title: str,
        paragraphs: Sequence[str],
        *,
        url: str | None = None,
        guild: int | None = None,
        published: datetime | None = None,
        site: str | None = None,
        article_id: int | None = None,
    ) -> int:
        """Add an article, or replace article ``article_id``'s passages (new passage ids)."""
        if article_id is None:
            self._next_article += 1
            aid = self._next_article
        else:
            aid = article_id
            for pid in self.by_article.pop(aid, []):
                del self.passages[pid]
        ids = []
        for pos, text in enumerate(paragraphs):
            self._next_pid += 1
            self.passages[self._next_pid] = Passage(
                id=self._next_pid,
                article_id=aid,
                position=pos,
                text=text,
                url=url or f"https://example.com/{aid}",
                title=title,
                site=site,
                published=published,
                guild=guild,
            )
            ids.append(self._next_pid)
        self.by_article[aid] = ids
        self.log.append(aid)
        return aid

    def delete_article(self, article_id: int) -> None:
        for pid in self.by_article.pop(article_id):
            del self.passages[pid]
        self.log.append(article_id)

    async def database_id(self) -> str:
        return self.name

    async def change_cursor(self) -> int:
        return len(self.log)

    async def latest_change(self) -> int:
        return len(self.log)

    async def changes_after(self, cursor: int, limit: int = 5000) -> Changes:
        batch = self.log[cursor : cursor + limit]
        return Changes(tuple(sorted(set(batch))), cursor + len(batch))

    async def pending_changes(self, cursor: int) -> int:
        return len(self.log) - cursor

    async def index_rows(self, article_ids: Sequence[int]) -> list[IndexRow]:
        ids = sorted(pid for a in article_ids for pid in self.by_article.get(a, []))
        return [self._row(self.passages[i]) for i in ids]

    async def passages_after(self, after_id: int, limit: int) -> list[IndexRow]:
        ids = sorted(i for i in self.passages if i > after_id)[:limit]
        return [self._row(self.passages[i]) for i in ids]

    async def count_indexable(self) -> int:
        return len(self.passages)

    async def sample_index_rows(self, n: int, seed: int | None = None) -> list[IndexRow]:
        return [self._row(self.passages[i]) for i in sorted(self.passages)[:n]]

    async def count_passages(self) -> int:
        return len(self.passages)

    async def get_passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        return {i: self.passages[i] for i in ids if i in self.passages}

    async def article_passages(self, article_id: int) -> list[Passage]:
        return [self.passages[i] for i in self.by_article.get(article_id, [])]

    async def articles_holding(self, passage_ids: Sequence[int]) -> dict[int, list[Passage]]:
        holding = {self.passages[i].article_id for i in passage_ids if i in self.passages}
        return {a: await self.article_passages(a) for a in sorted(holding)}

    @staticmethod
    def _row(p: Passage) -> IndexRow:
        return IndexRow(id=p.id, text=p.text, guild=p.guild, article_id=p.article_id, title=p.title)
