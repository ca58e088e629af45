"""Slash commands, buttons and errors end to end: the real bot against the fake Discord (canned answers)."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bot import ui
from knowledge.errors import InvalidInput
from knowledge.models import Passage, SearchHit
from tests.bot.conftest import Harness, bot_payloads, make_bot_settings
from tests.bot.fakes import FakeKnowledge
from tests.fakediscord import FakeDiscord

EPHEMERAL = 1 << 6


async def finished(fake: FakeDiscord, record: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The interaction's visible message once the bot has answered (after a defer, the followup)."""
    await fake.wait_for_response(record, timeout)
    async with asyncio.timeout(timeout):
        while True:
            message = fake.original_message(record)
            if message is not None and not message["flags"] & (1 << 7):
                return message
            await asyncio.sleep(0.02)


async def followup(fake: FakeDiscord, record: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The body of the last followup the bot posted for an interaction."""
    async with asyncio.timeout(timeout):
        while True:
            posts = [
                c
                for c in fake.interaction_responses(record)
                if c.method == "POST" and c.path.startswith("/webhooks/") and c.status
            ]
            if posts:
                return posts[-1].json
            await asyncio.sleep(0.02)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return component
    raise AssertionError(f"no {label!r} button in {message['components']}")


async def callback_body(fake: FakeDiscord, record: Any) -> dict[str, Any]:
    call = await fake.wait_for_response(record)
    assert call.status in (200, 204), call
    return call.json


async def test_ask_defers_then_answers_with_quote_link_and_sources_button(canned: Harness) -> None:
    fake = canned.fake
    record = await fake.send_interaction("ask", {"question": "when was the deadline?"}, user=fake.member)
    assert (await callback_body(fake, record))["type"] == 5  # deferred: never misses the 3 s deadline
    message = await finished(fake, record)
    embed = message["embeds"][0]
    assert "**Dec. 30**" in embed["description"]
    assert embed["url"] == "https://www.securityweek.com/blackberry-continue-operating-pakistan"
    assert fake.interaction(record).latency is not None and fake.interaction(record).latency < 3

    sources = button(message, "Sources")
    click = await fake.click(message, sources["custom_id"], user=fake.admin)
    body = await callback_body(fake, click)
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    assert "Runner-up" in body["data"]["embeds"][0]["description"]


async def test_abstention_is_kind_and_carries_no_quote(canned: Harness) -> None:
    fake = canned.fake
    knowledge = canned.knowledge
    knowledge.answer = ui_abstain = knowledge.answer.__class__(
        "who won the 1950 world cup?", None, None, None, None, None, None, 0.05, True
    )
    record = await fake.send_interaction("ask", {"question": ui_abstain.question}, user=fake.member)
    message = await finished(fake, record)
    assert message["embeds"][0]["title"] == "No answer found"
    assert "url" not in message["embeds"][0]
    assert not message["components"]


async def test_search_pages_turn_for_the_invoker_only_and_time_out(
    canned: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = canned.fake
    canned.knowledge.hits = [
        SearchHit(Passage(i, i, 0, f"passage {i}", f"https://e.com/{i}", f"Title {i}"), 1 / (i + 1))
        for i in range(7)
    ]
    monkeypatch.setattr(ui, "PAGES_TIMEOUT", 1.0)
    record = await fake.send_interaction("search", {"query": "deadline"}, user=fake.member)
    message = await finished(fake, record)
    assert message["embeds"][0]["footer"]["text"] == "Page 1/3 · 7 passages"
    next_id = button(message, "Next")["custom_id"]

    stranger = await fake.click(message, next_id, user=fake.admin)
    refused = await callback_body(fake, stranger)
    assert refused["type"] == 4 and refused["data"]["flags"] & EPHEMERAL
    assert "Only the person who searched" in refused["data"]["content"]

    turn = await fake.click(message, next_id, user=fake.member)
    updated = await callback_body(fake, turn)
    assert updated["type"] == 7
    assert updated["data"]["embeds"][0]["footer"]["text"].startswith("Page 2/3")

    async with asyncio.timeout(5):  # the view times out and greys its buttons out
        while not all(c.get("disabled") for row in message["components"] for c in row["components"]):
            await asyncio.sleep(0.05)


async def test_quoted_mentions_never_ping(canned: Harness) -> None:
    fake = canned.fake
    record = await fake.send_interaction("ask", {"question": "deadline?"}, user=fake.member)
    message = await finished(fake, record)
    await fake.send_message(
        f"{fake.bot_mention} when was the deadline?", channel=fake.thread, author=fake.member
    )
    await fake.wait_for_call("POST", rf"^/channels/{fake.thread.id}/messages$")
    assert fake.pings(message).none
    for sent in fake.messages_in(fake.thread):
        if sent["author"]["id"] == str(fake.bot_user.id):
            assert fake.pings(sent).none
    payloads = bot_payloads(fake)
    assert payloads
    for body in payloads:
        assert body.get("allowed_mentions", {}).get("parse") == [], body


async def test_per_user_cooldown_is_friendly(canned: Harness) -> None:
    fake = canned.fake
    records = [await fake.send_interaction("ask", {"question": f"q{i}"}, user=fake.member) for i in range(9)]
    bodies = [await callback_body(fake, r) for r in records]
    assert [b["type"] for b in bodies[:8]] == [5] * 8
    assert bodies[8]["type"] == 4 and bodies[8]["data"]["flags"] & EPHEMERAL
    assert "Easy there" in bodies[8]["data"]["content"]
    other = await fake.send_interaction("ask", {"question": "q"}, user=fake.admin)
    assert (await callback_body(fake, other))["type"] == 5


async def test_knowledge_errors_become_private_replies(canned: Harness) -> None:
    fake = canned.fake

    async def refuse(*args: object, **kwargs: object) -> None:
        raise InvalidInput("Please type a question.")

    canned.knowledge.ask = refuse
    record = await fake.send_interaction("ask", {"question": "   "}, user=fake.member)
    await fake.wait_for_call("POST", r"^/webhooks/\d+/[^/]+$")
    visible = [
        m
        for m in fake.messages_in(fake.general)
        if m.get("interaction_metadata", {}).get("id") == str(record.id)
    ]
    texts = [m["content"] for m in fake.messages_in(fake.general, ephemeral=True) if m["flags"] & EPHEMERAL]
    assert "Please type a question." in texts
    assert not [m for m in visible if not m["flags"] & EPHEMERAL]  # the public "thinking…" was removed


async def test_unexpected_errors_show_a_reference_that_is_logged(
    canned: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = canned.fake

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    canned.knowledge.search = crash
    with caplog.at_level(logging.ERROR, logger="bot.exts._errors"):
        await fake.send_interaction("search", {"query": "x"}, user=fake.member)
        call = await fake.wait_for_call("POST", r"^/webhooks/\d+/[^/]+$")
    match = re.search(r"reference `([0-9a-f]{8})`", call.json["content"])
    assert match and call.json["flags"] & EPHEMERAL
    assert any(match.group(1) in r.getMessage() and r.exc_info for r in caplog.records)


async def test_admin_commands_refuse_members_without_manage_server(canned: Harness) -> None:
    fake = canned.fake
    attempts = [
        ("sources", "add", {"url": "https://example.com/feed"}),
        ("sources", "list", {}),
        ("sources", "remove", {"source": 1}),
        ("digest", "set", {"channel": fake.news, "time": "08:00", "timezone": "UTC"}),
        ("digest", "now", {}),
        ("digest", "off", {}),
        ("digest", "status", {}),
    ]
    for name, sub, options in attempts:
        record = await fake.send_interaction(name, options, subcommand=sub, user=fake.member)
        body = await callback_body(fake, record)
        assert body["type"] == 4, (name, sub)
        assert body["data"]["flags"] & EPHEMERAL
        assert "Manage Server" in body["data"]["content"]
    assert not canned.knowledge.sources and not canned.knowledge.schedules


async def test_admin_can_manage_sources_with_autocomplete(canned: Harness) -> None:
    fake = canned.fake
    added = await fake.send_interaction("sources", {"url": "https://example.com/a"}, subcommand="add")
    message = await finished(fake, added)
    assert "Added page" in message["content"] and message["flags"] & EPHEMERAL

    listing = await finished(fake, await fake.send_interaction("sources", {}, subcommand="list"))
    assert "https://example.com/a" in listing["embeds"][0]["description"]

    complete = await fake.send_autocomplete("sources", {"source": "exa"}, "source", subcommand="remove")
    await fake.wait_for_response(complete)
    choices = fake.interaction(complete).choices
    assert choices and choices[0]["value"] == 1 and "example.com" in choices[0]["name"]
    denied = await fake.send_autocomplete(
        "sources", {"source": ""}, "source", subcommand="remove", user=fake.member
    )
    await fake.wait_for_response(denied)
    assert fake.interaction(denied).choices == []

    removed = await finished(fake, await fake.send_interaction("sources", {"source": 1}, subcommand="remove"))
    assert "Stopped following" in removed["content"] and removed["flags"] & EPHEMERAL
    missing = await followup(fake, await fake.send_interaction("sources", {"source": 1}, subcommand="remove"))
    assert "no source #1" in missing["content"] and missing["flags"] & EPHEMERAL


async def test_timezone_autocomplete_offers_iana_names(canned: Harness) -> None:
    fake = canned.fake
    record = await fake.send_autocomplete(
        "digest",
        {"channel": fake.news, "time": "08:00", "timezone": "europe/lon"},
        "timezone",
        subcommand="set",
    )
    await fake.wait_for_response(record)
    assert [c["value"] for c in fake.interaction(record).choices or []] == ["Europe/London"]


async def test_commands_sync_to_the_dev_server_only_when_they_change(canned: Harness) -> None:
    fake = canned.fake
    puts = rf"^/applications/{fake.application_id}/guilds/{fake.guild.id}/commands$"
    assert fake.command_names(fake.guild.id) == {"ask", "search", "sources", "digest"}
    assert len(fake.calls_to("PUT", puts)) == 1 and canned.bot is not None and canned.bot.synced
    bot = await canned.restart()
    assert len(fake.calls_to("PUT", puts)) == 1 and bot.synced is False
    assert not fake.calls_to("PUT", rf"^/applications/{fake.application_id}/commands$")


async def test_commands_sync_globally_without_a_dev_server(fake: FakeDiscord, tmp_path: Path) -> None:
    env = {**fake.env(), "NEWSDESK_DEV_GUILD_ID": ""}
    runner = Harness(fake, FakeKnowledge(), make_bot_settings(tmp_path, **env))
    await runner.start()
    try:
        assert fake.command_names(None) == {"ask", "search", "sources", "digest"}
        assert not fake.calls_to("PUT", r"/guilds/\d+/commands$")
    finally:
        await runner.stop()
