"""Pytest helpers for the fake Discord.

Use explicitly from a test module (tests/conftest.py is the lead's)::

    from tests.fakediscord.fixtures import connected, fake_discord  # noqa: F401 (fixture)

    async def test_x(fake_discord: FakeDiscord) -> None:
        async with connected(discord.Client(intents=..., guild_ready_timeout=0.1), fake_discord) as client:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord
import pytest_asyncio

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running fake with discord.py patched to use it; short heartbeats."""
    async with FakeDiscord.running(heartbeat_interval_ms=500) as fake:
        yield fake


@contextlib.asynccontextmanager
async def connected(client: ClientT, fake: FakeDiscord, *, timeout: float = 10.0) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake``, wait for ``on_ready``, close it cleanly afterwards.

    Raises the client's own exception (e.g. LoginFailure) if it dies before becoming ready.
    """
    async with client:
        task = asyncio.create_task(client.start(fake.token), name="fakediscord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()  # raises the startup error
                raise RuntimeError("discord client stopped before it became ready")
            if ready not in done:
                raise TimeoutError(f"discord client not ready within {timeout}s")
            yield client
        finally:
            ready.cancel()
            await client.close()
            if not task.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=10)
            elif not task.cancelled():
                task.exception()  # mark retrieved; a startup error was raised above
