"""Poller end to end against feeds and pages served on 127.0.0.1, with an in-memory store."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from knowledge.errors import BlockedURL, FeedError, InvalidInput, NotFound
from knowledge.ingest.fetch import Fetcher, FetchLimits, FetchResult
from knowledge.ingest.urls import canonical_url
from knowledge.models import Article, IngestResult, IngestStatus, Source, SourceKind
from knowledge.poller import Poller, PollProgress, backoff_delay
from tests.web import LoopbackOnlyConnector, serve

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=15)


# -- a small in-memory store with the same methods as knowledge.store.Store ------------------------


@dataclass
class Stored:
    article: Article
    source_id: int | None
    backfill: bool
    digest: str


@dataclass
class FakeStore:
    sources: dict[int, Source] = field(default_factory=dict)
    articles: dict[tuple[int | None, str], Stored] = field(default_factory=dict)
    saves: list[str] = field(default_factory=list)

    async def add_source(
        self, url: str, kind: SourceKind, *, guild: int | None, title: str | None = None
    ) -> Source:
        if any(s.url == url and s.guild == guild for s in self.sources.values()):
            raise InvalidInput(f"{url} is already a source here.")
        source = Source(len(self.sources) + 1, url, kind, guild, "active", title=title, next_poll=None)
        self.sources[source.id] = source
        return source

    async def get_source(self, source_id: int) -> Source:
        if source_id not in self.sources:
            raise NotFound(f"There is no source with id {source_id}.")
        return self.sources[source_id]

    async def find_source(self, url: str, *, guild: int | None) -> Source | None:
        return next((s for s in self.sources.values() if s.url == url and s.guild == guild), None)

    async def due_sources(self, now: datetime, *, limit: int = 100) -> list[Source]:
        due = [
            s
            for s in self.sources.values()
            if s.state == "active" and (s.next_poll is None or s.next_poll <= now)
        ]
        return due[:limit]

    async def update_source(self, source_id: int, **fields: Any) -> None:
        renamed = {"last_success_at": "last_success", "next_poll_at": "next_poll"}
        changes = {renamed.get(k, k): v for k, v in fields.items() if k != "last_attempt_at"}
        self.sources[source_id] = replace(self.sources[source_id], **changes)

    async def claim_due_sources(
        self, now: datetime, *, owner: str, lease: timedelta, limit: int = 100
    ) -> list[Source]:
        return await self.due_sources(now, limit=limit)

    async def renew_source_claims(self, source_ids: Any, *, owner: str, until: datetime) -> int:
        return len(source_ids)

    async def release_source_claims(self, source_ids: Any = None, *, owner: str) -> None:
        return None

    async def known_urls(self, urls: list[str], *, guild: int | None) -> set[str]:
        return {u for u in urls if (guild, u) in self.articles or (None, u) in self.articles}

    async def save(
        self, article: Article, *, source_id: int | None = None, backfill: bool = False
    ) -> IngestResult:
        article = replace(article, url=canonical_url(article.url))
        self.saves.append(article.url)
        digest = hashlib.sha256("\n".join(article.paragraphs).encode()).hexdigest()
        key = (article.guild, article.url)
        old = self.articles.get(key)
        if old is not None and old.digest == digest:
            return IngestResult(article.source or article.url, "unchanged", 1, len(article.paragraphs))
        self.articles[key] = Stored(article, source_id, old.backfill if old else backfill, digest)
        status: IngestStatus = "updated" if old else "added"
        return IngestResult(article.source or article.url, status, 1, len(article.paragraphs))

    def by_url(self, url: str) -> Stored:
        return next(s for (_, u), s in self.articles.items() if u == url)


def fake_extract(result: FetchResult) -> Article:
    """Stands in for the trafilatura extractor: <h1> is the title, each <p> a paragraph."""
    text = result.content.decode(result.charset or "utf-8")
    title = re.search(r"<h1>(.*?)</h1>", text)
    paragraphs = tuple(re.findall(r"<p>(.*?)</p>", text))
    if not paragraphs:
        from knowledge.errors import ExtractionError

        raise ExtractionError("The page holds no article text.")
    return Article(url=result.url, title=title.group(1) if title else "", paragraphs=paragraphs)


# -- the web: feeds with ETags, article pages --------------------------------------------------------


@dataclass
class Site:
    feeds: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # path -> (title, link, summary)
    pages: dict[str, str] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    status: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)  # link -> ISO time of an edit

    def rss(self, path: str) -> bytes:
        items = "".join(
            f"<item><title>{t}</title><link>{link}</link><description>{s}</description>"
            f"<pubDate>Sat, 28 Nov 2026 09:00:00 +0100</pubDate>"
            + (f"<atom:updated>{self.updated[link]}</atom:updated>" if link in self.updated else "")
            + "</item>"
            for t, link, s in self.feeds[path]
        )
        channel = f"<channel><title>{path}</title>{items}</channel>"
        atom = 'xmlns:atom="http://www.w3.org/2005/Atom"'
        return f'<?xml version="1.0"?><rss version="2.0" {atom}>{channel}</rss>'.encode()


SITE = web.AppKey("site", Site)


def make_app(site: Site) -> web.Application:
    app = web.Application()
    app[SITE] = site

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        site.hits.append(path)
        if path in site.status:
            code, headers = site.status[path]
            return web.Response(status=code, headers=headers, text="error")
        if path in site.feeds:
            body = site.rss(path)
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})
        if path in site.pages:
            return web.Response(text=site.pages[path], content_type="text/html")
        if path.endswith(".png"):
            return web.Response(body=b"\x89PNG\r\n", content_type="image/png")
        raise web.HTTPNotFound()

    app.router.add_get("/{tail:.*}", handle)
    return app


def page(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    base: str
    site: Site
    store: FakeStore
    fetcher: Fetcher
    clock: Clock

    def poller(self, **kwargs: Any) -> Poller:
        return Poller(
            store=self.store,
            fetcher=self.fetcher,
            save=self.store.save,
            interval=INTERVAL,
            extract=fake_extract,
            clock=self.clock,
            rng=random.Random(7),
            **kwargs,
        )


@pytest.fixture
async def world() -> AsyncIterator[World]:
    site = Site()
    async with (
        serve(make_app(site)) as base,
        aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session,
    ):
        limits = FetchLimits(total_timeout=5.0)
        fetcher = Fetcher(session, allowed_hosts={"127.0.0.1"}, limits=limits)
        yield World(base, site, FakeStore(), fetcher, Clock())


def news_feed(w: World) -> str:
    b = w.base
    w.site.pages["/a/ferry"] = page(
        "Ferry resumes", "The ferry ran again on Friday.", "One ramp was damaged."
    )
    w.site.pages["/a/wall"] = page("Sea wall approved", "Councillors voted 7-2 for the wall.")
    w.site.feeds["/feed.xml"] = [
        ("Ferry resumes", f"{b}/a/ferry?utm_source=rss", "Short ferry summary."),
        ("Sea wall approved", f"{b}/a/wall#comments", "Short wall summary."),
        ("Gone page", f"{b}/a/gone", "The page is gone but the summary stays."),
        ("Picture", f"{b}/img/photo.png", "A photo caption used as text."),
    ]
    return f"{b}/feed.xml"


# -- tests ---------------------------------------------------------------------------------------------


async def test_feed_to_articles_end_to_end(world: World) -> None:
    w = world
    source, results = await w.poller().add_source(news_feed(w), guild=42)
    assert source.kind == "feed" and source.guild == 42 and source.title == "/feed.xml"
    assert source.etag and source.backfilled and source.next_poll == T0 + INTERVAL
    assert results[0].status == "added" and results[0].articles == 4
    ferry = w.store.by_url(f"{w.base}/a/ferry")  # tracking parameter dropped
    assert ferry.article.paragraphs == ("The ferry ran again on Friday.", "One ramp was damaged.")
    assert ferry.article.published == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert ferry.article.guild == 42 and ferry.article.source == f"{w.base}/feed.xml"
    assert ferry.backfill and ferry.source_id == source.id  # first poll of a feed: backfill
    assert w.store.by_url(f"{w.base}/a/wall").article.title == "Sea wall approved"
    gone = w.store.by_url(f"{w.base}/a/gone")  # 404: the feed's own text is used
    assert gone.article.paragraphs == ("The page is gone but the summary stays.",)
    photo = w.store.by_url(f"{w.base}/img/photo.png")  # not an article page: feed text again
    assert photo.article.paragraphs == ("A photo caption used as text.",)


async def test_304_path_and_only_new_entries_fetched(world: World) -> None:
    w = world
    feed_url = news_feed(w)
    poller = w.poller()
    await poller.add_source(feed_url)
    w.clock.now = T0 + INTERVAL
    w.site.hits.clear()
    (result,) = await poller.poll_due()
    assert result.status == "unchanged" and w.site.hits == ["/feed.xml"]  # 304: nothing else fetched
    assert w.store.sources[1].next_poll == T0 + 2 * INTERVAL

    w.site.pages["/a/new"] = page("New story", "Fresh news from the harbour.")
    w.site.feeds["/feed.xml"].insert(0, ("New story", f"{w.base}/a/new", "New summary."))
    w.clock.now = T0 + 2 * INTERVAL
    w.site.hits.clear()
    (result,) = await poller.poll_due()
    assert result.status == "added" and result.articles == 1
    assert sorted(w.site.hits) == ["/a/new", "/feed.xml"]
    assert not w.store.by_url(f"{w.base}/a/new").backfill  # after the backfill, new entries are news


async def test_entry_updated_in_the_feed_replaces_the_text(world: World) -> None:
    w = world
    poller = w.poller()
    await poller.add_source(news_feed(w))
    w.site.pages["/a/wall"] = page(
        "Sea wall approved", "Councillors voted 7-2 for the wall.", "Correction: 6-3."
    )
    w.site.updated[f"{w.base}/a/wall#comments"] = "2026-11-28T12:10:00Z"  # edited after our first poll
    w.clock.now = T0 + INTERVAL
    w.site.hits.clear()
    (result,) = await poller.poll_due()
    assert result.status == "updated" and sorted(w.site.hits) == ["/a/wall", "/feed.xml"]
    stored = w.store.by_url(f"{w.base}/a/wall")
    assert stored.article.paragraphs[-1] == "Correction: 6-3." and stored.backfill  # still not news
    w.clock.now = T0 + 2 * INTERVAL
    w.site.feeds["/feed.xml"].append(("Other", f"{w.base}/a/other", "Another summary."))  # new ETag
    w.site.hits.clear()
    await poller.poll_due()
    assert "/a/wall" not in w.site.hits  # the same edit is not fetched again


async def test_restart_neither_floods_nor_skips(world: World) -> None:
    w = world
    feed_url = news_feed(w)
    await w.poller().add_source(feed_url)
    restarted = w.poller()  # a new process: nothing in memory, everything from the store
    w.clock.now = T0 + timedelta(minutes=5)
    w.site.hits.clear()
    assert await restarted.poll_due() == [] and w.site.hits == []  # not due yet: no flood

    w.site.pages["/a/late"] = page("Late story", "Published while we were down.")
    w.site.feeds["/feed.xml"].append(("Late story", f"{w.base}/a/late", "Late summary."))
    w.clock.now = T0 + timedelta(hours=3)  # long downtime: polled once, the new entry not skipped
    w.site.hits.clear()
    (result,) = await restarted.poll_due()
    assert result.articles == 1 and sorted(w.site.hits) == ["/a/late", "/feed.xml"]
    assert len(w.store.saves) == 5  # each article saved once over both processes


async def test_duplicate_entries_across_two_feeds_stored_once(world: World) -> None:
    w = world
    w.site.pages["/a/wire"] = page("Wire story", "The same story in two feeds.")
    w.site.feeds["/one.xml"] = [("Wire story", f"{w.base}/a/wire?utm_medium=one", "s")]
    w.site.feeds["/two.xml"] = [
        ("Wire story", f"{w.base}/a/wire?fbclid=xyz#top", "s"),
        ("Wire story again", f"{w.base}/a/wire", "s"),
    ]
    poller = w.poller()
    await poller.add_source(f"{w.base}/one.xml")
    _, (second,) = await poller.add_source(f"{w.base}/two.xml")
    assert second.status == "unchanged" and second.articles == 0
    assert list(w.store.articles) == [(None, f"{w.base}/a/wire")]
    assert w.site.hits.count("/a/wire") == 1


async def test_backoff_then_pause_with_reason(world: World) -> None:
    w = world
    feed_url = news_feed(w)
    poller = w.poller(max_failures=4)
    await poller.add_source(feed_url)
    w.site.status["/feed.xml"] = (500, {})
    delays = []
    for attempt in range(1, 5):
        w.clock.now = w.store.sources[1].next_poll or w.clock.now
        (result,) = await poller.poll_due()
        assert result.status == "failed" and "HTTP 500 Internal Server Error" in (result.error or "")
        source = w.store.sources[1]
        assert source.failures == attempt
        delays.append((source.next_poll or T0) - w.clock.now)
    assert delays[1] > delays[0] and delays[2] > delays[1]  # exponential, jittered
    assert source.state == "paused" and "HTTP 500" in (source.last_error or "")
    w.clock.now += timedelta(days=30)
    assert await poller.poll_due() == []  # paused: never retried silently

    del w.site.status["/feed.xml"]  # the site is fixed; the admin adds the feed again to resume it
    resumed, (result,) = await poller.add_source(feed_url)
    assert result.status != "failed"
    assert (resumed.state, resumed.failures, resumed.last_error) == ("active", 0, None)


async def test_success_resets_failures(world: World) -> None:
    w = world
    poller = w.poller()
    await poller.add_source(news_feed(w))
    w.site.status["/feed.xml"] = (500, {})
    w.clock.now = T0 + INTERVAL
    await poller.poll_due()
    assert w.store.sources[1].failures == 1
    del w.site.status["/feed.xml"]
    w.clock.now = w.store.sources[1].next_poll or T0
    await poller.poll_due()
    assert w.store.sources[1].failures == 0 and w.store.sources[1].last_error is None


async def test_retry_after_sets_the_next_poll(world: World) -> None:
    w = world
    poller = w.poller()
    await poller.add_source(news_feed(w))
    w.site.status["/feed.xml"] = (429, {"Retry-After": "7200"})
    w.clock.now = T0 + INTERVAL
    (result,) = await poller.poll_due()
    assert "HTTP 429" in (result.error or "")
    assert (w.store.sources[1].next_poll or T0) >= w.clock.now + timedelta(seconds=7200)


async def test_source_redirected_to_private_address_is_paused_at_once(world: World) -> None:
    w = world
    poller = w.poller()
    await poller.add_source(news_feed(w))
    w.site.status["/feed.xml"] = (302, {"Location": "http://10.0.0.7/feed.xml"})
    w.clock.now = T0 + INTERVAL
    (result,) = await poller.poll_due()
    assert "10.0.0.7 is a private network address" in (result.error or "")
    assert w.store.sources[1].state == "paused"


async def test_bad_sources_are_refused_before_anything_is_stored(world: World) -> None:
    w = world
    poller = w.poller()
    port = w.base.rsplit(":", 1)[1]
    with pytest.raises(BlockedURL, match="loopback"):
        await poller.add_source(f"http://127.0.0.2:{port}/feed.xml")
    with pytest.raises(BlockedURL, match="metadata"):
        await poller.add_source("http://169.254.169.254/latest/meta-data/")
    w.site.pages["/broken.xml"] = "<html><p>not a feed</p>"
    w.site.status["/broken.rss"] = (200, {"Content-Type": "application/rss+xml"})
    with pytest.raises(FeedError):
        await poller.add_source(f"{w.base}/broken.rss")
    news_feed(w)
    await poller.add_source(f"{w.base}/feed.xml")
    w.site.hits.clear()
    with pytest.raises(InvalidInput, match="already a source"):
        await poller.add_source(f"{w.base}/feed.xml#again")
    assert len(w.store.sources) == 1 and w.site.hits == []  # refused without a download


async def test_page_source_and_one_off_ingest(world: World) -> None:
    w = world
    news_feed(w)
    poller = w.poller()
    source, (result,) = await poller.add_source(f"{w.base}/a/ferry")
    assert source.kind == "page" and source.title == "Ferry resumes" and result.status == "added"
    assert not w.store.by_url(f"{w.base}/a/ferry").backfill
    feed_result = await poller.ingest_url(f"{w.base}/feed.xml", guild=7)
    # the ferry page is already stored globally, which guild 7 sees: not fetched again
    assert feed_result.status == "added" and feed_result.articles == 3
    assert not w.store.articles[(7, f"{w.base}/a/wall")].backfill  # an explicit ingest is news
    missing = await poller.ingest_url(f"{w.base}/nowhere")
    assert missing.status == "failed" and missing.error == f"HTTP 404 Not Found for {w.base}/nowhere"


async def test_progress_is_reported(world: World) -> None:
    w = world
    poller = w.poller()
    await poller.add_source(news_feed(w))
    w.site.pages["/a/solo"] = page("Solo", "A single page source.")
    await poller.add_source(f"{w.base}/a/solo")
    w.clock.now = T0 + INTERVAL
    seen: list[PollProgress] = []
    results = await poller.poll_due(progress=seen.append)
    assert len(results) == 2 and [p.done for p in seen] == [1, 2] and {p.total for p in seen} == {2}


def test_backoff_delay_grows_and_is_capped() -> None:
    rng = random.Random(1)
    base, cap = timedelta(minutes=15), timedelta(hours=24)
    steps = [backoff_delay(n, base, cap, rng) for n in (1, 2, 3, 10, 20)]
    assert timedelta(minutes=7.5) <= steps[0] <= base
    assert steps[1] >= timedelta(minutes=15) and steps[2] >= timedelta(minutes=30)
    assert all(s <= cap for s in steps) and steps[4] >= cap / 2


# -- with the real SQLite store and the real extractor -------------------------------------------------


def article_page(title: str, topic: str) -> str:
    paras = "".join(
        f"<p>{topic.capitalize()} was the talk of the harbour town on day {i}, as residents gathered at "
        f"the quay to discuss what the change would mean for fishing, ferries and the winter season.</p>"
        for i in range(1, 4)
    )
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{paras}</article><footer>Copyright Gazette</footer></body></html>"
    )


async def test_real_store_and_extractor_restart(world: World, tmp_path: Any) -> None:
    from knowledge.ingest.dedupe import fingerprint
    from knowledge.ingest.extract import paragraph_key
    from knowledge.poller import extract_page
    from knowledge.store import Store

    w = world
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'news.db'}")
    try:

        async def save(
            article: Article, *, source_id: int | None = None, backfill: bool = False
        ) -> IngestResult:
            article = replace(article, url=canonical_url(article.url))
            keys = [paragraph_key(p) for p in article.paragraphs]
            outcome = await store.save_article(
                article,
                keys,
                fingerprint=fingerprint(article.paragraphs),
                source_id=source_id,
                backfill=backfill,
            )
            return IngestResult(article.url, outcome.status, 1, outcome.passages)

        def make(clock: Clock) -> Poller:
            return Poller(
                store=store,
                fetcher=w.fetcher,
                save=save,
                interval=INTERVAL,
                clock=clock,
                extract=extract_page,
            )

        w.site.pages["/a/one"] = article_page("Ferry timetable changes", "the new ferry timetable")
        w.site.feeds["/feed.xml"] = [("Ferry timetable changes", f"{w.base}/a/one?utm_source=x", "summary")]
        source, (result,) = await make(w.clock).add_source(f"{w.base}/feed.xml", guild=5)
        assert result.status == "added" and source.backfilled and source.etag and source.articles == 1

        w.site.pages["/a/two"] = article_page("Harbour dredging begins", "the dredging of the harbour")
        w.site.feeds["/feed.xml"].insert(0, ("Harbour dredging begins", f"{w.base}/a/two", "summary"))
        clock = Clock()
        clock.now = T0 + timedelta(minutes=5)
        restarted = make(clock)
        assert await restarted.poll_due() == []  # not due yet
        clock.now = T0 + INTERVAL
        (result,) = await restarted.poll_due()
        assert result.status == "added"  # the old entry is at most re-read as "unchanged"

        fresh = await store.new_articles(guild=5, since=None, until=datetime.now(UTC) + timedelta(days=1))
        assert [n.article.url for n in fresh] == [f"{w.base}/a/two"]  # the backfilled one is not news
        (listed,) = await store.list_sources(all_guilds=True)
        assert listed.articles == 2 and listed.failures == 0 and listed.next_poll == T0 + 2 * INTERVAL
        exported = [a async for a in store.iter_articles()]
        assert {a.url for a in exported} == {f"{w.base}/a/one", f"{w.base}/a/two"}
        assert all("Copyright" not in p for a in exported for p in a.paragraphs)
    finally:
        await store.close()


# -- the shared corpus, served on loopback ---------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus not available")
async def test_corpus_pages_through_a_feed(world: World) -> None:
    """A feed linking to real saved news pages: each article is extracted from its page."""
    from knowledge.poller import extract_page

    w = world
    rows = [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r.get("lang") == "en" and r.get("expected_with")][:4]
    for row in rows:
        w.site.pages[f"/news/{row['id']}"] = (CORPUS / row["file"]).read_text(
            encoding="utf-8", errors="replace"
        )
    w.site.feeds["/corpus.xml"] = [(row["id"], f"{w.base}/news/{row['id']}", "summary") for row in rows]
    poller = Poller(
        store=w.store, fetcher=w.fetcher, save=w.store.save, interval=INTERVAL, extract=extract_page
    )
    _, (result,) = await poller.add_source(f"{w.base}/corpus.xml")
    assert result.articles == len(rows)
    for row in rows:
        text = " ".join(w.store.by_url(f"{w.base}/news/{row['id']}").article.paragraphs)
        assert all(snippet in text for snippet in row["expected_with"]), row["id"]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus not available")
async def test_every_corpus_feed_served_gives_a_result_or_a_clear_error(world: World) -> None:
    w = world
    poller = w.poller()
    files = sorted(
        p for p in (CORPUS / "feeds").glob("*/*") if p.suffix in {".xml", ".rss", ".atom", ".json"}
    )
    app = web.Application()

    async def serve_file(request: web.Request) -> web.Response:
        path = CORPUS / "feeds" / request.match_info["kind"] / request.match_info["name"]
        media = "application/feed+json" if path.suffix == ".json" else "application/rss+xml"
        return web.Response(body=path.read_bytes(), headers={"Content-Type": media, "ETag": '"1"'})

    app.router.add_get("/{kind}/{name}", serve_file)
    async with serve(app) as base:
        for path in files:
            result = await poller.ingest_url(f"{base}/{path.parent.name}/{path.name}")
            assert result.status in {"added", "unchanged", "failed"}
            if result.status == "failed":
                assert result.error and ("feed" in result.error or "text" in result.error), (
                    path.name,
                    result,
                )
