"""What users see stays within Discord's limits, bursts of mentions get few replies, dead buttons say so."""

from __future__ import annotations

import asyncio
from typing import Any

from knowledge.errors import InvalidInput
from tests.bot.conftest import Harness, bot_payloads
from tests.bot.test_interactions import button, callback_body, finished, followup
from tests.bot.test_mentions import bot_messages, wait_for_bot_messages

EPHEMERAL = 1 << 6


async def test_sources_add_with_a_very_long_url_still_gets_a_reply(canned: Harness) -> None:
    fake = canned.fake
    url = "https://example.com/" + "a" * 1980
    message = await finished(fake, await fake.send_interaction("sources", {"url": url}, subcommand="add"))
    assert message["flags"] & EPHEMERAL and "Added page" in message["content"]
    assert all(len(body.get("content") or "") <= 2000 for body in bot_payloads(fake))


async def test_an_error_naming_a_long_url_is_cut_not_lost(canned: Harness) -> None:
    fake = canned.fake

    async def refuse(url: str, **kwargs: object) -> None:
        raise InvalidInput(f"{url} is already a source here.")

    canned.knowledge.add_source = refuse
    url = "https://example.com/" + "b" * 1995
    body = await followup(fake, await fake.send_interaction("sources", {"url": url}, subcommand="add"))
    assert (
        body["flags"] & EPHEMERAL and len(body["content"]) <= 2000 and body["content"].startswith("https://")
    )


async def test_a_reply_discord_refuses_becomes_a_short_explanation(canned: Harness) -> None:
    fake = canned.fake
    fake.fail_next(
        r"^/webhooks/\d+/[^/]+$", status=400, code=50035, message="Invalid Form Body", method="POST"
    )
    record = await fake.send_interaction("ask", {"question": "when was the deadline?"}, user=fake.member)
    await fake.wait_for_call("POST", r"^/webhooks/\d+/[^/]+$", count=2)
    last = fake.calls_to("POST", r"^/webhooks/\d+/[^/]+$")[-1]
    assert last.status == 200 and "would not show my reply" in last.json["content"]
    assert fake.interaction(record).latency is not None


async def test_thirty_mentions_in_a_row_get_a_few_messages(canned: Harness) -> None:
    fake = canned.fake
    for i in range(30):
        await fake.send_message(f"{fake.bot_mention} question {i}?", channel=fake.thread, author=fake.member)
    for _ in range(5):
        await fake.send_message(fake.bot_mention, channel=fake.thread, author=fake.member)
    await wait_for_bot_messages(fake, fake.thread, 8)
    await asyncio.sleep(0.5)
    sent = bot_messages(fake, fake.thread)
    notices = [m for m in sent if "Easy there" in m["content"]]
    hints = [m for m in sent if "Mention me with a question" in m["content"]]
    assert len(sent) - len(notices) - len(hints) == 8  # the answers the cooldown allows
    assert len(notices) == 1 and len(hints) == 1


async def test_an_over_long_question_in_a_mention_is_answered_in_place(harness: Harness) -> None:
    fake = harness.fake
    asked = await fake.send_message(
        f"{fake.bot_mention} {'why ' * 400}?", channel=fake.general, author=fake.member
    )
    [reply] = await wait_for_bot_messages(fake, fake.general)
    assert "characters long" in reply["content"]
    assert reply["message_reference"]["message_id"] == asked["id"]
    assert not fake.calls_to("POST", rf"/messages/{asked['id']}/threads$")


async def test_buttons_from_before_a_restart_say_they_expired(canned: Harness) -> None:
    fake = canned.fake
    message: dict[str, Any] = await finished(
        fake, await fake.send_interaction("ask", {"question": "when?"}, user=fake.member)
    )
    sources = button(message, "Sources")
    assert sources["custom_id"].startswith("newsdesk:")
    await canned.restart()
    body = await callback_body(fake, await fake.click(message, sources["custom_id"], user=fake.member))
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    assert "expired" in body["data"]["content"]
