"""``/healthz``, ``/readyz`` and ``/metrics`` on NEWSDESK_HTTP_PORT (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from bot.logs import describe

if TYPE_CHECKING:
    from bot.app import NewsdeskBot

log = logging.getLogger(__name__)

PING_SECONDS = 3.0  # a database slower than this to answer a ping counts as unreachable


async def readiness(bot: NewsdeskBot) -> list[str]:
    """Why this process should not get traffic yet; empty when it is ready."""
    reasons: list[str] = []
    if bot.stopping:
        reasons.append("shutting down")
    database_up = True
    try:
        await asyncio.wait_for(bot.knowledge.ping(), PING_SECONDS)
    except Exception as error:
        database_up = False
        reasons.append(f"database unreachable ({describe(error)})")
    if not bot.is_ready():
        reasons.append("gateway not connected yet")
    else:
        closed = sorted(shard for shard, info in bot.shards.items() if info.is_closed())
        if closed:
            reasons.append(f"gateway disconnected for shard {', '.join(map(str, closed))}")
    if not bot.index_caught_up:
        pending = ""
        if database_up:
            status = await bot.knowledge.index_status()
            pending = f": {status.pending} changes to apply"
        reasons.append(f"search index catching up{pending}")
    return reasons


class HealthServer:
    """A tiny aiohttp app bound to ``host:port``; ``port`` 0 picks a free one (see :attr:`port`)."""

    def __init__(self, bot: NewsdeskBot, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("serving /healthz, /readyz and /metrics on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, request: web.Request) -> web.Response:
        """The process is alive (its event loop answers)."""
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        """200 when the database answers, every shard is connected and the index caught up; else 503."""
        reasons = await readiness(self.bot)
        if reasons:
            return web.Response(status=503, text="not ready: " + "; ".join(reasons) + "\n")
        return web.Response(text="ready\n")

    async def metrics(self, request: web.Request) -> web.Response:
        index = None
        try:
            status = await asyncio.wait_for(self.bot.knowledge.index_status(), PING_SECONDS)
            index = (status.documents, status.pending)
        except Exception as error:
            log.debug("index status unavailable for /metrics: %s", error)
        ready = not await readiness(self.bot)
        body = metrics.exposition(self.bot.latencies, index, ready=ready)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
