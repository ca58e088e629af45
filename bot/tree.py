"""The command tree: refuses new work while stopping, counts work in flight, logs one line per command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import metrics

if TYPE_CHECKING:
    from bot.app import NewsdeskBot

log = logging.getLogger(__name__)


class ShuttingDown(app_commands.CheckFailure):
    """A command arrived after SIGTERM: say so instead of starting work we may not finish."""

    def __init__(self) -> None:
        super().__init__("Newsdesk is restarting; please try again in a few seconds.")


class InFlight:
    """Counts answers being worked on, so a graceful stop can wait for them (bounded)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """True when nothing is in flight any more, False if ``timeout`` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


def shard_of(guild_id: int | None, shard_count: int | None) -> int:
    """The shard Discord routes a server to (DMs go to shard 0)."""
    if guild_id is None or not shard_count:
        return 0
    return (guild_id >> 22) % shard_count


class NewsdeskTree(app_commands.CommandTree["NewsdeskBot"]):
    async def interaction_check(self, interaction: discord.Interaction[NewsdeskBot], /) -> bool:
        if self.client.stopping:
            raise ShuttingDown()
        return True

    async def _call(self, interaction: discord.Interaction[NewsdeskBot]) -> None:
        """Run a command (discord.py's dispatch), counted in flight and logged once, without its text."""
        if interaction.type is discord.InteractionType.autocomplete:
            await super()._call(interaction)
            return
        started = time.monotonic()
        outcome = "ok"
        with self.client.in_flight.track():
            try:
                await super()._call(interaction)
                if interaction.command_failed:
                    outcome = "failed"
            except Exception:
                outcome = "failed"
                raise
            finally:
                name = interaction.command.qualified_name if interaction.command else "unknown"
                latency = round((time.monotonic() - started) * 1000, 1)
                metrics.COMMANDS.labels(name.split(" ")[0], outcome).inc()
                log.info(
                    "/%s %s in %.0f ms",
                    name,
                    outcome,
                    latency,
                    extra=context(interaction, name, latency, outcome),
                )


def context(
    interaction: discord.Interaction[Any], command: str, latency: float, outcome: str
) -> dict[str, Any]:
    """The ``extra=`` fields of a command's log line (JSON logs turn them into fields)."""
    return {
        "shard": shard_of(interaction.guild_id, interaction.client.shard_count),
        "guild": interaction.guild_id,
        "command": command,
        "latency": latency,
        "outcome": outcome,
    }
