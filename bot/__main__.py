"""Start the Discord bot (``python -m bot`` and ``newsdesk run``).

Exit codes: 0 after a clean stop (SIGINT/SIGTERM), 1 when Discord refuses the token or something
else stops the bot, 2 when the configuration is missing or invalid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import sys

import aiohttp
import discord

from bot.app import NewsdeskBot
from bot.config import BotSettings, load_bot_settings, own_index_dir
from bot.logs import configure_logging, describe
from knowledge.errors import ConfigurationError, NewsdeskError

log = logging.getLogger(__name__)

DRAIN_SECONDS = 5.0  # answers in flight get this long to finish after SIGTERM
CLOSE_SECONDS = 2.0  # then the gateway and database get this long to close
RETRY_CAP = 60.0
DISCORD_API = "https://discord.com/api/v10"

MISSING_TOKEN = (
    "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in .env (copy .env.example), "
    'or try Newsdesk offline with `newsdesk ingest FILE_OR_URL` then `newsdesk ask "your question"`.'
)
REJECTED_TOKEN = (
    "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the "
    "Developer Portal (Bot -> Reset Token) into .env."
)


async def wait_for_discord(api_base: str, stop: asyncio.Event) -> bool:
    """Until Discord's REST API answers at all: one line per failed attempt, backing off. False if
    told to stop first."""
    url = f"{api_base.rstrip('/')}/gateway"
    attempt = 0
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not stop.is_set():
            try:
                async with session.get(url) as response:
                    await response.read()
                    if response.status < 500:
                        return True
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                problem = describe(error)
            attempt += 1
            delay = min(RETRY_CAP, 2.0**attempt) * random.uniform(0.75, 1.0)
            log.warning(
                "cannot reach Discord at %s (%s); retrying in %.0f s (attempt %d)",
                api_base,
                problem,
                delay,
                attempt,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    return False


async def run_bot(settings: BotSettings, *, bot: NewsdeskBot | None = None) -> None:
    """Run until the gateway closes or SIGINT/SIGTERM arrives, then stop gracefully:
    refuse new work, let answers in flight finish (bounded), give claims back, close."""
    if settings.discord_token is None:
        raise discord.LoginFailure(MISSING_TOKEN)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        if not await wait_for_discord(settings.discord_api_base or DISCORD_API, stop):
            return
        bot = bot or NewsdeskBot(settings)
        async with bot:
            running = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if running.done():
                running.result()
                return
            await shut_down(bot, running)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def shut_down(bot: NewsdeskBot, running: asyncio.Task[None]) -> None:
    log.info("shutting down: no new work; waiting up to %.0f s for answers in flight", DRAIN_SECONDS)
    await bot.stop_taking_work()
    if not await bot.in_flight.wait_idle(DRAIN_SECONDS):
        log.warning(
            "%d answers still in flight after %.0f s; stopping anyway", bot.in_flight.count, DRAIN_SECONDS
        )
    await bot.release_claims()
    try:
        await asyncio.wait_for(bot.close(), CLOSE_SECONDS)
    except TimeoutError:
        log.warning("closing took longer than %.0f s; stopping anyway", CLOSE_SECONDS)
    if not running.done():
        running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    log.info("stopped")


def main() -> int:
    """Entry point: exit 0 after a clean shutdown, 1 when Discord refuses the token, 2 when it is missing."""
    try:
        settings = load_bot_settings()
    except ConfigurationError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if settings.discord_token is None:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    settings = own_index_dir(settings)
    try:
        asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "newsdesk: Discord refused a privileged intent; Newsdesk needs none, check the code.",
            file=sys.stderr,
        )
        return 1
    except NewsdeskError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (OSError, aiohttp.ClientError, discord.DiscordException) as error:
        print(f"newsdesk: the bot stopped: {describe(error)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
