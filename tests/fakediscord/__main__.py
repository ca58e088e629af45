"""A local Discord stand-in to try the bot without a Discord account: ``python -m tests.fakediscord``.

It prints the settings that point ``newsdesk run`` at it; start the bot with them in another
terminal, then type a question here: it is sent as ``/ask`` from a test server and the bot's answer
is printed. ``/search WORDS`` sends a search instead. End with Ctrl-D or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.webhooks import LOADING

ANSWER_SECONDS = 30.0


def _rendered(message: dict[str, Any] | None) -> str:
    """A bot message as plain text: its content, then each embed's title, description and fields."""
    if message is None:
        return "(the bot sent nothing)"
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("url") or "", embed.get("description") or ""]
        parts += [f"{field['name']}: {field['value']}" for field in embed.get("fields") or []]
    return "\n".join(part for part in parts if part) or "(an empty message)"


async def _ask(fake: FakeDiscord, line: str) -> str:
    if not fake.gateway.active:
        return "The bot is not connected yet: start `newsdesk run` with the settings above."
    if line.startswith("/search "):
        record = await fake.send_interaction("search", {"query": line.removeprefix("/search ").strip()})
    else:
        record = await fake.send_interaction("ask", {"question": line.removeprefix("/ask ").strip()})
    try:
        await fake.wait_for_response(record, ANSWER_SECONDS)
        async with asyncio.timeout(ANSWER_SECONDS):
            while (message := fake.original_message(record)) is None or message.get("flags", 0) & LOADING:
                await asyncio.sleep(0.05)  # deferred ("thinking...") until the answer is edited in
    except (AssertionError, TimeoutError):
        return f"The bot did not answer within {ANSWER_SECONDS:.0f} s."
    return _rendered(fake.original_message(record))


async def serve(port: int) -> None:
    fake = FakeDiscord(interaction_deadline=None)
    await fake.start(port=port)
    settings = {**fake.env(), "NEWSDESK_DEV_GUILD_ID": str(fake.guild.id)}
    print("A local Discord stand-in is listening. Run the bot against it in another terminal:\n")
    print("  " + " ".join(f"{key}={value}" for key, value in settings.items()) + " newsdesk run\n")
    print("Then type a question (or /search WORDS) and press Enter. Ctrl-D ends.", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if line.strip():
                print(await _ask(fake, line.strip()), flush=True)
    finally:
        await fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakediscord", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
