"""Fixtures for the bot tests: the real bot against the fake Discord, on the real Knowledge service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import NewsdeskBot
from bot.config import BotSettings
from knowledge.models import Alternative, Answer
from tests.bot.fakes import FakeKnowledge
from tests.conftest import SEED, SEED_URL, make_settings
from tests.fakediscord import FakeDiscord


def make_bot_settings(tmp_path: Path, database_url: str | None = None, **extra: object) -> BotSettings:
    """The test settings (tests.conftest.make_settings) with the bot's own on top."""
    base = make_settings(tmp_path, database_url)
    values = {field.validation_alias: getattr(base, name) for name, field in type(base).model_fields.items()}
    values.update(extra)
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg]


class Harness:
    """The real bot (in this process) against the fake Discord, on one Knowledge service."""

    def __init__(self, fake: FakeDiscord, knowledge: Any, settings: BotSettings) -> None:
        self.fake = fake
        self.knowledge = knowledge
        self.settings = settings
        self.bot: NewsdeskBot | None = None
        self._task: asyncio.Task[None] | None = None
        self.starts = 0

    async def start(self, **options: Any) -> NewsdeskBot:
        bot = NewsdeskBot(self.settings, knowledge=self.knowledge, guild_ready_timeout=0.05, **options)
        self.bot = bot
        self.starts += 1
        self._task = asyncio.create_task(bot.start(self.fake.token))
        async with asyncio.timeout(10):
            while not bot.is_ready():
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)
        self.bot, self._task = None, None

    async def restart(self) -> NewsdeskBot:
        await self.stop()
        return await self.start()

    def cog(self, name: str) -> Any:
        assert self.bot is not None
        return self.bot.get_cog(name)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    # patch=False: the bot must find the fake through its own settings (API base + gateway)
    async with FakeDiscord.running(patch=False, heartbeat_interval_ms=500) as server:
        try:
            yield server
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
def bot_settings(tmp_path: Path, fake: FakeDiscord) -> BotSettings:
    return make_bot_settings(tmp_path, **fake.env())


@pytest.fixture
async def seeded(bot_settings: BotSettings) -> AsyncIterator[Any]:
    """The real Knowledge service on a temp SQLite database holding the founding article."""
    from knowledge.service import Knowledge

    service = await Knowledge.open(bot_settings)
    results = await service.ingest(str(SEED), url=SEED_URL)
    assert results[0].status == "added", results
    yield service
    await service.close()


@pytest.fixture
async def harness(fake: FakeDiscord, seeded: Any, bot_settings: BotSettings) -> AsyncIterator[Harness]:
    runner = Harness(fake, seeded, bot_settings)
    await runner.start()
    yield runner
    await runner.stop()


QUOTE = "BlackBerry said the deadline was Dec. 30, @everyone and <@&123456789012345678> were told."


def canned_answer() -> Answer:
    start = QUOTE.index("Dec. 30")
    return Answer(
        question="when was the deadline?",
        answer="Dec. 30",
        quote=QUOTE,
        passage=QUOTE,
        url=SEED_URL,
        title="BlackBerry to Continue Operating in Pakistan",
        published=datetime(2015, 12, 31, tzinfo=UTC),
        score=0.8,
        abstained=False,
        site="securityweek.com",
        span=(start, start + len("Dec. 30")),
        alternatives=(
            Alternative("The runner-up passage mentions @here.", "https://example.com/2", "Runner-up", 0.3),
        ),
    )


@pytest.fixture
async def canned(fake: FakeDiscord, bot_settings: BotSettings) -> AsyncIterator[Harness]:
    """The bot on a FakeKnowledge with a canned answer (for UI behaviour that must not depend on ranking)."""
    knowledge = FakeKnowledge()
    knowledge.answer = canned_answer()
    runner = Harness(fake, knowledge, bot_settings)
    await runner.start()
    yield runner
    await runner.stop()


def bot_payloads(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Every JSON body the bot sent that creates or edits a message."""
    bodies = []
    for call in fake.calls:
        body = call.json if isinstance(call.json, dict) else None
        if body is None:
            continue
        if call.path.endswith("/callback"):
            body = body.get("data") or {}
        if "content" in body or "embeds" in body or "components" in body:
            bodies.append(body)
    return bodies
