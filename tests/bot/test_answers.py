"""The founding question answered through Discord by the real Knowledge service."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import Harness
from tests.bot.test_interactions import finished
from tests.bot.test_mentions import wait_for_bot_messages
from tests.conftest import SEED_URL


async def test_ask_answers_dec_30_with_the_link(harness: Harness) -> None:
    fake = harness.fake
    record = await fake.send_interaction(
        "ask", {"question": "when was the shutdown deadline?"}, user=fake.member
    )
    message = await finished(fake, record)
    embed = message["embeds"][0]
    assert "**Dec. 30**" in embed["description"]
    assert embed["url"] == SEED_URL
    assert fake.pings(message).none


async def test_mention_in_a_channel_is_answered_in_a_new_thread(harness: Harness) -> None:
    fake = harness.fake
    asked = await fake.send_message(
        f"{fake.bot_mention} when was the shutdown deadline?", channel=fake.general, author=fake.member
    )
    await fake.wait_for_call("POST", rf"/messages/{asked['id']}/threads$")
    [answer] = await wait_for_bot_messages(fake, fake.channel(int(asked["id"])))
    assert "Dec. 30" in answer["embeds"][0]["description"] and answer["embeds"][0]["url"] == SEED_URL


async def test_unanswerable_question_gets_no_quote(harness: Harness) -> None:
    fake = harness.fake
    record = await fake.send_interaction("ask", {"question": "who won the 1950 football world cup final?"})
    message = await finished(fake, record)
    embed: dict[str, Any] = message["embeds"][0]
    assert embed["title"] == "No answer found" and "url" not in embed
    assert "BlackBerry" not in str(embed)


async def test_search_lists_the_passage(harness: Harness) -> None:
    fake = harness.fake
    record = await fake.send_interaction("search", {"query": "shutdown deadline"})
    message = await finished(fake, record)
    await asyncio.sleep(0)
    assert SEED_URL in message["embeds"][0]["description"]
