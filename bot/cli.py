"""The ``newsdesk`` entry point: every library command plus ``run``, which starts the Discord bot."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from knowledge import cli as library

RUN_HELP = "run the Discord bot (needs DISCORD_TOKEN)"
RUN_EPILOG = """example:
  DISCORD_TOKEN=... newsdesk run

reads DISCORD_TOKEN, NEWSDESK_DATABASE_URL, NEWSDESK_DISCORD_API_BASE, NEWSDESK_DISCORD_GATEWAY,
NEWSDESK_DEV_GUILD_ID, NEWSDESK_SHARD_COUNT, NEWSDESK_SHARD_IDS, NEWSDESK_HTTP_PORT, NEWSDESK_HTTP_HOST,
NEWSDESK_LOG_FORMAT, NEWSDESK_LOG_LEVEL, NEWSDESK_POLL_MINUTES, NEWSDESK_LEASE_SECONDS
(environment or .env)"""


def add_run_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help=RUN_HELP,
        description="Run the Discord bot until SIGINT or SIGTERM.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(handler=None)


def build_parser() -> argparse.ArgumentParser:
    """The library's parser with ``run`` added."""
    return library.build_parser(add_run_command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from bot.__main__ import main as run_bot  # discord.py is only imported to run the bot

        return run_bot()
    return library.execute(args)


if __name__ == "__main__":
    sys.exit(main())
