"""Knowledge: the one facade the bot, the CLI and the benchmarks call."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp

from knowledge import digest as digests
from knowledge.answer import Answerer, check_question
from knowledge.config import Settings
from knowledge.errors import InvalidInput
from knowledge.files import expand
from knowledge.importer import Importer, relink
from knowledge.importer import ProgressCallback as ImportProgressCallback
from knowledge.ingest.dedupe import as_prints, first_near_duplicate
from knowledge.ingest.fetch import Fetcher, Resolver
from knowledge.ingest.limits import shown
from knowledge.ingest.local import prepare, without_recurring
from knowledge.metrics import record_article
from knowledge.models import (
    Answer,
    Article,
    ArticleSummary,
    Digest,
    DigestRun,
    DigestSchedule,
    IngestResult,
    SearchHit,
    SearchOptions,
    Source,
    Turn,
)
from knowledge.poller import Poller, ProgressCallback, backoff_delay, worker_name
from knowledge.retrieval.candidates import IndexStatus
from knowledge.retrieval.engine import SearchEngine, index_dir_for
from knowledge.semantic.embedder import load_embedder
from knowledge.semantic.vectors import Progress as EmbedProgress
from knowledge.semantic.vectors import SemanticIndex
from knowledge.store import NewArticle, Store

log = logging.getLogger(__name__)

FIRST_DIGEST_LIMIT = 50
PUBLISHED_SCAN = 10_000  # a digest by publication date looks at this many of the newest stored articles
DIGEST_LEASE = timedelta(minutes=5)  # a digest claim outlives a crashed poster this long
DIGEST_RETRY = timedelta(minutes=2)  # first wait after a failed post, doubling ...
DIGEST_RETRY_CAP = timedelta(hours=2)  # ... up to this


class Knowledge:
    """Ingest, ask, search and digest over one database, one HTTP session and one search index."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: aiohttp.ClientSession,
        *,
        resolver: Resolver | None = None,
        owns_http: bool = False,
        worker: str | None = None,
    ) -> None:
        self.settings = settings
        self.worker = worker or worker_name()  # who holds this process's claims
        self.store = store
        self.http = http
        self._owns_http = owns_http
        self.engine = SearchEngine(store, self.index_directory(settings))
        embedder = load_embedder(settings.embedding_model)
        self.semantic = SemanticIndex(store, embedder) if embedder is not None else None
        self.answerer = Answerer(self.engine, semantic=self.semantic)
        self.fetcher = Fetcher(http, allowed_hosts=settings.allowed_hosts, resolver=resolver)
        self.poller = Poller(
            store=store,
            fetcher=self.fetcher,
            save=self.store_article,
            interval=timedelta(minutes=settings.poll_minutes),
            worker=self.worker,
            lease=timedelta(seconds=settings.lease_seconds),
        )

    @staticmethod
    def index_directory(settings: Settings) -> Path | None:
        """Where the search index of ``settings`` lives (None: in memory)."""
        return index_dir_for(settings.database_url, settings.index_dir)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        http: aiohttp.ClientSession | None = None,
        resolver: Resolver | None = None,
        worker: str | None = None,
    ) -> Knowledge:
        """Connect to the database (migrating it) and prepare fetching and search."""
        store = await Store.open(settings.database_url)
        owns_http = http is None
        session = http or aiohttp.ClientSession()
        return cls(settings, store, session, resolver=resolver, owns_http=owns_http, worker=worker)

    async def close(self) -> None:
        self.engine.close()
        if self._owns_http:
            await self.http.close()
        await self.store.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- ingest -----------------------------------------------------------------------------------

    async def ingest(
        self,
        source: str,
        *,
        url: str | None = None,
        guild: int | None = None,
        progress: ImportProgressCallback | None = None,
    ) -> list[IngestResult]:
        """Ingest a URL (article or feed), a file, or every file of a directory; one result each.

        Files are extracted on every core and stored in batches (:mod:`knowledge.importer`);
        ``progress`` hears how far that is after each batch.
        """
        if source.startswith(("http://", "https://")):
            result = await self.poller.ingest_url(source, guild=guild)
            await self._after_writes()
            return [result]
        paths = list(expand(source))
        if url is not None and len(paths) != 1:
            return [
                IngestResult(
                    source, "failed", error="--url names the link of a single file, not a directory."
                )
            ]
        if not paths:
            return [IngestResult(source, "failed", error=f"{source}: the directory holds no files.")]
        # one file is what `--url` fixes the link of: it takes over its earlier copy (a lookup an
        # article, which a whole directory does not pay)
        results = await Importer(self.store).run(
            paths, url=url, guild=guild, progress=progress, relink=len(paths) == 1
        )
        await self._after_writes()
        return results

    async def _after_writes(self) -> None:
        """What follows every ingest: this process's index applies its changes, then embeddings."""
        await self.engine.catch_up(wait=True)
        await self.embed_pending()

    async def embed_pending(self, progress: EmbedProgress | None = None) -> int:
        """Embed the sentences of passages stored without vectors (no-op without the semantic extra)."""
        if self.semantic is None:
            return 0
        return await self.semantic.embed_pending(progress)

    async def store_article(
        self, article: Article, *, source_id: int | None = None, backfill: bool = False
    ) -> IngestResult:
        """Store one article: canonical URL, site-wide boilerplate dropped, near-duplicates marked."""
        ready = prepare(article)
        if isinstance(ready, IngestResult):
            return ready
        ready, relinked = await relink(self.store, ready)
        article = ready.article
        if article.site:
            recurring = await self.store.recurring_keys(article.site, ready.keys, exclude_url=article.url)
            ready = without_recurring(ready, recurring)
            article = ready.article
        if not article.paragraphs:
            return IngestResult(article.source or article.url, "failed", error="The article has no text.")
        recent = await self.store.recent_fingerprints(article.guild, exclude_url=article.url)
        hit = first_near_duplicate(ready.fingerprint, as_prints([other for _, other in recent]))
        outcome = await self.store.save_article(
            article,
            ready.keys,
            fingerprint=ready.fingerprint,
            duplicate_of=recent[hit][0] if hit is not None else None,
            source_id=source_id,
            backfill=backfill,
        )
        if outcome.status != "unchanged":
            self.engine.note_changed([outcome.article_id])  # searchable when this ingest returns
        status = "updated" if relinked and outcome.status == "unchanged" else outcome.status  # a new link
        log.info("%s %s (%d passages)", status, article.url, outcome.passages)
        record_article(status)
        return IngestResult(article.source or article.url, status, 1, outcome.passages)

    def export(self) -> AsyncIterator[Article]:
        return self.store.iter_articles()

    # -- the archive and its index ----------------------------------------------------------------

    async def find_article(self, ref: str) -> ArticleSummary:
        """An article by id or URL; :class:`InvalidInput` naming ``ref`` when there is none."""
        found = await self.store.find_article(ref.strip())
        if found is None:
            raise InvalidInput(f"No article has the id or URL {shown(ref.strip(), 120)!r}.")
        return found

    async def list_articles(self) -> AsyncIterator[ArticleSummary]:
        """Every stored article in ingest order, without its text."""
        after = 0
        while batch := await self.store.list_articles(after_id=after):
            for summary in batch:
                yield summary
            after = batch[-1].article.id or after

    async def article_text(self, article_id: int) -> list[str]:
        return [p.text for p in await self.store.article_passages(article_id)]

    async def remove_article(self, ref: str) -> ArticleSummary:
        """Delete an article (by id or URL) and its passages; this process's index follows at once."""
        found = await self.find_article(ref)
        article_id = found.article.id or 0
        if not await self.store.remove_article(article_id):
            raise InvalidInput(f"No article has the id or URL {shown(ref.strip(), 120)!r}.")
        self.engine.note_changed([article_id])
        await self.engine.catch_up(wait=True)
        return found

    async def rebuild_index(self) -> int:
        """Build this process's search index again from the database; returns passages indexed."""
        return await self.engine.rebuild()

    async def check_index(self) -> str | None:
        """Why this process's index disagrees with the database, or None when it agrees."""
        return await self.engine.check()

    # -- questions --------------------------------------------------------------------------------

    async def ask(self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()) -> Answer:
        """Answer with the best sentence in the archive, or abstain when unsure."""
        return await self.answerer.answer(question, guild=guild, context=context)

    async def index_status(self) -> IndexStatus:
        """How far this process's search index is behind the database."""
        return await self.engine.status()

    async def catch_up(self) -> int:
        """Bring this process's search index up to the database now (a new process warms up)."""
        return await self.engine.catch_up(wait=True)

    async def ping(self) -> None:
        """Raise unless the database answers (readiness checks)."""
        await self.store.ping()

    async def search(
        self, query: str, options: SearchOptions | None = None, *, guild: int | None = None
    ) -> list[SearchHit]:
        options = options or SearchOptions()
        cleaned = check_question(query)
        if options.limit < 1 or options.limit > 100:
            raise InvalidInput("The number of results must be between 1 and 100.")
        return await self.engine.search(cleaned, options, guild=guild)

    # -- sources ----------------------------------------------------------------------------------

    async def add_source(self, url: str, *, guild: int | None = None) -> tuple[Source, list[IngestResult]]:
        """Register a feed or page and ingest what it holds now."""
        added = await self.poller.add_source(url, guild=guild)
        await self._after_writes()
        return added

    async def list_sources(self, *, guild: int | None = None, all_guilds: bool = False) -> list[Source]:
        return await self.store.list_sources(guild=guild, all_guilds=all_guilds)

    async def remove_source(
        self, source_id: int, *, guild: int | None = None, any_guild: bool = False
    ) -> Source:
        return await self.store.remove_source(source_id, guild=guild, any_guild=any_guild)

    async def poll_due(
        self, *, progress: ProgressCallback | None = None, every: bool = False
    ) -> list[IngestResult]:
        """Poll every source that is due once (``every``: every active source now, due or not)."""
        results = await self.poller.poll_due(progress=progress, every=every)
        await self._after_writes()
        return results

    # -- digest -----------------------------------------------------------------------------------

    async def digest(
        self,
        *,
        guild: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = FIRST_DIGEST_LIMIT,
        by_published: bool = False,
    ) -> Digest:
        """Articles that arrived after ``since`` and up to ``until`` (default now), newest first.

        ``by_published`` compares ``since`` with each article's publication date where it is known
        (the time it was stored otherwise). ``Digest.total`` counts what the limit left out too.
        """
        until = until or datetime.now(UTC)
        if by_published:
            return await self._digest_by_published(guild=guild, since=since, until=until, limit=limit)
        articles = await self.store.new_articles(guild=guild, since=since, until=until, limit=limit)
        total = len(articles)
        if total >= limit:
            total = await self.store.count_new_articles(guild=guild, since=since, until=until)
        return digests.build_digest(articles, since=since, until=until, total=total)

    async def _digest_by_published(
        self, *, guild: int | None, since: datetime | None, until: datetime, limit: int
    ) -> Digest:
        stored = await self.store.new_articles(guild=guild, since=since, until=until, limit=PUBLISHED_SCAN)

        def when(new: NewArticle) -> datetime:
            published = new.article.published
            if published is None:
                return new.ingested_at
            return published if published.tzinfo else published.replace(tzinfo=UTC)

        fresh = sorted((n for n in stored if since is None or when(n) > since), key=when, reverse=True)
        return digests.build_digest(fresh[:limit], since=since, until=until, total=len(fresh), by="published")

    async def guild_digest(self, guild: int, *, until: datetime | None = None) -> Digest:
        """The digest a server would get now (or at ``until``): what is new since its last digest."""
        schedule = await self.store.get_schedule(guild)
        since = schedule.last_posted_at if schedule else None
        return await self.digest(guild=guild, since=since, until=until)

    async def set_digest(self, guild: int, channel_id: int, time: str, timezone: str) -> DigestSchedule:
        hhmm = digests.parse_time(time)
        zone = digests.parse_timezone(timezone)
        return await self.store.set_schedule(guild, channel_id, hhmm, zone.key)

    async def disable_digest(self, guild: int) -> bool:
        return await self.store.disable_schedule(guild)

    async def get_digest(self, guild: int) -> DigestSchedule | None:
        return await self.store.get_schedule(guild)

    async def due_digests(self, now: datetime) -> list[tuple[DigestSchedule, date]]:
        """Schedules whose digest should be posted now, with the local day each one is for."""
        due = []
        for schedule in await self.store.enabled_schedules():
            day = digests.due_date(schedule, now)
            if day is not None:
                due.append((schedule, day))
        return due

    async def record_digest(
        self, guild: int, *, for_date: date | None, at: datetime, error: str | None = None
    ) -> None:
        await self.store.record_posting(guild, for_date=for_date, at=at, error=error)

    # -- digest claims: one digest per server per local day across every process --------------------

    async def claim_digest(self, schedule: DigestSchedule, day: date, now: datetime) -> DigestRun | None:
        """Claim ``day``'s digest of ``schedule``'s server for this process, or None when it is done,
        held by another process, or waiting out the delay after a failed post."""
        return await self.store.claim_digest_run(
            schedule.guild,
            day,
            channel_id=schedule.channel_id,
            now=now,
            owner=self.worker,
            lease=DIGEST_LEASE,
        )

    async def digest_sent(self, run: DigestRun, sent: int) -> bool:
        """Record that the first ``sent`` messages are posted; False if this process lost the claim."""
        return await self.store.digest_run_progress(
            run, sent=sent, owner=self.worker, claimed_until=datetime.now(UTC) + DIGEST_LEASE
        )

    async def finish_digest(self, run: DigestRun, *, error: str | None = None) -> bool:
        """The day's digest is out (``error``: a message Discord refused for good, the rest posted)."""
        return await self.store.finish_digest_run(run, owner=self.worker, at=datetime.now(UTC), error=error)

    async def postpone_digest(self, run: DigestRun, error: str, now: datetime) -> datetime:
        """Posting failed: record why and when to try again (backing off, not every minute)."""
        delay = backoff_delay(run.attempts, DIGEST_RETRY, DIGEST_RETRY_CAP, self.poller.rng)
        retry_at = now + delay
        await self.store.postpone_digest_run(run, owner=self.worker, error=error, retry_at=retry_at)
        return retry_at

    async def release_claims(self) -> None:
        """Give back every source lease and unfinished digest this process holds (shutdown)."""
        await self.poller.release_claims()
        await self.store.release_digest_runs(owner=self.worker)
