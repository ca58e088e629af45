"""Frozen values that cross the library boundary (rows never leave ``store/``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

IngestStatus = Literal["added", "updated", "unchanged", "failed"]
SourceKind = Literal["feed", "page"]
SourceState = Literal["active", "paused"]


@dataclass(frozen=True, slots=True)
class Article:
    """One article: clean paragraphs plus the metadata we show next to a quote."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None = None
    site: str | None = None
    source: str | None = None
    guild: int | None = None
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "site": self.site,
            "guild": self.guild,
            "paragraphs": list(self.paragraphs),
        }


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """A stored article without its text: what ``articles list`` and ``articles show`` print."""

    article: Article  # ``paragraphs`` left empty; ``id`` set
    passages: int
    duplicate_of: int | None
    ingested_at: datetime

    def to_json(self) -> dict[str, Any]:
        a = self.article
        return {
            "id": a.id,
            "url": a.url,
            "title": a.title,
            "published": a.published.isoformat() if a.published else None,
            "site": a.site,
            "guild": a.guild,
            "source": a.source,
            "passages": self.passages,
            "duplicate_of": self.duplicate_of,
            "ingested_at": self.ingested_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Passage:
    """A stored paragraph together with the article facts needed to cite it."""

    id: int
    article_id: int
    position: int
    text: str
    url: str
    title: str
    site: str | None = None
    published: datetime | None = None
    guild: int | None = None


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the search index needs of a passage (the store reads them, the engine indexes them)."""

    id: int
    text: str
    guild: int | None
    article_id: int
    title: str


@dataclass(frozen=True, slots=True)
class Changes:
    """Articles changed after a change-log cursor, and the cursor once they are applied."""

    article_ids: tuple[int, ...]
    cursor: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    passage: Passage
    score: float

    def to_json(self) -> dict[str, Any]:
        return {
            "passage": self.passage.text,
            "url": self.passage.url,
            "title": self.passage.title,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Alternative:
    """A runner-up quote: shown behind the "Sources" button or when we abstain."""

    quote: str
    url: str
    title: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"quote": self.quote, "url": self.url, "title": self.title, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``ask`` returns; ``span`` is the answer's (start, end) inside ``quote``."""

    question: str
    answer: str | None
    quote: str | None
    passage: str | None
    url: str | None
    title: str | None
    published: datetime | None
    score: float
    abstained: bool
    site: str | None = None
    span: tuple[int, int] | None = None
    answer_date: date | None = None
    alternatives: tuple[Alternative, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "quote": self.quote,
            "passage": self.passage,
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "score": round(self.score, 4),
            "abstained": self.abstained,
            "alternatives": [alt.to_json() for alt in self.alternatives],
        }


@dataclass(frozen=True, slots=True)
class Turn:
    """An earlier question and answer in a conversation (a Discord thread)."""

    question: str
    answer: str | None = None
    url: str | None = None  # link of the article the earlier answer quoted, when it quoted one


@dataclass(frozen=True, slots=True)
class IngestResult:
    source: str
    status: IngestStatus
    articles: int = 0
    passages: int = 0
    error: str | None = None

    @classmethod
    def combine(cls, source: str, results: Sequence[IngestResult]) -> IngestResult:
        """One line per source: its strongest status and the totals of the articles it held."""
        stored = [r for r in results if r.status != "failed"]
        if results and not stored:
            return cls(source, "failed", error=results[0].error)
        status: IngestStatus = "unchanged"
        if any(r.status == "added" for r in stored):
            status = "added"
        elif any(r.status == "updated" for r in stored):
            status = "updated"
        return cls(source, status, sum(r.articles for r in stored), sum(r.passages for r in stored))

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "articles": self.articles,
            "passages": self.passages,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Source:
    """A feed or page that is polled for new articles, scoped to one server or global."""

    id: int
    url: str
    kind: SourceKind
    guild: int | None
    state: SourceState
    title: str | None = None
    failures: int = 0
    last_error: str | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    articles: int = 0
    etag: str | None = None
    last_modified: str | None = None
    backfilled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "kind": self.kind,
            "guild": self.guild,
            "state": self.state,
            "title": self.title,
            "failures": self.failures,
            "last_error": self.last_error,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "next_poll": self.next_poll.isoformat() if self.next_poll else None,
            "articles": self.articles,
        }


@dataclass(frozen=True, slots=True)
class DigestItem:
    title: str
    url: str
    site: str | None
    published: datetime | None
    lede: str


@dataclass(frozen=True, slots=True)
class Digest:
    """Articles that arrived in a window, grouped by site for display."""

    since: datetime | None
    until: datetime
    items: tuple[DigestItem, ...] = field(default=())
    total: int | None = None  # articles in the window before the limit cut them (None: all shown)
    by: str = "stored"  # what ``since`` was compared with: "stored" (ingestion) or "published"

    def by_site(self) -> dict[str, list[DigestItem]]:
        groups: dict[str, list[DigestItem]] = {}
        for item in self.items:
            groups.setdefault(item.site or "other", []).append(item)
        return groups

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "by": self.by,
            "total": len(self.items) if self.total is None else self.total,
            "items": [
                {
                    "title": i.title,
                    "url": i.url,
                    "site": i.site,
                    "published": i.published.isoformat() if i.published else None,
                    "lede": i.lede,
                }
                for i in self.items
            ],
        }


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """How many passages to return and how weak a match may be."""

    limit: int = 5
    min_score: float = 0.0


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """One server's daily digest: where, when (local wall time) and what was last posted."""

    guild: int
    channel_id: int
    time: str  # "HH:MM" local wall-clock time
    timezone: str  # IANA name
    enabled: bool = True
    last_posted_on: date | None = None  # local date of the last digest posted
    last_posted_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DigestRun:
    """A claimed daily digest: which day, where, the articles' cut-off and how many messages went out."""

    guild: int
    day: date
    channel_id: int
    until: datetime  # the digest covers articles stored up to here, on every attempt
    sent: int = 0  # messages already posted: a retry continues after them
    attempts: int = 1
