"""Logging for ``newsdesk run``: readable text or one JSON object per line, never a wall of traceback.

Records may carry ``shard``, ``guild``, ``command``, ``latency`` (ms) and ``outcome`` (pass them with
``extra=``); the JSON format writes them as fields. Nothing a user typed is logged at INFO.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord

TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
FIELDS = ("shard", "guild", "command", "latency", "outcome", "worker")
# What a network outage looks like: the reason in one line is all an operator needs.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.ConnectionClosed,
    discord.GatewayNotFound,
    discord.HTTPException,
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the known context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class OneLineNetworkErrors(logging.Filter):
    """discord.py logs every reconnect attempt with a full traceback; keep the reason, drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({describe(error)})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def describe(error: BaseException) -> str:
    """An exception as a short phrase: its type and first line."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Log to stderr in ``fmt`` ("text" or "json"); quiet discord.py's per-request and voice chatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(OneLineNetworkErrors())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # We never join voice: discord.py's "PyNaCl / davey is not installed" warnings are noise.
    discord.VoiceClient.warn_nacl = False
    if hasattr(discord.VoiceClient, "warn_dave"):
        discord.VoiceClient.warn_dave = False
