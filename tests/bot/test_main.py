"""``python -m bot`` as a subprocess: missing token, rejected token, a clean exit on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED, SEED_URL
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DISCORD_"))}
    return {
        **keep,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "NEWSDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),
        **extra,
    }


async def launch(tmp_path: Path, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=tmp_path,  # no .env here
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    process = await launch(tmp_path, environment(tmp_path, DISCORD_TOKEN=""), "-m", "bot")
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and ".env.example" in lines[0] and "newsdesk ask" in lines[0]


@pytest.fixture
async def fake_server() -> FakeDiscord:
    async with FakeDiscord.running(patch=False, heartbeat_interval_ms=500) as server:
        yield server  # type: ignore[misc]


async def test_rejected_token_is_one_clear_line_and_exit_1(tmp_path: Path, fake_server: FakeDiscord) -> None:
    env = environment(tmp_path, **{**fake_server.env(), "DISCORD_TOKEN": "not-the-token"})
    process = await launch(tmp_path, env, "-m", "bot")
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    text = err.decode()
    assert "Discord rejected DISCORD_TOKEN" in text and "Traceback" not in text
    assert "PyNaCl" not in text and "voice" not in text


async def test_unreachable_discord_is_retried_with_one_line_per_attempt(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = environment(
        tmp_path,
        DISCORD_TOKEN="some-token",
        NEWSDESK_DISCORD_API_BASE=f"http://127.0.0.1:{closed}/api/v10",
        NEWSDESK_DISCORD_GATEWAY=f"ws://127.0.0.1:{closed}/",
    )
    process = await launch(tmp_path, env, "-m", "bot.cli", "run")
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while sum("retrying in" in line for line in lines) < 2:
                lines.append((await process.stderr.readline()).decode())
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 10)
        await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = "".join(lines) + rest.decode()
    assert process.returncode == 0, text
    attempts = [line for line in text.splitlines() if "retrying in" in line]
    assert len(attempts) >= 2 and all("cannot reach Discord" in a and "(attempt " in a for a in attempts)
    assert "Traceback" not in text and "PyNaCl" not in text


@pytest.mark.parametrize(
    ("command", "sig"),
    [(("-m", "bot.cli", "run"), signal.SIGINT), (("-m", "bot"), signal.SIGTERM)],
    ids=["newsdesk-run-SIGINT", "python-m-bot-SIGTERM"],
)
async def test_runs_against_the_fake_and_exits_cleanly_on_a_signal(
    tmp_path: Path, fake_server: FakeDiscord, command: tuple[str, ...], sig: signal.Signals
) -> None:
    env = environment(tmp_path, **fake_server.env())
    ingest = await launch(tmp_path, env, "-m", "knowledge.cli", "ingest", str(SEED), "--url", SEED_URL)
    await asyncio.wait_for(ingest.communicate(), 60)
    assert ingest.returncode == 0
    process = await launch(tmp_path, env, *command)
    try:
        await fake_server.wait_for_ready(timeout=30)
        async with asyncio.timeout(30):
            while fake_server.command_names(fake_server.guild.id) != {"ask", "search", "sources", "digest"}:
                await asyncio.sleep(0.05)
        record = await fake_server.send_interaction("ask", {"question": "when was the shutdown deadline?"})
        await fake_server.wait_for_call("POST", r"^/webhooks/", timeout=20)
        message = fake_server.original_message(record)
        assert message is not None and "Dec. 30" in message["embeds"][0]["description"]
        process.send_signal(sig)
        _out, err = await asyncio.wait_for(process.communicate(), 8)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode()
    assert not fake_server.gateway.active  # the websocket was closed
