"""Row <-> model conversion, so rows stay inside ``store/``."""

from __future__ import annotations

import hashlib
from datetime import datetime

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


def to_passage(row: PassageRow, article: ArticleRow) -> Passage:
    return Passage(
        id=row.id,
        article_id=article.id,
        position=row.position,
        text=row.text,
        url=article.url,
        title=article.title,
        site=article.site,
        published=parse_published(article.published),
        guild=guild_of(article.guild_id),
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
