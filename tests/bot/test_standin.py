"""The README's "try it without Discord" path: `python -m tests.fakediscord` plus `newsdesk run`."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from bot.invite import PERMISSIONS, SCOPES, invite_url
from tests.bot.test_main import ROOT, environment, launch
from tests.conftest import SEED, SEED_URL


async def _line_with(stream: asyncio.StreamReader, needle: str, seconds: float = 60) -> str:
    async with asyncio.timeout(seconds):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"stream ended before a line with {needle!r}")
            if needle in line:
                return line


async def test_stand_in_prints_the_settings_and_relays_a_question(tmp_path: Path) -> None:
    env = environment(tmp_path)
    ingest = await launch(tmp_path, env, "-m", "knowledge.cli", "ingest", str(SEED), "--url", SEED_URL)
    await asyncio.wait_for(ingest.communicate(), 60)
    stand_in = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakediscord",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = None
    try:
        assert stand_in.stdout is not None and stand_in.stdin is not None
        command = await _line_with(stand_in.stdout, "newsdesk run")
        settings = dict(re.findall(r"(\w+)=(\S+)", command))
        assert {"DISCORD_TOKEN", "NEWSDESK_DISCORD_API_BASE", "NEWSDESK_DISCORD_GATEWAY"} <= set(settings)
        bot = await launch(tmp_path, {**env, **settings}, "-m", "bot.cli", "run")
        answer = ""
        async with asyncio.timeout(90):
            while "Dec. 30" not in answer:  # "not connected yet" until the bot has started
                stand_in.stdin.write(b"when was the shutdown deadline?\n")
                await stand_in.stdin.drain()
                answer = (await stand_in.stdout.readline()).decode()
                if "not connected" in answer:
                    await asyncio.sleep(0.5)
        assert "**Dec. 30**" in answer
    finally:
        for process in (bot, stand_in):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


def test_readme_invite_link_and_permission_table_match_the_bot() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert invite_url(123).replace("client_id=123", "client_id=APP_ID") in readme
    assert all(f"`{scope}`" in readme for scope in SCOPES)
    table = re.findall(r"^\s*\| ([A-Z][\w ]+?) \| (.+?) \|$", readme.split("permission | why", 1)[1], re.M)
    documented = {name.lower().replace(" ", "_"): why for name, why in table if name[0].isupper()}
    named = {"view_channels": "view_channel"}  # Discord's client says "View Channels"
    assert {
        named.get(k, k): v for k, v in documented.items() if named.get(k, k) in PERMISSIONS
    } == PERMISSIONS
