"""Articles and their passages: idempotent, transactional ingest and the reads search needs."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, bindparam, delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.models import Article, ArticleSummary, Passage
from knowledge.store.changes import log_changes
from knowledge.store.convert import (
    PASSAGE_COLUMNS,
    content_hash,
    format_published,
    guild_key,
    to_article,
    to_passage,
)
from knowledge.store.local import LocalReads
from knowledge.store.tables import GLOBAL, ArticleRow, PassageRow, utcnow

log = logging.getLogger(__name__)

# Passages with their article's citation facts, as plain rows for ``to_passage`` (statements are
# immutable: each read adds its own filter and order).
_PASSAGES = select(*PASSAGE_COLUMNS).join(ArticleRow, ArticleRow.id == PassageRow.article_id)


def _whole_articles(holding: Select[int]) -> Select[*tuple[Any, ...]]:
    """Every passage, in order, of the articles ``holding`` selects."""
    return _PASSAGES.where(PassageRow.article_id.in_(holding)).order_by(
        PassageRow.article_id, PassageRow.position
    )


# The same on the local SQLite route, with the passage ids as one JSON array: one statement for any
# number of ids, so it is compiled once (see ``knowledge.store.local``).
_HOLDING_LOCAL = _whole_articles(
    select(PassageRow.article_id).where(
        PassageRow.id.in_(select(func.json_each(bindparam("ids")).table_valued("value").c.value))
    )
)

SaveStatus = Literal["added", "updated", "unchanged"]
RELINK_WINDOW = 5000  # a server's most recent articles searched for a copy of the same page
RECENT_FINGERPRINTS = 5000  # a new article is compared with this many of the newest originals
__all__ = ["RECENT_FINGERPRINTS", "ArticleStore", "NewArticle", "SaveOutcome"]


def recurring_query(site: str, keys: Sequence[str], exclude_url: str, min_articles: int) -> Select[str]:
    """The keys among ``keys`` that at least ``min_articles`` other articles of ``site`` hold."""
    return (
        select(PassageRow.key)
        .join(ArticleRow, ArticleRow.id == PassageRow.article_id)
        .where(ArticleRow.site == site, ArticleRow.url != exclude_url, PassageRow.key.in_(set(keys)))
        .group_by(PassageRow.key)
        .having(func.count(func.distinct(PassageRow.article_id)) >= min_articles)
    )


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    status: SaveStatus
    article_id: int
    passages: int


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article that arrived in a window, with its first paragraph (for digests)."""

    article: Article
    lede: str
    ingested_at: datetime
    opening: tuple[str, ...] = ()  # the first paragraphs (up to three), the lede first


class ArticleStore:
    _sessions: async_sessionmaker[AsyncSession]
    _local: LocalReads | None

    async def save_article(
        self,
        article: Article,
        keys: Sequence[str],
        *,
        fingerprint: int | None = None,
        duplicate_of: int | None = None,
        source_id: int | None = None,
        backfill: bool = False,
    ) -> SaveOutcome:
        """Insert or replace one article and its passages in a single transaction.

        ``keys`` holds one normalised key per paragraph (same order), used to spot lines that recur
        across a site. A failure anywhere rolls back, leaving the previous version intact. Two
        writers adding the same new URL at once: the loser tries again and finds the winner's row.
        """
        try:
            return await self._save_article(article, keys, fingerprint, duplicate_of, source_id, backfill)
        except IntegrityError:
            log.info("%s was stored by another writer meanwhile; saving again", article.url)
            return await self._save_article(article, keys, fingerprint, duplicate_of, source_id, backfill)

    async def _save_article(
        self,
        article: Article,
        keys: Sequence[str],
        fingerprint: int | None,
        duplicate_of: int | None,
        source_id: int | None,
        backfill: bool,
    ) -> SaveOutcome:
        digest = content_hash(article)
        now = utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.scalar(
                select(ArticleRow).where(
                    ArticleRow.url == article.url, ArticleRow.guild_id == guild_key(article.guild)
                )
            )
            if row is not None and row.content_hash == digest:
                if source_id is not None and row.source_id is None:
                    row.source_id = source_id
                count = await session.scalar(
                    select(func.count()).select_from(PassageRow).where(PassageRow.article_id == row.id)
                )
                return SaveOutcome("unchanged", row.id, int(count or 0))
            status: SaveStatus
            if row is None:
                row = ArticleRow(
                    url=article.url,
                    guild_id=guild_key(article.guild),
                    ingested_at=now,
                    backfill=backfill,
                    source_id=source_id,
                )
                session.add(row)
                status = "added"
            else:
                await session.execute(delete(PassageRow).where(PassageRow.article_id == row.id))
                status = "updated"
            row.source = article.source
            row.title = article.title
            row.site = article.site
            # a page fetched again often lacks the date its feed entry gave: keep what we knew
            row.published = format_published(article.published) or row.published
            row.content_hash = digest
            row.fingerprint = fingerprint
            row.duplicate_of = duplicate_of if duplicate_of != row.id else None
            row.updated_at = now
            if source_id is not None:
                row.source_id = source_id
            await session.flush()
            if article.paragraphs:
                await session.execute(
                    insert(PassageRow),
                    [
                        {"article_id": row.id, "position": i, "text": para, "key": key}
                        for i, (para, key) in enumerate(zip(article.paragraphs, keys, strict=True))
                    ],
                )
            await log_changes(session, [row.id])
            return SaveOutcome(status, row.id, len(article.paragraphs))

    async def relink_local_copy(self, article: Article, *, local_url: str | None) -> tuple[str, bool]:
        """The link to store ``article`` under, so a page stored from a local file and from its real
        URL is one article, under the real URL; and whether a stored copy was relinked.

        An http(s) ``article`` takes over its copy stored from a file (``file:///...``): the one at
        ``local_url`` (that file ingested again with ``--url``), else one of the server's recent
        articles with the same content. A ``file:///`` article whose content is already among them
        under a real link is stored there. Passages are untouched: the search index needs no change.
        """
        digest = content_hash(article)
        guild = guild_key(article.guild)
        recent = (
            select(ArticleRow.id)
            .where(ArticleRow.guild_id == guild)
            .order_by(ArticleRow.id.desc())
            .limit(RELINK_WINDOW)
        )
        same_content = (ArticleRow.content_hash == digest) & ArticleRow.id.in_(recent)
        if article.url.startswith("file:"):
            async with self._sessions() as session:
                real = await session.scalar(
                    select(ArticleRow.url)
                    .where(
                        ArticleRow.guild_id == guild,
                        same_content,
                        or_(ArticleRow.url.startswith("http://"), ArticleRow.url.startswith("https://")),
                    )
                    .order_by(ArticleRow.id)
                    .limit(1)
                )
            return (real or article.url), False
        async with self._sessions() as session, session.begin():
            taken = await session.scalar(
                select(ArticleRow.id).where(ArticleRow.url == article.url, ArticleRow.guild_id == guild)
            )
            if taken is not None:  # the usual case (a page polled again): one indexed lookup
                return article.url, False
            copy_of_file = same_content & ArticleRow.url.startswith("file:")
            copy = await session.scalar(
                select(ArticleRow)
                .where(
                    ArticleRow.guild_id == guild,
                    or_(ArticleRow.url == local_url, copy_of_file) if local_url else copy_of_file,
                )
                .order_by(ArticleRow.id)
                .limit(1)
            )
            if copy is None:
                return article.url, False
            log.info("relinked %s to %s", copy.url, article.url)
            copy.url = article.url
            copy.updated_at = utcnow()
            return article.url, True

    async def bulk_add_articles(self, articles: Sequence[tuple[Article, Sequence[str]]]) -> int:
        """Add many new articles at once (archive imports, benchmarks); returns passages written.

        One multi-row INSERT ... RETURNING for the articles and one for their passages, so a large
        import costs a few statements per batch rather than a round trip per article.
        """
        if not articles:
            return 0
        now = utcnow()
        async with self._sessions() as session, session.begin():
            ids = list(
                await session.scalars(
                    insert(ArticleRow).returning(ArticleRow.id, sort_by_parameter_order=True),
                    [
                        {
                            "url": article.url,
                            "guild_id": guild_key(article.guild),
                            "source": article.source,
                            "title": article.title,
                            "site": article.site,
                            "published": format_published(article.published),
                            "content_hash": content_hash(article),
                            "backfill": False,
                            "ingested_at": now,
                            "updated_at": now,
                        }
                        for article, _ in articles
                    ],
                )
            )
            rows = [
                {"article_id": article_id, "position": i, "text": p, "key": k}
                for article_id, (article, keys) in zip(ids, articles, strict=True)
                for i, (p, k) in enumerate(zip(article.paragraphs, keys, strict=True))
            ]
            if rows:
                await session.execute(insert(PassageRow), rows)
            await log_changes(session, ids)
        return len(rows)

    async def remove_article(self, article_id: int) -> bool:
        """Delete an article and its passages; False when there is no such article.

        Near-duplicates of it become originals again (their ``duplicate_of`` is cleared), so they
        are logged as changed too: the index must start returning them.
        """
        async with self._sessions() as session, session.begin():
            row = await session.get(ArticleRow, article_id)
            if row is None:
                return False
            copies = list(
                await session.scalars(select(ArticleRow.id).where(ArticleRow.duplicate_of == article_id))
            )
            await session.delete(row)
            await session.flush()
            await log_changes(session, [article_id, *copies])
        return True

    async def find_article(self, ref: str) -> ArticleSummary | None:
        """An article by id (digits) or by URL (any guild's copy; the global one first)."""
        query = self._summaries()
        if ref.isdigit():
            query = query.where(ArticleRow.id == int(ref))
        else:
            query = query.where(ArticleRow.url == ref).order_by(ArticleRow.guild_id)
        async with self._sessions() as session:
            found = (await session.execute(query.limit(1))).first()
        return _summary(found[0], found[1]) if found else None

    async def list_articles(self, *, after_id: int = 0, limit: int = 500) -> list[ArticleSummary]:
        """Articles in ingest order after ``after_id``, with their passage counts."""
        query = self._summaries().where(ArticleRow.id > after_id).order_by(ArticleRow.id).limit(limit)
        async with self._sessions() as session:
            return [_summary(row, count) for row, count in await session.execute(query)]

    @staticmethod
    def _summaries() -> Select[ArticleRow, int]:
        counts = (
            select(func.count(PassageRow.id))
            .where(PassageRow.article_id == ArticleRow.id)
            .correlate(ArticleRow)
            .scalar_subquery()
        )
        return select(ArticleRow, counts)

    async def recurring_keys(
        self, site: str, keys: Sequence[str], *, exclude_url: str, min_articles: int = 3
    ) -> set[str]:
        """Paragraph keys already seen in at least ``min_articles`` other articles of this site."""
        if not keys:
            return set()
        async with self._sessions() as session:
            result = await session.execute(recurring_query(site, keys, exclude_url, min_articles))
            return {key for (key,) in result}

    async def known_urls(self, urls: Sequence[str], *, guild: int | None) -> set[str]:
        """Which of these canonical URLs are already stored as articles ``guild`` can see."""
        if not urls:
            return set()
        async with self._sessions() as session:
            result = await session.scalars(
                select(ArticleRow.url).where(
                    ArticleRow.url.in_(set(urls)), ArticleRow.guild_id.in_({GLOBAL, guild_key(guild)})
                )
            )
            return set(result)

    async def recent_fingerprints(
        self, guild: int | None, *, exclude_url: str, limit: int = RECENT_FINGERPRINTS
    ) -> list[tuple[int, int]]:
        """(article id, fingerprint) of recent originals a new article could duplicate."""
        async with self._sessions() as session:
            result = await session.execute(
                select(ArticleRow.id, ArticleRow.fingerprint)
                .where(
                    ArticleRow.fingerprint.is_not(None),
                    ArticleRow.duplicate_of.is_(None),
                    ArticleRow.url != exclude_url,
                    ArticleRow.guild_id.in_({GLOBAL, guild_key(guild)}),
                )
                .order_by(ArticleRow.id.desc())
                .limit(limit)
            )
            return [(int(i), int(f)) for i, f in result if f is not None]

    async def iter_articles(self, batch: int = 200) -> AsyncIterator[Article]:
        """Every article with its paragraphs, in ingest order, a batch at a time."""
        last = 0
        while True:
            async with self._sessions() as session:
                rows = list(
                    await session.scalars(
                        select(ArticleRow).where(ArticleRow.id > last).order_by(ArticleRow.id).limit(batch)
                    )
                )
                if not rows:
                    return
                paragraphs: dict[int, list[str]] = {row.id: [] for row in rows}
                result = await session.execute(
                    select(PassageRow.article_id, PassageRow.text)
                    .where(PassageRow.article_id.in_(paragraphs))
                    .order_by(PassageRow.article_id, PassageRow.position)
                )
                for article_id, para in result:
                    paragraphs[article_id].append(para)
            for row in rows:
                yield to_article(row, tuple(paragraphs[row.id]))
            last = rows[-1].id

    async def count_passages(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(PassageRow)) or 0)

    async def live_passage_ids(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        async with self._sessions() as session:
            result = await session.scalars(select(PassageRow.id).where(PassageRow.id.in_(set(ids))))
            return set(result)

    async def get_passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        """Passages by id with their article's citation facts; missing ids are simply absent."""
        if not ids:
            return {}
        async with self._sessions() as session:
            result = await session.execute(_PASSAGES.where(PassageRow.id.in_(set(ids))))
            return {p.id: p for p in map(to_passage, result)}

    async def article_passages(self, article_id: int) -> list[Passage]:
        async with self._sessions() as session:
            result = await session.execute(
                _PASSAGES.where(PassageRow.article_id == article_id).order_by(PassageRow.position)
            )
            return [to_passage(row) for row in result]

    async def articles_holding(self, passage_ids: Sequence[int]) -> dict[int, list[Passage]]:
        """Whole articles of the articles these passages belong to, in order, in one query.

        What answering reads for its candidates: the passages that still exist, with their context.
        """
        if not passage_ids:
            return {}
        ids = sorted(set(passage_ids))
        if self._local is not None:
            rows: Sequence[Sequence[Any]] = self._local.rows(_HOLDING_LOCAL, {"ids": json.dumps(ids)})
        else:
            holding = select(PassageRow.article_id).where(PassageRow.id.in_(ids))
            async with self._sessions() as session:
                rows = (await session.execute(_whole_articles(holding))).all()
        out: dict[int, list[Passage]] = {}
        for passage in map(to_passage, rows):
            out.setdefault(passage.article_id, []).append(passage)
        return out

    async def new_articles(
        self, *, guild: int | None, since: datetime | None, until: datetime, limit: int = 100
    ) -> list[NewArticle]:
        """Newest articles first stored in (since, until] that ``guild`` sees; no backfill or duplicates."""
        async with self._sessions() as session:
            query = (
                select(ArticleRow)
                .where(
                    ArticleRow.ingested_at <= until,
                    ArticleRow.backfill.is_(False),
                    ArticleRow.duplicate_of.is_(None),
                    ArticleRow.guild_id.in_({GLOBAL, guild_key(guild)}),
                )
                .order_by(ArticleRow.ingested_at.desc(), ArticleRow.id.desc())
                .limit(limit)
            )
            if since is not None:
                query = query.where(ArticleRow.ingested_at > since)
            rows = list(await session.scalars(query))
            openings: dict[int, list[str]] = {}
            if rows:
                result = await session.execute(
                    select(PassageRow.article_id, PassageRow.text, PassageRow.position)
                    .where(PassageRow.article_id.in_([r.id for r in rows]), PassageRow.position < 3)
                    .order_by(PassageRow.article_id, PassageRow.position)
                )
                for article_id, para, _ in result:
                    openings.setdefault(article_id, []).append(para)
            return [
                NewArticle(
                    to_article(r, ()),
                    (openings.get(r.id) or [""])[0],
                    r.ingested_at,
                    tuple(openings.get(r.id, ())),
                )
                for r in rows
            ]

    async def count_new_articles(self, *, guild: int | None, since: datetime | None, until: datetime) -> int:
        """How many articles :meth:`new_articles` would return without its limit."""
        async with self._sessions() as session:
            query = (
                select(func.count())
                .select_from(ArticleRow)
                .where(
                    ArticleRow.ingested_at <= until,
                    ArticleRow.backfill.is_(False),
                    ArticleRow.duplicate_of.is_(None),
                    ArticleRow.guild_id.in_({GLOBAL, guild_key(guild)}),
                )
            )
            if since is not None:
                query = query.where(ArticleRow.ingested_at > since)
            return int(await session.scalar(query) or 0)

    async def article_count(self, *, guild: int | None = None, include_all: bool = True) -> int:
        async with self._sessions() as session:
            query = select(func.count()).select_from(ArticleRow)
            if not include_all:
                query = query.where(
                    or_(ArticleRow.guild_id == GLOBAL, ArticleRow.guild_id == guild_key(guild))
                )
            return int(await session.scalar(query) or 0)


def _summary(row: ArticleRow, passages: int) -> ArticleSummary:
    return ArticleSummary(
        article=to_article(row, ()),
        passages=int(passages or 0),
        duplicate_of=row.duplicate_of,
        ingested_at=row.ingested_at,
    )
