"""Logs an operator can use: one JSON object per line with context fields, one line per network error."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from bot.logs import JsonFormatter, OneLineNetworkErrors
from tests.bot.conftest import Harness
from tests.bot.test_interactions import finished


def _record(message: str, *, exc: BaseException | None = None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("discord.client", logging.ERROR, __file__, 1, message, (), None)
    if exc is not None:
        record.exc_info = (type(exc), exc, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_carry_the_context_fields() -> None:
    line = JsonFormatter().format(_record("/ask ok in 12 ms", shard=1, guild=42, command="ask", latency=12.0))
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "/ask ok in 12 ms" and entry["level"] == "ERROR"
    assert (entry["shard"], entry["guild"], entry["command"], entry["latency"]) == (1, 42, "ask", 12.0)


def test_a_network_error_is_one_line_with_its_reason() -> None:
    error = aiohttp.ClientConnectionError("Cannot connect to host gateway.discord.gg:443")
    record = _record("Attempting a reconnect in 2.00s", exc=error)
    assert OneLineNetworkErrors().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Attempting a reconnect in 2.00s "
        "(ClientConnectionError: Cannot connect to host gateway.discord.gg:443)"
    )
    bug = _record("boom", exc=RuntimeError("bug"))
    OneLineNetworkErrors().filter(bug)
    assert bug.exc_info is not None  # real bugs keep their traceback


async def test_each_command_logs_one_line_without_what_was_asked(
    canned: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = canned.fake
    with caplog.at_level(logging.INFO, logger="bot.tree"):
        await finished(
            fake, await fake.send_interaction("ask", {"question": "secret words here"}, user=fake.member)
        )
        async with asyncio.timeout(5):
            while not [r for r in caplog.records if r.name == "bot.tree"]:
                await asyncio.sleep(0.02)
    [line] = [r for r in caplog.records if r.name == "bot.tree"]
    assert (line.command, line.outcome, line.guild, line.shard) == ("ask", "ok", fake.guild.id, 0)  # type: ignore[attr-defined]
    assert all("secret words" not in r.getMessage() for r in caplog.records)
