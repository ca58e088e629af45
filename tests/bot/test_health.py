"""/healthz, /readyz and /metrics of the bot in this process; /readyz follows the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.engine import make_url

from tests.bot.conftest import Harness, make_bot_settings
from tests.bot.test_interactions import finished
from tests.conftest import POSTGRES_URL, SEED, SEED_URL, _reset_postgres
from tests.fakediscord import FakeDiscord


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of the database that a test can close and reopen."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        for _ in range(100):  # the port of connections just cut may take a moment to be free again
            try:
                self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert self._server is not None, f"port {self.port} stayed busy"
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Refuse new connections and cut the open ones: the database is "unreachable"."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.close()
        self._links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._links |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def wait_for(port: int, path: str, status: int, timeout: float = 20) -> str:
    async with asyncio.timeout(timeout):
        while True:
            got, text = await get(port, path)
            if got == status:
                return text
            await asyncio.sleep(0.1)


@pytest.fixture
async def proxied(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[tuple[Harness, Proxy]]:
    if not POSTGRES_URL:
        pytest.skip("NEWSDESK_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    from knowledge.service import Knowledge

    await _reset_postgres(POSTGRES_URL)
    url = make_url(POSTGRES_URL)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = make_bot_settings(tmp_path, through, NEWSDESK_HTTP_PORT="0", **fake.env())
    knowledge = await Knowledge.open(settings)
    await knowledge.ingest(str(SEED), url=SEED_URL)
    runner = Harness(fake, knowledge, settings)
    await runner.start()
    try:
        yield runner, proxy
    finally:
        await runner.stop()
        await proxy.start()  # reopened so the service can close its connections
        await knowledge.close()
        await proxy.close()


@pytest.mark.postgres
async def test_readyz_is_503_while_the_database_is_unreachable_and_200_once_back(
    proxied: tuple[Harness, Proxy],
) -> None:
    harness, proxy = proxied
    assert harness.bot is not None and harness.bot.health is not None
    port = harness.bot.health.port
    await wait_for(port, "/readyz", 200)
    await proxy.close()
    reason = await wait_for(port, "/readyz", 503)
    assert "database unreachable" in reason
    assert (await get(port, "/healthz"))[0] == 200  # alive, just not ready
    await proxy.start()
    assert await wait_for(port, "/readyz", 200) == "ready\n"


@pytest.fixture
async def served(fake: FakeDiscord, seeded: Any, tmp_path: Path) -> AsyncIterator[Harness]:
    settings = make_bot_settings(tmp_path, NEWSDESK_HTTP_PORT="0", **fake.env())
    runner = Harness(fake, seeded, settings)
    await runner.start()
    yield runner
    await runner.stop()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_move_with_the_work_done(served: Harness) -> None:
    fake, bot = served.fake, served.bot
    assert bot is not None and bot.health is not None
    port = bot.health.port
    assert await wait_for(port, "/readyz", 200) == "ready\n"
    asked, abstained = (
        sample("newsdesk_questions_total", via="slash"),
        sample("newsdesk_questions_abstained_total", via="slash"),
    )
    answers = sample("newsdesk_answer_seconds_count")
    await finished(fake, await fake.send_interaction("ask", {"question": "when was the shutdown deadline?"}))
    await finished(
        fake, await fake.send_interaction("ask", {"question": "who won the 1950 world cup final?"})
    )
    _, text = await get(port, "/metrics")
    assert sample("newsdesk_questions_total", via="slash") == asked + 2
    assert sample("newsdesk_questions_abstained_total", via="slash") == abstained + 1
    assert sample("newsdesk_answer_seconds_count") == answers + 2
    assert 'newsdesk_questions_total{via="slash"}' in text
    assert 'newsdesk_gateway_latency_seconds{shard="0"}' in text
    assert "newsdesk_index_lag 0.0" in text and "newsdesk_ready 1.0" in text
    assert 'newsdesk_commands_total{command="ask",outcome="ok"}' in text
