"""The daily digest end to end on the real Knowledge service: commands, the loop, restarts, failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bot.conftest import Harness
from tests.bot.test_interactions import followup
from tests.conftest import SEED_URL
from tests.fakediscord import FakeDiscord, Perm

EPHEMERAL = 1 << 6


def digests_in(fake: FakeDiscord, channel: Any) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages_in(channel, ephemeral=False)
        if m["author"]["id"] == str(fake.bot_user.id) and "digest" in m["content"].lower()
    ]


async def ticked(harness: Harness, rounds: int = 1) -> None:
    """Wait until the digest loop has completed ``rounds`` iterations since the bot started."""
    cog = harness.cog("DigestCog")
    async with asyncio.timeout(10):
        while cog.rounds < rounds:
            await asyncio.sleep(0.02)


def hhmm(when: datetime) -> str:
    return when.strftime("%H:%M")


async def answered(fake: FakeDiscord, record: Any) -> dict[str, Any]:
    await fake.wait_for_response(record)
    async with asyncio.timeout(10):
        while (message := fake.original_message(record)) is None or message["flags"] & (1 << 7):
            await asyncio.sleep(0.02)
    return message


async def test_admin_sets_a_digest_and_posts_one_now(harness: Harness) -> None:
    fake = harness.fake
    record = await fake.send_interaction(
        "digest", {"channel": fake.news, "time": "23:59", "timezone": "UTC"}, subcommand="set"
    )
    done = await answered(fake, record)
    assert done["flags"] & EPHEMERAL
    assert f"<#{fake.news.id}>" in done["content"] and "23:59" in done["content"]

    confirmation = await answered(fake, await fake.send_interaction("digest", {}, subcommand="now"))
    assert confirmation["flags"] & EPHEMERAL and "Posted the digest (1 article)" in confirmation["content"]
    [posted] = digests_in(fake, fake.news)
    assert SEED_URL in posted["embeds"][0]["description"]
    assert fake.pings(posted).none

    status = await answered(fake, await fake.send_interaction("digest", {}, subcommand="status"))
    assert "23:59" in status["embeds"][0]["description"]
    off = await answered(fake, await fake.send_interaction("digest", {}, subcommand="off"))
    assert "off" in off["content"]
    assert (await harness.knowledge.get_digest(fake.guild.id)).enabled is False


async def test_bad_time_or_zone_is_explained(harness: Harness) -> None:
    fake = harness.fake
    record = await fake.send_interaction(
        "digest", {"channel": fake.news, "time": "25:99", "timezone": "Mars/Base"}, subcommand="set"
    )
    body = await followup(fake, record)
    assert body["flags"] & EPHEMERAL and "HH:MM" in body["content"]


async def test_scheduled_digest_posts_exactly_once_across_a_restart(harness: Harness) -> None:
    fake, knowledge = harness.fake, harness.knowledge
    now = datetime.now(UTC)
    await knowledge.set_digest(fake.guild.id, fake.news.id, hhmm(now - timedelta(minutes=1)), "UTC")
    await harness.restart()  # the loop's first round runs as soon as the bot is ready
    await ticked(harness)
    [posted] = digests_in(fake, fake.news)
    assert SEED_URL in posted["embeds"][0]["description"]

    await harness.restart()
    await ticked(harness)
    assert await harness.cog("DigestCog").run_due(datetime.now(UTC)) == 0
    assert len(digests_in(fake, fake.news)) == 1
    schedule = await knowledge.get_digest(fake.guild.id)
    assert schedule.last_posted_on == (now - timedelta(minutes=1)).date() and schedule.last_error is None


async def test_digest_missed_while_down_is_caught_up(harness: Harness) -> None:
    fake, knowledge = harness.fake, harness.knowledge
    await harness.stop()
    missed = datetime.now(UTC) - timedelta(hours=3)
    await knowledge.set_digest(fake.guild.id, fake.news.id, hhmm(missed), "UTC")
    await harness.start()
    await ticked(harness)
    assert len(digests_in(fake, fake.news)) == 1


async def test_a_failing_post_is_recorded_shown_and_the_loop_survives(harness: Harness) -> None:
    fake, knowledge = harness.fake, harness.knowledge
    cog = harness.cog("DigestCog")
    await ticked(harness)
    now = datetime.now(UTC)
    await knowledge.set_digest(fake.guild.id, fake.news.id, hhmm(now - timedelta(minutes=1)), "UTC")
    fake.deny(fake.news, Perm.SEND_MESSAGES)
    assert await cog.run_due(now) == 0
    schedule = await knowledge.get_digest(fake.guild.id)
    assert "not allowed to post" in schedule.last_error and schedule.last_posted_on is None

    status = await answered(fake, await fake.send_interaction("digest", {}, subcommand="status"))
    assert "not allowed to post" in status["embeds"][0]["fields"][-1]["value"]

    posts = rf"^/channels/{fake.news.id}/messages$"
    tries = len(fake.calls_to("POST", posts))
    assert await cog.run_due(now + timedelta(seconds=50)) == 0  # no retry every minute: it backs off
    assert len(fake.calls_to("POST", posts)) == tries

    await fake.delete_channel(fake.news)
    later = now + timedelta(minutes=30)
    assert await cog.run_due(later) == 0
    assert "no longer exists" in (await knowledge.get_digest(fake.guild.id)).last_error
    assert cog.tick.is_running()

    await knowledge.set_digest(fake.guild.id, fake.general.id, hhmm(now - timedelta(minutes=1)), "UTC")
    assert await cog.run_due(later) == 1  # fixed by the admin: the same day's digest goes out at once
    assert (await knowledge.get_digest(fake.guild.id)).last_error is None


TOPICS = [
    "harbour cranes", "wheat harvest", "chess olympiad", "volcanic ash", "tram network", "orchestra tour",
    "glacier survey", "cycling race", "bakery strike", "satellite launch", "river flood", "museum theft",
    "school meals", "wind farm",
]  # fmt: skip


async def several_messages(harness: Harness, tmp_path: Any, sites: int = 14) -> None:
    """Distinct articles from ``sites`` sites: one embed each, so the digest needs two messages."""
    for i, topic in enumerate(TOPICS[:sites]):
        words = " ".join(f"{topic.split()[0]}{n}" for n in range(40))
        path = tmp_path / f"story{i}.html"
        path.write_text(
            f"<html><head><title>News about the {topic}</title></head><body><article><h1>{topic}</h1>"
            f"<p>Reporters covering the {topic} wrote this long first paragraph: {words}.</p>"
            f"<p>The second paragraph about the {topic} adds detail nobody else has: {words[::-1]}.</p>"
            "</article></body></html>",
            encoding="utf-8",
        )
        [result] = await harness.knowledge.ingest(str(path), url=f"https://site{i}.example/story")
        assert result.status == "added", result


async def test_a_retry_continues_after_the_messages_already_posted(harness: Harness, tmp_path: Any) -> None:
    fake, knowledge = harness.fake, harness.knowledge
    cog = harness.cog("DigestCog")
    await ticked(harness)
    await several_messages(harness, tmp_path)
    now = datetime.now(UTC)
    await knowledge.set_digest(fake.guild.id, fake.news.id, hhmm(now - timedelta(minutes=1)), "UTC")
    posts = rf"^/channels/{fake.news.id}/messages$"
    fake.fail_next(posts, status=403, code=50013, method="POST", times=None, after=1)
    assert await cog.run_due(now) == 0
    assert len(digests_in(fake, fake.news)) == 1  # the first message went out, the second failed
    fake.rest.faults.clear()
    assert await cog.run_due(now + timedelta(hours=1)) == 1
    sent = [
        m for m in fake.messages_in(fake.news, ephemeral=False) if m["author"]["id"] == str(fake.bot_user.id)
    ]
    assert len(sent) == 2 and sent[1]["content"] == ""  # the second message only; nothing posted twice
    urls = "".join(e["description"] for m in sent for e in m["embeds"])
    assert all(f"https://site{i}.example/story" in urls for i in range(14))


async def test_a_message_discord_rejects_for_good_is_skipped_not_retried(
    harness: Harness, tmp_path: Any
) -> None:
    fake, knowledge = harness.fake, harness.knowledge
    cog = harness.cog("DigestCog")
    await ticked(harness)
    await several_messages(harness, tmp_path)
    now = datetime.now(UTC)
    await knowledge.set_digest(fake.guild.id, fake.news.id, hhmm(now - timedelta(minutes=1)), "UTC")
    posts = rf"^/channels/{fake.news.id}/messages$"
    fake.fail_next(posts, status=400, code=50035, message="Invalid Form Body", method="POST")
    assert await cog.run_due(now) == 1
    assert len(fake.calls_to("POST", posts)) == 2  # the refused one and the rest
    schedule = await knowledge.get_digest(fake.guild.id)
    assert "message 1 of 2 skipped" in schedule.last_error and schedule.last_posted_on is not None
    assert await cog.run_due(now + timedelta(minutes=5)) == 0
    assert len(fake.calls_to("POST", posts)) == 2
