"""SIGTERM: no new work, answers in flight finish, claims go back, the gateway closes."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.__main__ import shut_down
from tests.bot.conftest import Harness
from tests.bot.test_interactions import callback_body, finished

EPHEMERAL = 1 << 6


async def test_a_graceful_stop_finishes_answers_in_flight_and_refuses_new_ones(canned: Harness) -> None:
    fake, knowledge, bot = canned.fake, canned.knowledge, canned.bot
    assert bot is not None and canned._task is not None
    release = asyncio.Event()
    answer = knowledge.answer
    released: list[bool] = []

    async def slow_ask(question: str, **kwargs: Any) -> Any:
        await release.wait()
        return answer

    async def release_claims() -> None:
        released.append(True)

    knowledge.ask = slow_ask
    knowledge.release_claims = release_claims
    in_flight = await fake.send_interaction("ask", {"question": "when?"}, user=fake.member)
    await fake.wait_for_response(in_flight)
    stopping = asyncio.create_task(shut_down(bot, canned._task))
    async with asyncio.timeout(5):
        while not bot.stopping:
            await asyncio.sleep(0.01)
    late = await fake.send_interaction("ask", {"question": "and now?"}, user=fake.admin)
    body = await callback_body(fake, late)
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL and "restarting" in body["data"]["content"]
    assert not stopping.done()  # still waiting for the answer in flight
    release.set()
    message = await finished(fake, in_flight)
    assert "**Dec. 30**" in message["embeds"][0]["description"]
    await asyncio.wait_for(stopping, 10)
    assert released == [True] and bot.is_closed() and not fake.gateway.active
    canned.bot = None
