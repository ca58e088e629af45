"""Keeps sources up to date: polls each due feed or page once and stores what is new.

Due times, validators and failure counts live in the database (``sources`` table), so a restart
picks up exactly where the last run stopped: nothing polled early (no flood), nothing skipped.
A source that keeps failing backs off exponentially and is paused after ``max_failures`` with
the reason recorded, so ``sources list`` shows why it stopped.

Several processes may poll one database: each due source is leased to exactly one of them for the
round (renewed while the poll runs, given back when it ends), and a lease left by a process that
died expires after ``lease``, so another process takes the source over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from knowledge.errors import BlockedURL, InvalidInput, NewsdeskError, SourceError
from knowledge.ingest.extract import decode_html, extract_html, extract_text
from knowledge.ingest.feeds import Feed, FeedEntry, entry_article, parse_feed
from knowledge.ingest.fetch import Fetcher, FetchResult, RetryLater
from knowledge.ingest.limits import url_problem
from knowledge.ingest.urls import canonical_url, same_site
from knowledge.metrics import record_polls
from knowledge.models import Article, IngestResult, Source, SourceKind

log = logging.getLogger(__name__)


class SourceRepository(Protocol):
    """The part of ``knowledge.store.Store`` the poller uses."""

    async def add_source(
        self, url: str, kind: SourceKind, *, guild: int | None, title: str | None = None
    ) -> Source: ...

    async def get_source(self, source_id: int) -> Source: ...

    async def find_source(self, url: str, *, guild: int | None) -> Source | None: ...

    async def due_sources(self, now: datetime, *, limit: int = 100) -> list[Source]: ...

    async def update_source(self, source_id: int, **fields: Any) -> None: ...

    async def make_sources_due(self, now: datetime) -> int: ...

    async def claim_due_sources(
        self, now: datetime, *, owner: str, lease: timedelta, limit: int = 100
    ) -> list[Source]: ...

    async def renew_source_claims(
        self, source_ids: Collection[int], *, owner: str, until: datetime
    ) -> int: ...

    async def release_source_claims(
        self, source_ids: Collection[int] | None = None, *, owner: str
    ) -> None: ...


class SaveArticle(Protocol):
    """``Knowledge.store_article``: canonical URL, boilerplate and near-duplicate handling, save."""

    async def __call__(
        self, article: Article, *, source_id: int | None = None, backfill: bool = False
    ) -> IngestResult: ...


PageExtractor = Callable[[FetchResult], Article]
ProgressCallback = Callable[["PollProgress"], None]


@dataclass(frozen=True, slots=True)
class PollProgress:
    """Reported after each source of a ``poll_due`` run (for the CLI's progress bar)."""

    done: int
    total: int
    source: Source
    result: IngestResult


@dataclass(frozen=True, slots=True)
class Classified:
    """A fetched URL and what it turned out to be."""

    kind: SourceKind
    result: FetchResult
    feed: Feed | None = None


def extract_page(result: FetchResult) -> Article:
    """Article from a fetched page or text file; a same-site rel=canonical link replaces the URL."""
    if result.kind == "text":
        return extract_text(decode_html(result.content, result.charset), url=result.url)
    article = extract_html(result.content, declared_charset=result.charset)
    claimed = urljoin(result.url, article.url) if article.url else ""
    # A page may only claim to be the canonical copy of a URL on its own site.
    url = claimed if claimed and same_site(claimed, result.url) else result.url
    host = urlsplit(url).hostname or ""
    return replace(article, url=url, site=host.removeprefix("www.") or article.site)


def worker_name() -> str:
    """Who holds a claim: host and process id, enough for an operator to find the process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_delay(failures: int, base: timedelta, cap: timedelta, rng: random.Random) -> timedelta:
    """Exponential backoff with "equal jitter": half the step fixed, half random."""
    step = min(cap.total_seconds(), base.total_seconds() * 2 ** max(0, failures - 1))
    return timedelta(seconds=step / 2 + rng.uniform(0, step / 2))


def _updated_since(entry: FeedEntry, since: datetime | None) -> bool:
    """True when the feed marks ``entry`` as edited after the last successful poll."""
    if since is None or entry.updated is None:
        return False
    return entry.updated > since and (entry.published is None or entry.updated > entry.published)


class Poller:
    """Polls sources and ingests new articles; collaborators are passed in, none are global."""

    def __init__(
        self,
        *,
        store: SourceRepository,
        fetcher: Fetcher,
        save: SaveArticle,
        interval: timedelta = timedelta(minutes=15),
        extract: PageExtractor = extract_page,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        max_failures: int = 5,
        max_backoff: timedelta = timedelta(hours=24),
        max_entries: int = 50,
        concurrency: int = 4,
        worker: str | None = None,
        lease: timedelta = timedelta(minutes=2),
        poll_budget: timedelta = timedelta(seconds=60),
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.save = save
        self.interval = interval
        self.extract = extract
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self.max_failures = max_failures
        self.max_backoff = max_backoff
        self.max_entries = max_entries
        self.concurrency = concurrency
        self.worker = worker or worker_name()
        self.lease = lease
        # One source's whole poll (every entry page) shares this budget, not just each URL: once
        # it is spent, the remaining entries are stored from the feed's own text.
        self.poll_budget = poll_budget
        # Entry URLs already stored, per guild: saves re-fetching pages within one process even
        # when the store cannot answer ``known_urls`` (a cache; the database stays the truth).
        self._seen: OrderedDict[tuple[int | None, str], None] = OrderedDict()

    # -- public entry points ----------------------------------------------------------------------

    async def fetch_and_classify(self, url: str) -> Classified:
        """Fetch ``url`` and tell whether it is a feed (parsed) or a page. Raises SourceError."""
        result = await self.fetcher.fetch(url)
        if result.kind in ("feed", "jsonfeed"):
            feed = await asyncio.to_thread(parse_feed, result.content, url=result.url, charset=result.charset)
            return Classified("feed", result, feed)
        return Classified("page", result)

    async def ingest_url(self, url: str, *, guild: int | None = None) -> IngestResult:
        """One-off ingest of an article or feed URL (``newsdesk ingest URL``); never raises."""
        try:
            classified = await self.fetch_and_classify(url)
            return await self._ingest(classified, url, source_id=None, guild=guild, backfill=False)
        except NewsdeskError as exc:
            return IngestResult(url, "failed", error=str(exc))

    async def add_source(self, url: str, *, guild: int | None = None) -> tuple[Source, list[IngestResult]]:
        """Register a feed or page and ingest what it holds now (a feed's entries as backfill).

        Raises (BlockedURL, FetchError, FeedError, InvalidInput when already added) before anything
        is stored, so a bad URL leaves the database untouched. Adding a paused source again is how
        an admin resumes it once its site is fixed: it is polled at once with a clean slate.
        """
        url = canonical_url(url)
        if (problem := url_problem(url, what="source")) is not None:
            raise InvalidInput(problem)
        existing = await self.store.find_source(url, guild=guild)
        if existing is not None and existing.state == "paused":
            await self.store.update_source(
                existing.id, state="active", failures=0, last_error=None, next_poll_at=self.clock()
            )
            result = await self.poll_source(await self.store.get_source(existing.id))
            return await self.store.get_source(existing.id), [result]
        if existing is not None:
            raise InvalidInput(f"{url} is already a source here (id {existing.id}).")
        classified = await self.fetch_and_classify(url)
        if classified.feed is None:
            article = await asyncio.to_thread(self.extract, classified.result)  # fails before storing
            source = await self.store.add_source(url, "page", guild=guild, title=article.title)
            result = await self.save(replace(article, guild=guild, source=url), source_id=source.id)
        else:
            source = await self.store.add_source(url, "feed", guild=guild, title=classified.feed.title)
            result = await self._ingest_feed(
                classified.feed, url, source_id=source.id, guild=guild, backfill=True
            )
        await self._record_success(source, classified.result)
        return await self.store.get_source(source.id), [result]

    async def poll_due(
        self, *, progress: ProgressCallback | None = None, every: bool = False
    ) -> list[IngestResult]:
        """Poll every source whose time has come and that no other process holds, once each.

        The sources are leased first (see the module docstring); a cancelled round (shutdown) gives
        its leases back at once so another process can poll them right away. ``every`` makes every
        active source due now first (``newsdesk poll --all``).
        """
        if every:
            await self.store.make_sources_due(self.clock())
        sources = await self.store.claim_due_sources(self.clock(), owner=self.worker, lease=self.lease)
        if not sources:
            record_polls([])
            return []
        held = {s.id for s in sources}
        renewing = asyncio.create_task(self._renew_claims(held))
        gate = asyncio.Semaphore(self.concurrency)
        done = 0

        async def one(source: Source) -> IngestResult:
            nonlocal done
            async with gate:
                try:
                    result = await self.poll_source(source)
                finally:
                    held.discard(source.id)
                    await self.store.release_source_claims([source.id], owner=self.worker)
            done += 1
            if progress is not None:
                progress(PollProgress(done, len(sources), source, result))
            return result

        try:
            results = list(await asyncio.gather(*(one(s) for s in sources)))
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if held:
                await asyncio.shield(self.store.release_source_claims(set(held), owner=self.worker))
        record_polls(results)
        return results

    async def _renew_claims(self, held: set[int]) -> None:
        """Keep the leases of sources still being polled alive (a third of the lease at a time)."""
        step = max(self.lease.total_seconds() / 3, 0.05)
        while held:
            await asyncio.sleep(step)
            try:
                await self.store.renew_source_claims(
                    set(held), owner=self.worker, until=self.clock() + self.lease
                )
            except Exception as error:  # a database hiccup: the next renewal or the lease covers it
                log.warning("could not renew source claims: %s", error)

    async def release_claims(self) -> None:
        """Give back every lease this worker holds (graceful shutdown)."""
        await self.store.release_source_claims(owner=self.worker)

    async def poll_source(self, source: Source) -> IngestResult:
        """Poll one source now, record the outcome and schedule the next poll; never raises."""
        try:
            result = await self.fetcher.fetch(
                source.url, etag=source.etag, last_modified=source.last_modified
            )
            if result.not_modified:
                outcome = IngestResult(source.url, "unchanged")
            else:
                feed = None
                if result.kind in ("feed", "jsonfeed"):
                    feed = await asyncio.to_thread(
                        parse_feed, result.content, url=result.url, charset=result.charset
                    )
                classified = Classified("feed" if feed else "page", result, feed)
                outcome = await self._ingest(
                    classified,
                    source.url,
                    source_id=source.id,
                    guild=source.guild,
                    backfill=not source.backfilled,
                    since=source.last_success,
                )
                if outcome.status == "failed" and classified.kind == "page":
                    raise SourceError(outcome.error or "nothing could be stored")
        except NewsdeskError as exc:
            return await self._record_failure(source, exc)
        except Exception as exc:  # a bug must not stop the other sources; it is logged in full
            log.exception("polling %s failed unexpectedly", source.url)
            return await self._record_failure(source, exc)
        await self._record_success(source, result)
        return outcome

    # -- ingesting --------------------------------------------------------------------------------

    async def _ingest(
        self,
        classified: Classified,
        source_url: str,
        *,
        source_id: int | None,
        guild: int | None,
        backfill: bool,
        since: datetime | None = None,
    ) -> IngestResult:
        if classified.feed is None:
            article = await asyncio.to_thread(self.extract, classified.result)
            article = replace(article, guild=guild, source=source_url)
            return await self.save(article, source_id=source_id)
        return await self._ingest_feed(
            classified.feed, source_url, source_id=source_id, guild=guild, backfill=backfill, since=since
        )

    async def _ingest_feed(
        self,
        feed: Feed,
        source_url: str,
        *,
        source_id: int | None,
        guild: int | None,
        backfill: bool,
        since: datetime | None = None,
    ) -> IngestResult:
        """Ingest the feed's new entries, and known ones the feed says were updated after ``since``.

        At most ``max_entries`` entries are read per poll, and their pages share ``poll_budget``.
        """
        entries: dict[str, FeedEntry] = {}
        for entry in feed.entries:
            if entry.url is None:
                log.debug("skipping an entry without a link in %s: %r", source_url, entry.title)
                continue
            url = canonical_url(entry.url)
            if (problem := url_problem(url)) is not None:  # never storable: said once, then skipped
                if (guild, url) not in self._seen:
                    log.warning("skipping an entry of %s: %s", source_url, problem)
                    self._remember(guild, url)
                continue
            entries.setdefault(url, entry)
        chosen = list(entries.items())[: self.max_entries]
        if len(entries) > len(chosen):
            log.info("%s: reading the first %d of %d entries", source_url, len(chosen), len(entries))
        known = await self._known([url for url, _ in chosen], guild)
        new = [(url, entry) for url, entry in chosen if url not in known or _updated_since(entry, since)]
        log.info("%s: %d entries, %d new or updated", source_url, len(entries), len(new))
        deadline = asyncio.get_running_loop().time() + self.poll_budget.total_seconds()
        results = await asyncio.gather(
            *(
                self._ingest_entry(url, entry, feed, source_url, source_id, guild, backfill, deadline)
                for url, entry in new
            )
        )
        return IngestResult.combine(source_url, results)

    async def _entry_page(self, url: str, deadline: float) -> Article | None:
        """The entry's own page as an Article, or None (fetch failed, not a page, budget spent)."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            log.info("using the feed's own text for %s: the poll's time budget is spent", url)
            return None
        try:
            async with asyncio.timeout(remaining):
                page = await self.fetcher.fetch(url)
                if page.kind in ("html", "text"):
                    return await asyncio.to_thread(self.extract, page)
        except NewsdeskError as exc:
            log.info("using the feed's own text for %s: %s", url, exc)
        except TimeoutError:
            log.info("using the feed's own text for %s: the poll's time budget ran out", url)
        return None

    async def _ingest_entry(
        self,
        url: str,
        entry: FeedEntry,
        feed: Feed,
        source_url: str,
        source_id: int | None,
        guild: int | None,
        backfill: bool,
        deadline: float,
    ) -> IngestResult:
        article = await self._entry_page(url, deadline)
        if article is None:
            article = entry_article(replace(entry, url=url), feed=feed)
        if article is None:
            return IngestResult(url, "failed", error="neither the page nor the feed entry holds any text")
        article = replace(
            article,
            title=article.title or entry.title,
            # The feed's date keeps the publisher's zone; a bare feed date yields to a precise page time.
            published=(article.published if entry.date_only and article.published else None)
            or entry.published
            or article.published,
            guild=guild,
            source=source_url,
        )
        result = await self.save(article, source_id=source_id, backfill=backfill)
        if result.status != "failed":
            self._remember(guild, url)
        return result

    async def _known(self, urls: Sequence[str], guild: int | None) -> set[str]:
        known = {u for u in urls if (guild, u) in self._seen}
        lookup = getattr(self.store, "known_urls", None)
        if lookup is not None and len(known) < len(urls):
            known |= set(await lookup([u for u in urls if u not in known], guild=guild))
        return known

    def _remember(self, guild: int | None, url: str) -> None:
        self._seen[(guild, url)] = None
        while len(self._seen) > 50_000:
            self._seen.popitem(last=False)

    # -- bookkeeping ------------------------------------------------------------------------------

    async def _record_success(self, source: Source, result: FetchResult) -> None:
        now = self.clock()
        fields: dict[str, Any] = {
            "failures": 0,
            "last_error": None,
            "last_attempt_at": now,
            "last_success_at": now,
            "next_poll_at": now + self.interval,
            "backfilled": True,
        }
        if not result.not_modified:  # a 304 need not repeat the validators; keep the stored ones
            fields["etag"] = result.etag
            fields["last_modified"] = result.last_modified
        await self.store.update_source(source.id, **fields)

    async def _record_failure(self, source: Source, exc: Exception) -> IngestResult:
        now = self.clock()
        failures = source.failures + 1
        delay = backoff_delay(failures, self.interval, self.max_backoff, self.rng)
        if isinstance(exc, RetryLater) and exc.delay is not None:
            delay = max(delay, timedelta(seconds=exc.delay))
        reason = str(exc) if isinstance(exc, NewsdeskError) else f"internal error ({type(exc).__name__})"
        # A refused address will not become safe by waiting: pause at once.
        paused = failures >= self.max_failures or isinstance(exc, BlockedURL)
        if paused:
            log.warning("pausing source %s after %d failures: %s", source.url, failures, reason)
        await self.store.update_source(
            source.id,
            failures=failures,
            last_error=reason,
            last_attempt_at=now,
            next_poll_at=now + delay,
            state="paused" if paused else source.state,
        )
        return IngestResult(source.url, "failed", error=reason)
