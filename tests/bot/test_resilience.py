"""Rate limits, gateway drops and load: the bot keeps answering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket

from bot.config import BotSettings
from tests.bot.conftest import Harness, bot_payloads
from tests.conftest import SEED_URL
from tests.fakediscord import FakeDiscord


async def test_a_429_is_waited_out_and_the_message_still_arrives(canned: Harness) -> None:
    fake = canned.fake
    path = rf"^/channels/{fake.thread.id}/messages$"
    fake.rate_limit_next(path, retry_after=0.4, method="POST")
    await fake.send_message(
        f"{fake.bot_mention} when was the deadline?", channel=fake.thread, author=fake.member
    )
    await fake.wait_for_call("POST", path, count=2)
    limited, sent = fake.calls_to("POST", path)[:2]
    assert (limited.status, sent.status) == (429, 200)
    assert sent.time - limited.time >= 0.35


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "tcp-reset"])
async def test_a_dropped_gateway_is_resumed(canned: Harness, abrupt: bool) -> None:
    fake = canned.fake
    await fake.drop_gateway(4000, abrupt=abrupt)
    await fake.wait_for_resume(timeout=15)
    assert len(fake.gateway.ops(2)) == 1  # resumed, not re-identified
    # found through NEWSDESK_DISCORD_GATEWAY alone: discord.py's process-wide default is untouched
    assert str(DiscordWebSocket.DEFAULT_GATEWAY).startswith("wss://gateway.discord.gg")
    record = await fake.send_interaction("ask", {"question": "when?"}, user=fake.member)
    assert (await fake.wait_for_response(record)).status in (200, 204)


@pytest.fixture
async def crowd(fake: FakeDiscord, seeded: Any, bot_settings: BotSettings) -> AsyncIterator[Harness]:
    fake.crowd = [fake.add_member(f"reader{i}") for i in range(200)]  # type: ignore[attr-defined]
    runner = Harness(fake, seeded, bot_settings)
    await runner.start()
    yield runner
    await runner.stop()


async def test_200_concurrent_asks_are_each_deferred_within_discords_3_seconds(crowd: Harness) -> None:
    """Deferring before the work is what keeps every ask inside Discord's 3-second window under load."""
    fake = crowd.fake
    records = await asyncio.gather(
        *(
            fake.send_interaction("ask", {"question": "when was the shutdown deadline?"}, user=member)
            for member in fake.crowd  # type: ignore[attr-defined]
        )
    )
    async with asyncio.timeout(60):
        while any(
            fake.original_message(r) is None or fake.original_message(r)["flags"] & 128 for r in records
        ):
            await asyncio.sleep(0.1)
    assert all(fake.interaction(r).response_type == 5 for r in records)  # deferred, then edited
    # Discord drops an interaction not acknowledged within 3 s: that window is the protocol, not a benchmark
    latencies = [fake.interaction(r).latency for r in records]
    assert all(latency is not None and latency < 3 for latency in latencies), max(filter(None, latencies))
    answers = {fake.original_message(r)["embeds"][0].get("url") for r in records}
    assert answers == {SEED_URL}
    assert all(body["allowed_mentions"]["parse"] == [] for body in bot_payloads(fake))
