"""Row <-> model conversion, so rows stay inside ``store/``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from knowledge.ingest.text import passage_key as passage_key  # the store's name for it
from knowledge.models import Article, Passage, Source, SourceKind, SourceState
from knowledge.store.tables import GLOBAL, ArticleRow, PassageRow, SourceRow


def guild_key(guild: int | None) -> int:
    return GLOBAL if guild is None else guild


def guild_of(guild_id: int) -> int | None:
    return None if guild_id == GLOBAL else guild_id


def parse_published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def format_published(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def content_hash(article: Article) -> str:
    """What makes a new version: title, date and the paragraphs, in order."""
    digest = hashlib.sha256()
    for part in (article.title, format_published(article.published) or "", *article.paragraphs):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


# The columns a Passage is made of, selected as plain rows: answering loads whole articles on every
# ask, and building ORM objects for them cost more than the query itself.
PASSAGE_COLUMNS = (
    PassageRow.id,
    PassageRow.article_id,
    PassageRow.position,
    PassageRow.text,
    ArticleRow.url,
    ArticleRow.title,
    ArticleRow.site,
    ArticleRow.published,
    ArticleRow.guild_id,
)


def to_passage(row: Sequence[Any]) -> Passage:
    """A Passage from a row of ``PASSAGE_COLUMNS``."""
    pid, article_id, position, text, url, title, site, published, guild_id = row
    return Passage(
        id=pid,
        article_id=article_id,
        position=position,
        text=text,
        url=url,
        title=title,
        site=site,
        published=parse_published(published),
        guild=guild_of(guild_id),
    )


def to_article(row: ArticleRow, paragraphs: tuple[str, ...]) -> Article:
    return Article(
        url=row.url,
        title=row.title,
        paragraphs=paragraphs,
        published=parse_published(row.published),
        site=row.site,
        source=row.source,
        guild=guild_of(row.guild_id),
        id=row.id,
    )


def to_source(row: SourceRow, articles: int = 0) -> Source:
    kind: SourceKind = "feed" if row.kind == "feed" else "page"
    state: SourceState = "paused" if row.state == "paused" else "active"
    return Source(
        id=row.id,
        url=row.url,
        kind=kind,
        guild=guild_of(row.guild_id),
        state=state,
        title=row.title,
        failures=row.failures,
        last_error=row.last_error,
        last_success=row.last_success_at,
        next_poll=row.next_poll_at,
        articles=articles,
        etag=row.etag,
        last_modified=row.last_modified,
        backfilled=row.backfilled,
    )
