"""Start the Discord bot (``python -m bot`` and ``newsdesk run``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import discord

from bot.app import NewsdeskBot
from knowledge.config import Settings, load_settings
from knowledge.errors import ConfigurationError

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
SHUTDOWN_SECONDS = 5.0

MISSING_TOKEN = (
    "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in .env (copy .env.example), "
    'or try Newsdesk offline with `newsdesk ingest FILE_OR_URL` then `newsdesk ask "your question"`.'
)
REJECTED_TOKEN = (
    "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the "
    "Developer Portal (Bot -> Reset Token) into .env."
)


def configure_logging(level: str = "INFO") -> None:
    """One readable line per record on stderr."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr, force=True)
    logging.getLogger("discord.http").setLevel(logging.WARNING)


async def run_bot(settings: Settings, *, bot: NewsdeskBot | None = None) -> None:
    """Run until the gateway closes or SIGINT/SIGTERM arrives, then close gateway, HTTP and database."""
    if settings.discord_token is None:
        raise discord.LoginFailure(MISSING_TOKEN)
    bot = bot or NewsdeskBot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not running.done():
                log.info("shutting down")
                try:
                    await asyncio.wait_for(bot.close(), SHUTDOWN_SECONDS)
                except TimeoutError:
                    log.warning("clean shutdown took longer than %.0f s; stopping anyway", SHUTDOWN_SECONDS)
                if not running.done():
                    running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
            else:
                running.result()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def main() -> int:
    """Entry point: exit 0 after a clean shutdown, 1 when Discord refuses the token, 2 when it is missing."""
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if settings.discord_token is None:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    try:
        asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
