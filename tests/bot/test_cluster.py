"""Two `newsdesk run` processes (shards 0 and 1 of 2) on one PostgreSQL database and the fake Discord.

Every guild's digest is posted once, every due feed fetched once, a process killed mid-poll loses
its claim after the lease, 200 concurrent /ask over both shards are acknowledged in time, and both
processes serve /healthz, /readyz and /metrics.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from knowledge.service import Knowledge
from tests.bot.cluster import BotProcess, FeedSite, environment, feed_site, launch_bot
from tests.conftest import POSTGRES_URL, SEED, SEED_URL, _reset_postgres, make_settings
from tests.fakediscord import FakeDiscord, Server

pytestmark = pytest.mark.postgres

LOADING = 1 << 7


@pytest.fixture
async def database() -> str:
    if not POSTGRES_URL:
        pytest.skip("NEWSDESK_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    await _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running(patch=False, heartbeat_interval_ms=500) as server:
        yield server


def two_servers_per_shard(fake: FakeDiscord) -> list[Server]:
    first = Server(fake.guild, fake.admin, fake.member, fake.bot_member, fake.general, fake.news)
    servers = [first]
    for shard in (0, 0, 1, 1):
        if sum(1 for s in servers if (s.id >> 22) % 2 == shard) < 2:
            servers.append(fake.add_guild(f"Guild {len(servers)}", shard=shard, shard_count=2))
    return servers


async def prepare(
    database: str, tmp_path: Path, *, feeds: list[str], site: FeedSite, servers: list[Server]
) -> None:
    """The seed article, the feeds as due sources (nothing fetched yet) and a digest due in every server."""
    kb = await Knowledge.open(make_settings(tmp_path, database))
    try:
        assert (await kb.ingest(str(SEED), url=SEED_URL))[0].status == "added"
        for name in feeds:
            await kb.store.add_source(site.feed_url(name), "feed", guild=None)
        due = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
        for server in servers:
            await kb.set_digest(server.id, server.news.id, due, "UTC")
    finally:
        await kb.close()


async def start_pair(tmp_path: Path, fake: FakeDiscord, database: str, **extra: str) -> list[BotProcess]:
    env = environment(
        tmp_path,
        **{**fake.env(), "NEWSDESK_DEV_GUILD_ID": ""},
        NEWSDESK_DATABASE_URL=database,
        NEWSDESK_SHARD_COUNT="2",
        **extra,
    )
    return [await launch_bot(tmp_path, f"shard{i}", {**env, "NEWSDESK_SHARD_IDS": str(i)}) for i in (0, 1)]


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for bot in started:
        await bot.stop(signal.SIGKILL)


def digests_in(fake: FakeDiscord, server: Server) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages_in(server.news, ephemeral=False)
        if m["author"]["id"] == str(fake.bot_user.id) and "digest" in m["content"].lower()
    ]


async def until(condition: Any, timeout: float = 60, what: str = "condition") -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await condition():
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_two_processes_share_the_work_once(
    database: str, fake: FakeDiscord, tmp_path: Path, processes: list[BotProcess]
) -> None:
    servers = two_servers_per_shard(fake)
    readers = {s.id: [fake.add_member(f"reader{i}", guild=s.guild) for i in range(50)] for s in servers}
    feeds = ["alpha", "beta", "gamma"]
    async with feed_site() as site:
        await prepare(database, tmp_path, feeds=feeds, site=site, servers=servers)
        processes += await start_pair(tmp_path, fake, database, NEWSDESK_POLL_MINUTES="30")
        await asyncio.gather(*(bot.wait_ready() for bot in processes))
        await fake.wait_for_shards({0, 1})

        async def polled() -> bool:
            rounds = [await bot.metric("newsdesk_poll_rounds_total") for bot in processes]
            return all(rounds) and all(site.fetches(name) for name in feeds)

        await until(polled, what="a poll round in both processes")
        assert {name: site.fetches(name) for name in feeds} == dict.fromkeys(feeds, 1)
        polls = [await bot.metric("newsdesk_polls_total") for bot in processes]
        assert sum(polls) == len(feeds)

        async def digested() -> bool:
            posted = [await bot.metric("newsdesk_digests_total", outcome="posted") for bot in processes]
            return sum(posted) >= len(servers)

        await until(digested, what="every server's digest")
        assert [len(digests_in(fake, s)) for s in servers] == [1] * len(servers)
        assert all(SEED_URL in digests_in(fake, s)[0]["embeds"][0]["description"] for s in servers)
        for shard, bot in enumerate(processes):  # each digest came from the process owning its shard
            posted = {
                r["guild"]
                for r in bot.records()
                if r.get("command") == "digest" and r.get("outcome") == "posted"
            }
            assert posted == {s.id for s in servers if (s.id >> 22) % 2 == shard}
        assert sum(
            [await bot.metric("newsdesk_digests_total", outcome="posted") for bot in processes]
        ) == len(servers)

        # slash commands were synced once, by the process running shard 0
        assert len(fake.calls_to("PUT", rf"^/applications/{fake.application_id}/commands$")) == 1

        records = await asyncio.gather(
            *(
                fake.send_interaction(
                    "ask", {"question": "when was the shutdown deadline?"}, user=m, channel=s.general
                )
                for s in servers
                for m in readers[s.id]
            )
        )

        async def answered() -> bool:
            messages = [fake.original_message(r) for r in records]
            return all(m is not None and not m["flags"] & LOADING for m in messages)

        await until(answered, what="200 answers")
        latencies = [fake.interaction(r).latency for r in records]
        assert all(latency is not None and latency < 3 for latency in latencies), max(filter(None, latencies))
        assert {fake.original_message(r)["embeds"][0].get("url") for r in records} == {SEED_URL}
        asked = [await bot.metric("newsdesk_questions_total", via="slash") for bot in processes]
        assert asked == [100.0, 100.0]

        for bot in processes:
            assert (await bot.get("/healthz"))[0] == 200
            assert (await bot.get("/readyz")) == (200, "ready\n")
        codes = await asyncio.gather(*(bot.stop() for bot in processes))
    assert codes == [0, 0]
    assert not fake.gateway.active
    for bot in processes:
        assert all(r["level"] != "ERROR" for r in bot.records()), bot.log.read_text()[-3000:]


async def test_a_process_killed_mid_poll_loses_its_claim_after_the_lease(
    database: str, fake: FakeDiscord, tmp_path: Path, processes: list[BotProcess]
) -> None:
    async with feed_site(hang_first={"slow"}) as site:
        await prepare(database, tmp_path, feeds=["slow"], site=site, servers=[])
        processes += await start_pair(
            tmp_path, fake, database, NEWSDESK_POLL_MINUTES="0.05", NEWSDESK_LEASE_SECONDS="2"
        )
        await asyncio.wait_for(site.hanging.wait(), 60)
        kb = await Knowledge.open(make_settings(tmp_path, database))
        try:
            [owner] = (await kb.store.source_claims()).values()
            pid = int(owner.split(":")[1].split()[0])
            [victim] = [bot for bot in processes if bot.pid == pid]
            [survivor] = [bot for bot in processes if bot is not victim]
            assert await victim.stop(signal.SIGKILL) == -signal.SIGKILL

            async def taken_over() -> bool:
                [source] = await kb.list_sources(all_guilds=True)
                return source.last_success is not None

            await until(taken_over, what="the survivor to poll the feed")
            assert site.fetches("slow") == 2  # the killed process's request, then the survivor's
            assert survivor.process.returncode is None
            urls = [article.url async for article in kb.export()]
            stories = [u for u in urls if "/story/" in u]
            assert sorted(stories) == sorted({f"{site.base}/story/slow/1", f"{site.base}/story/slow/2"})
            assert len(urls) == len(set(urls))
        finally:
            await kb.close()
