"""Fixtures for the hostile-input suite: a loopback server for one bomb, memory and archive checks."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from aiohttp import web

from knowledge.ingest import limits
from knowledge.models import Answer, Article, IngestResult
from knowledge.service import Knowledge
from tests.hostile.bombs import STORY, Bomb
from tests.web import serve

T = TypeVar("T")

CASE_TIMEOUT = 120.0  # a guard against hangs on a loaded machine, not a speed assertion
MEMORY_LIMIT = 300 * 1024 * 1024
ANSWER_DEADLINE = 3.0  # Discord drops an interaction not acknowledged within 3 s
QUESTION = "how many passengers does the ferry carry?"
FERRY = Article(
    url="https://coast.example/ferry",
    title="Harbour ferry returns",
    paragraphs=(STORY,),
    site="coast.example",
)


def cited(answer: Answer) -> set[str | None]:
    """The links an answer offers: its own, or its near misses when it abstains.

    Whether it abstains is the reader's call (a thousand new articles move its confidence);
    that the earlier article is still found is the archive's.
    """
    return {answer.url, *(alternative.url for alternative in answer.alternatives)}


def current_rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def within_memory(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` under the case's time guard and fail when the process's peak RSS grew 300 MB."""
    start, peak_before = current_rss(), peak_rss()
    result = await asyncio.wait_for(work, CASE_TIMEOUT)
    peak_after = peak_rss()
    growth = peak_after - start if peak_after > peak_before else 0
    assert growth < MEMORY_LIMIT, f"peak RSS grew by {growth / 2**20:.0f} MB"
    return result


async def ingest_while_asking(kb: Knowledge, source: str) -> list[IngestResult]:
    """Ingest ``source`` while the same event loop keeps answering a question about the archive.

    Every answer must come within Discord's 3 s interaction deadline and still cite the article
    stored before the bomb; memory and time are guarded as in :func:`within_memory`.
    """
    assert not (await kb.ask(QUESTION)).abstained  # warm: the index holds the earlier article
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    latencies: list[float] = []

    async def ask_repeatedly() -> None:
        while not stop.is_set():
            started = loop.time()
            answer = await kb.ask(QUESTION)
            latencies.append(loop.time() - started)
            assert FERRY.url in cited(answer)
            await asyncio.sleep(0.02)

    asker = asyncio.create_task(ask_repeatedly())
    try:
        results = await within_memory(kb.ingest(source))
    finally:
        stop.set()
        await asker
    assert latencies and max(latencies) < ANSWER_DEADLINE, f"slowest answer took {max(latencies):.1f} s"
    return results


def assert_one_line(results: list[IngestResult]) -> None:
    """A failure is told in one readable sentence, never a traceback or an internal error."""
    for result in results:
        if result.status == "failed":
            error = result.error or ""
            assert error and "\n" not in error and len(error) <= 500, error
            assert "internal error" not in error and "Traceback" not in error, error
        assert len(result.source) <= limits.MAX_URL_CHARS + 200


def assert_log_lines(records: list[logging.LogRecord]) -> None:
    """What the library logs about a hostile document is one short line per event."""
    for record in records:
        if record.name.startswith("knowledge") and record.levelno >= logging.WARNING:
            message = record.getMessage()
            assert "\n" not in message and len(message) <= 600, message


async def assert_archive_bounded_and_kept(kb: Knowledge) -> None:
    """Every stored article fits the limits, and the article stored before the bomb still answers."""
    urls = []
    async for article in kb.export():
        urls.append(article.url)
        assert len(article.url) <= limits.MAX_URL_CHARS
        assert len(article.title) <= limits.MAX_TITLE_CHARS
        assert len(article.paragraphs) <= limits.MAX_PARAGRAPHS
        assert all(len(p) <= limits.MAX_PARAGRAPH_CHARS for p in article.paragraphs)
        assert sum(map(len, article.paragraphs)) <= limits.MAX_ARTICLE_CHARS + limits.MAX_PARAGRAPH_CHARS
        if article.url == FERRY.url:
            assert article.paragraphs == FERRY.paragraphs
    assert FERRY.url in urls
    assert FERRY.url in cited(await kb.ask(QUESTION))
    [best, *_] = await kb.search(QUESTION)
    assert best.passage.url == FERRY.url


@dataclass
class BombServer:
    """Serves ``bomb`` at ``/doc<suffix>``; every other path is 404 (so feed entries use their text)."""

    base: str = ""
    bomb: Bomb | None = None
    hits: list[str] = field(default_factory=list)

    def url(self, make: Callable[[str], Bomb]) -> str:
        self.bomb = make(self.base)
        return f"{self.base}/doc{self.bomb.suffix}"


@pytest.fixture
async def bomb_server() -> AsyncIterator[BombServer]:
    state = BombServer()

    async def handle(request: web.Request) -> web.Response:
        state.hits.append(request.path)
        if state.bomb is not None and request.path == f"/doc{state.bomb.suffix}":
            return web.Response(body=state.bomb.data, headers={"Content-Type": state.bomb.content_type})
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    async with serve(app) as base:
        state.base = base
        yield state
