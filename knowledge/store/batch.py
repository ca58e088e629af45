"""Many article writes in one transaction: the bulk-ingest path of ``newsdesk ingest DIR``.

:class:`BatchWriter` makes the same reads and writes as :meth:`ArticleStore.save_article` for one
article after another, in a single transaction under the writers' lock, with plain Core statements
and the passages of the whole batch written at once. Each article is still written whole: the
caller retries a batch that fails one article at a time, so one bad article costs only itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.models import Article
from knowledge.store.articles import ArticleStore, SaveOutcome, recurring_query
from knowledge.store.changes import log_changes
from knowledge.store.convert import content_hash, format_published, guild_key
from knowledge.store.tables import GLOBAL, ArticleRow, PassageRow, utcnow

log = logging.getLogger(__name__)

# Core statements on the tables: the ORM's bulk machinery costs more than the statements themselves
ARTICLES = cast(Table, ArticleRow.__table__)
PASSAGES = cast(Table, PassageRow.__table__)
CHUNK = 500  # bound parameters per IN (...) list, well under every backend's limit


@dataclass(slots=True)
class _Known:
    """What a write needs to know of an article already stored."""

    id: int
    content_hash: str
    published: str | None
    passages: int


@dataclass(frozen=True, slots=True)
class Write:
    """One article to write: its paragraph keys (same order) and its fingerprint."""

    article: Article
    keys: Sequence[str]
    fingerprint: int


DuplicateRule = Callable[[int, SaveOutcome], "int | None"]


@dataclass(frozen=True, slots=True)
class RecentPrint:
    """One stored original a new article could duplicate."""

    id: int
    fingerprint: int
    url: str


class BatchWriter:
    """One open transaction; use through :meth:`BatchStore.batch`."""

    def __init__(self, session: AsyncSession, guild: int | None) -> None:
        self._session = session
        self._guild = guild_key(guild)
        self._known: dict[str, _Known | None] = {}
        self._passages: list[dict[str, Any]] = []

    async def prefetch(self, urls: Sequence[str]) -> None:
        """Look up many URLs at once, so :meth:`save` needs no query to tell added from unchanged."""
        wanted = [u for u in dict.fromkeys(urls) if u not in self._known]
        count = (
            select(func.count())
            .select_from(PassageRow)
            .where(PassageRow.article_id == ArticleRow.id)
            .scalar_subquery()
        )
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            result = await self._session.execute(
                select(
                    ArticleRow.url, ArticleRow.id, ArticleRow.content_hash, ArticleRow.published, count
                ).where(ArticleRow.url.in_(chunk), ArticleRow.guild_id == self._guild)
            )
            self._known.update({u: None for u in chunk})
            for url, article_id, digest, published, passages in result:
                self._known[url] = _Known(article_id, digest, published, int(passages or 0))

    async def recent_prints(self, limit: int) -> list[RecentPrint]:
        """The ``limit`` newest originals with a fingerprint this guild can see, newest first
        (the rows :meth:`ArticleStore.recent_fingerprints` chooses from)."""
        result = await self._session.execute(
            select(ArticleRow.id, ArticleRow.fingerprint, ArticleRow.url)
            .where(
                ArticleRow.fingerprint.is_not(None),
                ArticleRow.duplicate_of.is_(None),
                ArticleRow.guild_id.in_({GLOBAL, self._guild}),
            )
            .order_by(ArticleRow.id.desc())
            .limit(limit)
        )
        return [RecentPrint(int(i), int(f), u) for i, f, u in result if f is not None]

    async def recurring_keys(
        self, site: str, keys: Sequence[str], *, exclude_url: str, min_articles: int = 3
    ) -> set[str]:
        """Like :meth:`ArticleStore.recurring_keys`, seeing this batch's earlier articles too."""
        if not keys:
            return set()
        await self._write_passages()
        result = await self._session.execute(recurring_query(site, keys, exclude_url, min_articles))
        return {key for (key,) in result}

    async def save_many(self, writes: Sequence[Write], duplicate_of: DuplicateRule) -> list[SaveOutcome]:
        """Insert or replace each article as :meth:`ArticleStore.save_article` does, in order, in a
        few statements. No URL may appear twice. ``duplicate_of`` is asked, in order, for each article
        added or updated (knowing its id) which original it duplicates, if any."""
        urls = [w.article.url for w in writes]
        if len(set(urls)) != len(urls) or any(guild_key(w.article.guild) != self._guild for w in writes):
            raise ValueError("a run of writes names each URL once, all in the batch's guild")
        await self.prefetch(urls)
        now = utcnow()
        digests = [content_hash(w.article) for w in writes]
        fresh = [i for i, url in enumerate(urls) if self._known[url] is None]
        ids: dict[int, int] = {}
        if fresh:
            # rows in order, then their ids by URL: RETURNING in parameter order would cost SQLite
            # one statement per row
            rows = [self._values(writes[i], digests[i], now) | {"url": urls[i]} for i in fresh]
            await self._session.execute(insert(ARTICLES), rows)
            by_url = await self._ids([urls[i] for i in fresh])
            ids = {i: by_url[urls[i]] for i in fresh}
        outcomes: list[SaveOutcome] = []
        marked: list[dict[str, Any]] = []  # added articles found to duplicate an earlier one
        replaced: list[dict[str, Any]] = []  # updated articles, their new values
        passages: list[dict[str, Any]] = []
        for i, write in enumerate(writes):
            known = self._known[urls[i]]
            count = len(write.article.paragraphs)
            if known is not None and known.content_hash == digests[i]:
                outcomes.append(SaveOutcome("unchanged", known.id, known.passages))
                continue
            if known is None:
                outcome = SaveOutcome("added", ids[i], count)
                if (original := duplicate_of(i, outcome)) is not None:
                    marked.append({"b_id": outcome.article_id, "b_duplicate_of": original})
                published = format_published(write.article.published)
            else:
                outcome = SaveOutcome("updated", known.id, count)
                original = duplicate_of(i, outcome)
                # a page read again often lacks the date it had: keep what we knew
                published = format_published(write.article.published) or known.published
                values = self._values(write, digests[i], now)
                values.update(published=published, duplicate_of=original if original != known.id else None)
                for fixed in ("guild_id", "ingested_at", "backfill"):
                    del values[fixed]
                replaced.append({"b_id": known.id, **{f"b_{key}": value for key, value in values.items()}})
            passages.extend(
                {"article_id": outcome.article_id, "position": n, "text": text, "key": key}
                for n, (text, key) in enumerate(zip(write.article.paragraphs, write.keys, strict=True))
            )
            self._known[urls[i]] = _Known(outcome.article_id, digests[i], published, count)
            outcomes.append(outcome)
        if replaced:
            await self._write_passages()  # an earlier run of this batch may have written them
            old = [row["b_id"] for row in replaced]
            for start in range(0, len(old), CHUNK):
                await self._session.execute(
                    delete(PASSAGES).where(PASSAGES.c.article_id.in_(old[start : start + CHUNK]))
                )
            columns: dict[str, Any] = {key[2:]: bindparam(key) for key in replaced[0] if key != "b_id"}
            await self._session.execute(
                update(ARTICLES).where(ARTICLES.c.id == bindparam("b_id")).values(columns), replaced
            )
        if marked:
            await self._session.execute(
                update(ARTICLES)
                .where(ARTICLES.c.id == bindparam("b_id"))
                .values(duplicate_of=bindparam("b_duplicate_of")),
                marked,
            )
        self._passages.extend(passages)
        # in this transaction, so every index follows the batch (knowledge.store.changes)
        await log_changes(self._session, [o.article_id for o in outcomes if o.status != "unchanged"])
        return outcomes

    async def _ids(self, urls: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for start in range(0, len(urls), CHUNK):
            result = await self._session.execute(
                select(ARTICLES.c.url, ARTICLES.c.id).where(
                    ARTICLES.c.url.in_(urls[start : start + CHUNK]), ARTICLES.c.guild_id == self._guild
                )
            )
            ids.update((url, int(article_id)) for url, article_id in result)
        return ids

    def _values(self, write: Write, digest: str, now: datetime) -> dict[str, Any]:
        article = write.article
        return {
            "guild_id": self._guild,
            "ingested_at": now,
            "backfill": False,
            "source": article.source,
            "title": article.title,
            "site": article.site,
            "published": format_published(article.published),
            "content_hash": digest,
            "fingerprint": write.fingerprint,
            "duplicate_of": None,
            "updated_at": now,
        }

    async def _write_passages(self) -> None:
        if self._passages:
            rows, self._passages = self._passages, []
            await self._session.execute(insert(PASSAGES), rows)


class BatchStore(ArticleStore):
    @asynccontextmanager
    async def batch(self, guild: int | None) -> AsyncIterator[BatchWriter]:
        """A :class:`BatchWriter` over one transaction: committed on exit, rolled back on error."""
        async with self._sessions() as session, session.begin():
            writer = BatchWriter(session, guild)
            yield writer
            await writer._write_passages()
