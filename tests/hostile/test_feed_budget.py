"""One feed's poll has one time budget and an entry cap, whatever its pages do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web

from knowledge.service import Knowledge
from tests.web import serve

PARAGRAPH = "The harbour ferry returned to service on Saturday after a three-month refit at the yard."


def feed(base: str, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/story/{i}</link>"
        f"<description>{PARAGRAPH} Crossing number {i} was on time.</description></item>"
        for i in range(entries)
    )
    channel = f"<channel><title>Slow</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


@pytest.fixture
async def slow_site() -> AsyncIterator[tuple[str, list[str]]]:
    """A feed whose every page trickles one byte every few seconds (the issue's 92 s feed)."""
    requested: list[str] = []
    entries = {"count": 6}

    async def handle(request: web.Request) -> web.StreamResponse:
        requested.append(request.path)
        if request.path == "/feed.xml":
            base = f"http://{request.host}"
            return web.Response(body=feed(base, entries["count"]), content_type="application/rss+xml")
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(60):
            await response.write(b" ")
            await asyncio.sleep(5)
        return response

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    async with serve(app) as base:
        yield base, requested


async def test_slow_pages_share_one_budget(kb: Knowledge, slow_site: tuple[str, list[str]]) -> None:
    base, requested = slow_site
    kb.poller.poll_budget = timedelta(seconds=1)
    [result] = await asyncio.wait_for(kb.ingest(f"{base}/feed.xml"), 25)  # per URL it would be minutes
    assert (result.status, result.articles) == ("added", 6)  # each from the feed's own text
    stored = {a.url: a.paragraphs async for a in kb.export()}
    assert stored[f"{base}/story/3"] == (f"{PARAGRAPH} Crossing number 3 was on time.",)
    assert {f"/story/{i}" for i in range(6)} & set(requested)  # the pages were tried first


async def test_entries_per_poll_are_capped(kb: Knowledge, slow_site: tuple[str, list[str]]) -> None:
    base, requested = slow_site
    kb.poller.poll_budget = timedelta(seconds=0)  # spent at once: no page is fetched at all
    kb.poller.max_entries = 4
    [result] = await asyncio.wait_for(kb.ingest(f"{base}/feed.xml"), 25)
    assert (result.status, result.articles) == ("added", 4)
    assert requested == ["/feed.xml"]


async def test_an_over_long_entry_link_does_not_fail_the_source(
    any_kb: Knowledge, slow_site: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL refused the 100,000-character link as a DBAPIError: 'internal error', a failure."""
    base, _ = slow_site
    long_link = f"{base}/{'a' * 100_000}"
    items = (
        f"<item><title>Long</title><link>{long_link}</link><description>{PARAGRAPH}</description></item>"
        f"<item><title>Fine</title><link>{base}/fine</link><description>{PARAGRAPH} Ok.</description></item>"
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'

    async def handle(_: web.Request) -> web.Response:
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.xml", handle)
    any_kb.poller.poll_budget = timedelta(seconds=0)
    async with serve(app) as feed_base:
        source, [result] = await any_kb.add_source(f"{feed_base}/feed.xml")
        again = await any_kb.poller.poll_source(source)
        source = await any_kb.store.get_source(source.id)
    assert (result.status, result.articles) == ("added", 1)
    assert again.status == "unchanged"  # the refused entry is neither a failure nor retried
    assert (source.failures, source.state, source.last_error) == (0, "active", None)
    assert [a.url async for a in any_kb.export()] == [f"{base}/fine"]
    refusals = [r.getMessage() for r in caplog.records if "100,023 characters long" in r.getMessage()]
    assert len(refusals) == 1 and "\n" not in refusals[0] and len(refusals[0]) < 300
