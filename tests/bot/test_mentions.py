"""Questions asked by mentioning the bot: in a channel (opens a thread), in a thread, and follow-ups."""

from __future__ import annotations

import asyncio
from typing import Any

from knowledge.models import Turn
from tests.bot.conftest import Harness
from tests.conftest import SEED_URL
from tests.fakediscord import FakeDiscord


def bot_messages(fake: FakeDiscord, channel: Any) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel) if m["author"]["id"] == str(fake.bot_user.id)]


async def wait_for_bot_messages(fake: FakeDiscord, channel: Any, count: int = 1) -> list[dict[str, Any]]:
    async with asyncio.timeout(5):
        while len(found := bot_messages(fake, channel)) < count:
            await asyncio.sleep(0.02)
    return found


async def test_mention_in_a_channel_opens_a_thread_named_after_the_question(canned: Harness) -> None:
    fake = canned.fake
    question = "when was the shutdown deadline? " + "and more words " * 10
    asked = await fake.send_message(
        f"{fake.bot_mention} {question}", channel=fake.general, author=fake.member
    )
    call = await fake.wait_for_call("POST", rf"^/channels/{fake.general.id}/messages/{asked['id']}/threads$")
    name = call.json["name"]
    assert name.startswith("when was the shutdown deadline?") and len(name) <= 100
    thread = fake.channel(int(asked["id"]))
    [answer] = await wait_for_bot_messages(fake, thread)
    assert "**Dec. 30**" in answer["embeds"][0]["description"]
    assert not bot_messages(fake, fake.general)  # nothing posted in the channel itself
    assert canned.knowledge.asked[0][0] == " ".join(question.split())


async def test_mention_in_a_thread_replies_there_and_follow_ups_carry_context(canned: Harness) -> None:
    fake = canned.fake
    first = await fake.send_message(
        f"{fake.bot_mention} when was the deadline?", channel=fake.thread, author=fake.member
    )
    [reply] = await wait_for_bot_messages(fake, fake.thread)
    assert reply["message_reference"]["message_id"] == first["id"]
    assert reply["embeds"][0]["url"].startswith("https://www.securityweek.com/")

    await fake.send_message(f"<@!{fake.bot_user.id}> and who set it?", channel=fake.thread, author=fake.admin)
    await wait_for_bot_messages(fake, fake.thread, 2)
    question, _guild, context = canned.knowledge.asked[-1]
    assert question == "and who set it?"
    assert context == (Turn("when was the deadline?", "Dec. 30", url=SEED_URL),)


async def test_follow_up_after_a_restart_reads_the_thread_history(canned: Harness) -> None:
    fake = canned.fake
    asked = await fake.send_message(
        f"{fake.bot_mention} when was the deadline?", channel=fake.general, author=fake.member
    )
    thread = None
    async with asyncio.timeout(5):
        while thread is None:
            thread = next((c for c in fake.guild.channels.values() if c.id == int(asked["id"])), None)
            await asyncio.sleep(0.02)
    await wait_for_bot_messages(fake, thread)
    await canned.restart()  # the in-memory conversation is gone; Discord's history is not

    await fake.send_message(f"{fake.bot_mention} who set it?", channel=thread, author=fake.member)
    await wait_for_bot_messages(fake, thread, 2)
    question, _guild, context = canned.knowledge.asked[-1]
    assert question == "who set it?"
    assert context == (Turn("when was the deadline?", "Dec. 30", url=SEED_URL),)


async def test_bots_and_plain_messages_are_ignored(canned: Harness) -> None:
    fake = canned.fake
    other_bot = fake.add_member("otherbot", bot=True)
    await fake.send_message(f"{fake.bot_mention} when?", channel=fake.thread, author=other_bot)
    await fake.send_message("no mention here", channel=fake.thread, author=fake.member)
    await fake.send_message(
        f"{fake.bot_mention} when was the deadline?", channel=fake.thread, author=fake.member
    )
    await wait_for_bot_messages(fake, fake.thread)
    await asyncio.sleep(0.2)
    assert len(bot_messages(fake, fake.thread)) == 1
    assert [q for q, _, _ in canned.knowledge.asked] == ["when was the deadline?"]


async def test_a_bare_mention_gets_a_hint(canned: Harness) -> None:
    fake = canned.fake
    await fake.send_message(fake.bot_mention, channel=fake.thread, author=fake.member)
    [hint] = await wait_for_bot_messages(fake, fake.thread)
    assert "Mention me with a question" in hint["content"]
    assert not canned.knowledge.asked
