"""Database rows. They never leave ``store/``: callers get frozen models instead."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

GLOBAL = 0  # guild_id of articles and sources visible to every server (Discord ids are never 0)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SourceRow(Base):
    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("url", "guild_id", name="uq_sources_url_guild"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(8))
    guild_id: Mapped[int] = mapped_column(BigInteger, default=GLOBAL)
    title: Mapped[str | None] = mapped_column(Text, default=None)
    etag: Mapped[str | None] = mapped_column(String(512), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(128), default=None)
    state: Mapped[str] = mapped_column(String(8), default="active")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("url", "guild_id", name="uq_articles_url_guild"),
        Index("ix_articles_ingested_at", "ingested_at"),
        Index("ix_articles_site", "site"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    guild_id: Mapped[int] = mapped_column(BigInteger, default=GLOBAL)
    source: Mapped[str | None] = mapped_column(Text, default=None)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(String(255), default=None)
    # ISO 8601 as the publisher gave it: keeps its own offset, and a bare date stays a bare date.
    published: Mapped[str | None] = mapped_column(String(40), default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[int | None] = mapped_column(BigInteger, default=None)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), default=None
    )
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PassageRow(Base):
    __tablename__ = "passages"
    # AUTOINCREMENT: ids are never reused, so a stale search-index hit never names another passage.
    __table_args__ = (Index("ix_passages_key", "key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(16))


class DigestScheduleRow(Base):
    __tablename__ = "digest_schedules"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_posted_on: Mapped[date | None] = mapped_column(Date, default=None)
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettingRow(Base):
    """Small key/value facts the app keeps between runs (e.g. the synced command hash)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SourceClaimRow(Base):
    """A process's lease on one source while it polls it; an expired lease may be taken over."""

    __tablename__ = "source_claims"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestRunRow(Base):
    """One server's digest for one local day: claimed before posting, progress recorded per message."""

    __tablename__ = "digest_runs"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    window_until: Mapped[datetime] = mapped_column(UTCDateTime)  # the digest covers articles up to here
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str | None] = mapped_column(String(200), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent: Mapped[int] = mapped_column(Integer, default=0)  # messages already posted
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PassageVectorRow(Base):
    """Sentence embeddings of one passage (derived data: rebuilt by embedding the passage again)."""

    __tablename__ = "passage_vectors"

    passage_id: Mapped[int] = mapped_column(
        ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    model: Mapped[str] = mapped_column(String(255))
    dim: Mapped[int] = mapped_column(Integer)
    sentences: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class IndexChangeRow(Base):
    """One article whose passages changed or vanished, logged in the transaction that changed it.

    Search indexes are caches of the database: each process replays this log from its own cursor
    to bring its index up to date. ``seq`` orders the log on SQLite, which commits one writer at a
    time; on PostgreSQL, where concurrent writers commit out of ``seq`` order, ``txid`` (the writing
    transaction's id) lets a reader take only rows of transactions that can no longer commit.
    """

    __tablename__ = "index_changes"
    __table_args__ = (
        Index("ix_index_changes_txid", "txid"),
        Index("ix_index_changes_article_id", "article_id"),  # log_changes deletes an article's older rows
        {"sqlite_autoincrement": True},  # a deleted highest seq is never reused (log_changes relies on it)
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer)
    txid: Mapped[int | None] = mapped_column(BigInteger, default=None)
