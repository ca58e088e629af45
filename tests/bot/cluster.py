"""Helpers for tests that run real ``newsdesk run`` processes: launching, scraping, a counting feed site."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from tests.web import serve

ROOT = Path(__file__).resolve().parents[2]

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Feed {name}</title><link>{base}/</link><description>Test</description>
{items}</channel></rss>"""
ITEM = """<item><title>Story {name} {i}</title><link>{base}/story/{name}/{i}</link>
<description>Story {name} {i} says the regulator extended the deadline by {i} weeks after talks.
A second sentence adds detail about the extension and the firm in question.</description>
<pubDate>Mon, 0{i} Nov 2026 10:00:00 +0000</pubDate></item>"""
PAGE = """<html><head><title>Story {name} {i}</title></head><body><article><h1>Story {name} {i}</h1>
<p>Story {name} {i} reports that the regulator in the capital extended the deadline for the firm by {i}
weeks after long talks between both sides, officials said on Monday.</p>
<p>The second paragraph of story {name} {i} explains what the extension means for customers and staff
across the country in the weeks ahead.</p></article></body></html>"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FeedSite:
    """Feeds and their story pages on 127.0.0.1, counting every request per path.

    A feed named in ``hang_first`` holds its first request open until :meth:`release` (a poll that
    never finishes, until the process making it is killed)."""

    base: str = ""
    requests: Counter[str] = field(default_factory=Counter)
    hang_first: set[str] = field(default_factory=set)
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def feed_url(self, name: str) -> str:
        return f"{self.base}/feed/{name}.xml"

    def fetches(self, name: str) -> int:
        return self.requests[f"/feed/{name}.xml"]

    def release(self) -> None:
        self._release.set()

    async def feed(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.requests[request.path] += 1
        if name in self.hang_first and self.requests[request.path] == 1:
            self.hanging.set()
            await self._release.wait()
        items = "\n".join(ITEM.format(name=name, i=i, base=self.base) for i in (1, 2))
        return web.Response(
            text=RSS.format(name=name, base=self.base, items=items), content_type="application/rss+xml"
        )

    async def story(self, request: web.Request) -> web.Response:
        self.requests[request.path] += 1
        name, i = request.match_info["name"], request.match_info["i"]
        return web.Response(text=PAGE.format(name=name, i=i), content_type="text/html")


@asynccontextmanager
async def feed_site(**options: Any) -> AsyncIterator[FeedSite]:
    site = FeedSite(**options)
    app = web.Application(handler_args={"handler_cancellation": False})
    app.router.add_get("/feed/{name}.xml", site.feed)
    app.router.add_get("/story/{name}/{i}", site.story)
    async with serve(app) as base:
        site.base = base
        try:
            yield site
        finally:
            site.release()


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: nothing inherited from NEWSDESK_/DISCORD_, no .env."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DISCORD_"))}
    return {
        **keep,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "NEWSDESK_EMBEDDING_MODEL": "off",  # a model would load in every process; tests/semantic covers it
        **extra,
    }


@dataclass
class BotProcess:
    """One ``newsdesk run`` subprocess, its log file (JSON lines) and its HTTP port."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def records(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (a line that is not JSON fails the test)."""
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url(path)) as response:
            return response.status, await response.text()

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples matching ``labels`` (0 when absent)."""
        _, text = await self.get("/metrics")
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    async def wait_ready(self, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(
                        f"bot exited with {self.process.returncode}: {self.log.read_text()[-3000:]}"
                    )
                try:
                    status, _ = await self.get("/readyz")
                    if status == 200:
                        return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        assert self.process.returncode is not None
        return self.process.returncode


async def launch_bot(tmp_path: Path, name: str, env: dict[str, str]) -> BotProcess:
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = {
        **env,
        "NEWSDESK_HTTP_PORT": str(port),
        "NEWSDESK_LOG_FORMAT": "json",
        "NEWSDESK_INDEX_DIR": str(tmp_path / f"index-{name}"),
    }
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env, stdout=sink, stderr=sink
        )
    return BotProcess(process, port, log)
