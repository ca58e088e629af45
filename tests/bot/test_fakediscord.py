"""The fake Discord against a plain discord.py client: if these pass, bot tests can trust the fake."""

from __future__ import annotations

import asyncio
import io
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord, Perm
from tests.fakediscord.fixtures import connected

GUILD_READY = 0.05


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running(heartbeat_interval_ms=300) as fake:
        yield fake


def make_client(**kwargs: Any) -> discord.Client:
    return discord.Client(intents=discord.Intents.default(), guild_ready_timeout=GUILD_READY, **kwargs)


def make_tree(client: discord.Client) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(description="Ask a question")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.send_message(f"You asked: {question}")

    @tree.command(description="Slow answer")
    async def slow(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send(f"Later: {question}")

    sources = app_commands.Group(
        name="sources",
        description="Manage sources",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @sources.command(name="add", description="Add a source")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(interaction: discord.Interaction, url: str, channel: discord.TextChannel) -> None:
        await interaction.response.send_message(f"added {url} to {channel.mention}", ephemeral=True)

    @sources.command(name="remove", description="Remove a source")
    async def remove(interaction: discord.Interaction, source: int) -> None:
        await interaction.response.send_message(f"removed {source}", ephemeral=True)

    @remove.autocomplete("source")
    async def source_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return [app_commands.Choice(name=f"feed {i} {current}", value=i) for i in range(3)]

    @add.error
    async def refused(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await interaction.response.send_message("You need Manage Server.", ephemeral=True)

    tree.add_command(sources)
    return tree


async def test_connects_ready_with_guild_create(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake) as client:
        guild = client.get_guild(fake.guild.id)
        assert guild is not None and guild.name == "Newsdesk Test Guild"
        assert {c.name for c in guild.text_channels} == {"general", "news"}
        assert guild.get_thread(fake.thread.id) is not None
        assert guild.me.id == fake.bot_user.id
        assert client.user is not None and client.user.id == fake.bot_user.id
        assert client.application_id == fake.application_id
        identify = fake.gateway.ops(2)[0]["d"]
        assert identify["token"] == fake.token
        assert identify["intents"] == discord.Intents.default().value
        # discord.py asks for transport compression (zlib-stream, or zstd-stream when importable).
        active = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert fake.gateway.connections[0].compress == active
        await fake.gateway.wait_for(lambda: fake.gateway.connections[0].heartbeats >= 2, timeout=3)
    assert fake.unexpected_calls == []
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    # discord.py's close() races its own reader and the socket goes down with 4000, so (as on
    # Discord) the session stays resumable; only a clean 1000/1001 from the client ends it.
    assert [c.ws.close_code for c in fake.gateway.connections] == [4000]


async def test_sync_and_slash_command_answered(fake: FakeDiscord) -> None:
    client = make_client()
    tree = make_tree(client)
    async with connected(client, fake):
        guild = discord.Object(fake.guild.id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
        assert len(fake.calls_to("PUT", rf"/guilds/{fake.guild.id}/commands$")) == 1
        assert fake.command_names(fake.guild.id) == {"ask", "slow", "sources"}
        fetched = await tree.fetch_commands(guild=guild)
        assert {c.name for c in fetched} == {"ask", "slow", "sources"}

        record = await fake.send_interaction("ask", {"question": "When is the deadline?"}, user=fake.member)
        callback = await fake.wait_for_response(record)
        assert callback.status == 204 or callback.status == 200
        assert callback.json == {
            "type": 4,
            "data": {"tts": False, "content": "You asked: When is the deadline?"},
        }
        assert record.latency is not None
        message = fake.original_message(record)
        assert message is not None and message["content"] == "You asked: When is the deadline?"
        assert fake.messages_in(fake.general) == [message]
    assert fake.unexpected_calls == []


async def test_defer_then_followup_completes_the_thinking_message(fake: FakeDiscord) -> None:
    client = make_client()
    tree = make_tree(client)
    async with connected(client, fake):
        await tree.sync()
        record = await fake.send_interaction("slow", {"question": "q"})
        await fake.wait_for_call("POST", rf"^/webhooks/{fake.application_id}/")
        kinds = [(c.method, c.path.split("/")[1]) for c in fake.interaction_responses(record)]
        assert kinds == [("POST", "interactions"), ("POST", "webhooks")]
        assert record.response_type == 5
        message = fake.original_message(record)
        assert message is not None and message["content"] == "Later: q" and message["flags"] == 0
        assert len(fake.messages_in(fake.general)) == 1


async def test_subcommand_channel_option_and_permission_refusal(fake: FakeDiscord) -> None:
    client = make_client()
    tree = make_tree(client)
    async with connected(client, fake):
        await tree.sync()
        synced = next(c for c in fake.commands() if c["name"] == "sources")
        assert synced["default_member_permissions"] == str(Perm.MANAGE_GUILD)

        ok = await fake.send_interaction(
            "sources", {"url": "https://example.org/feed", "channel": fake.news}, subcommand="add"
        )
        assert (await fake.wait_for_response(ok)).json["data"] == {
            "tts": False,
            "content": f"added https://example.org/feed to <#{fake.news.id}>",
            "flags": 64,
        }
        options = ok.payload["data"]["options"][0]
        assert options["type"] == 1 and options["options"][1] == {
            "name": "channel",
            "type": 7,
            "value": str(fake.news.id),
        }
        assert str(fake.news.id) in ok.payload["data"]["resolved"]["channels"]

        refused = await fake.send_interaction(
            "sources", {"url": "https://x.org", "channel": fake.news}, subcommand="add", user=fake.member
        )
        data = (await fake.wait_for_response(refused)).json["data"]
        assert data["content"] == "You need Manage Server." and data["flags"] == 64
        assert fake.messages_in(fake.general, ephemeral=False) == []


async def test_autocomplete_choices_recorded(fake: FakeDiscord) -> None:
    client = make_client()
    tree = make_tree(client)
    async with connected(client, fake):
        await tree.sync()
        record = await fake.send_autocomplete("sources", {"source": "fe"}, "source", subcommand="remove")
        callback = await fake.wait_for_response(record)
        assert callback.json["type"] == 8
        assert record.choices == [{"name": f"feed {i} fe", "value": i} for i in range(3)]


async def test_button_click_updates_message(fake: FakeDiscord) -> None:
    clicked: list[int] = []

    class Pager(discord.ui.View):
        @discord.ui.button(label="Next", custom_id="page:next")
        async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
            clicked.append(interaction.user.id)
            await interaction.response.edit_message(content="page 2", view=self)

    async with connected(make_client(), fake) as client:
        channel = client.get_channel(fake.general.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("page 1", view=Pager())
        stored = fake.messages[sent.id]
        assert stored["components"][0]["components"][0]["custom_id"] == "page:next"
        record = await fake.click(stored, "page:next", user=fake.member)
        callback = await fake.wait_for_response(record)
        assert callback.json["type"] == 7
        assert clicked == [fake.member.id]
        assert fake.messages[sent.id]["content"] == "page 2"


async def test_rate_limited_request_is_retried(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake) as client:
        channel = client.get_channel(fake.general.id)
        assert isinstance(channel, discord.TextChannel)
        fake.rate_limit_next(r"^/channels/\d+/messages$", retry_after=0.3, method="POST")
        started = time.monotonic()
        message = await channel.send("hello")
        assert time.monotonic() - started >= 0.3
        statuses = [c.status for c in fake.calls_to("POST", r"^/channels/\d+/messages$")]
        assert statuses == [429, 200]
        assert fake.messages_in(fake.general)[-1]["id"] == str(message.id)


async def test_fail_next_raises_forbidden(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake) as client:
        channel = client.get_channel(fake.news.id)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_next(r"/messages$", status=403, code=50013)
        with pytest.raises(discord.Forbidden) as info:
            await channel.send("nope")
        assert info.value.code == 50013
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.code == 50035
        fake.deny(fake.news, Perm.SEND_MESSAGES)
        with pytest.raises(discord.Forbidden):
            await channel.send("still nope")


async def test_dropped_gateway_is_resumed_with_replay(fake: FakeDiscord) -> None:
    seen: list[str] = []
    resumed = asyncio.Event()
    client = discord.Client(intents=discord.Intents.default() | discord.Intents(message_content=True))
    client._connection.guild_ready_timeout = GUILD_READY

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    async with connected(client, fake):
        session = fake.gateway.ops(2)
        await fake.drop_gateway()
        await fake.send_message("sent while disconnected", fake.general)
        await fake.wait_for_resume()
        await asyncio.wait_for(resumed.wait(), 5)
        resume = fake.gateway.ops(6)[0]["d"]
        assert resume["session_id"] in fake.gateway.sessions and resume["token"] == fake.token
        assert len(fake.gateway.ops(2)) == len(session) == 1  # no second IDENTIFY
        await asyncio.sleep(0.05)
        assert seen == ["sent while disconnected"]


async def test_invalid_session_makes_client_identify_again(fake: FakeDiscord) -> None:
    client = make_client()

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before re-identifying; not needed against the fake."""

    client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with connected(client, fake):
        fake.gateway.invalidate_next_resume = True
        await fake.drop_gateway()
        await fake.wait_for_ready(identifies=2)
        assert len(fake.gateway.ops(6)) == 1


async def test_mention_opens_thread_and_answers(fake: FakeDiscord) -> None:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        allowed_mentions=discord.AllowedMentions.none(),
        guild_ready_timeout=GUILD_READY,
    )
    created: list[discord.Thread] = []

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot or bot.user not in message.mentions:
            return
        assert isinstance(message.channel, discord.TextChannel)
        thread = await message.create_thread(name=message.clean_content[:100])
        await thread.send("Answer with @everyone and <@&123456789012345678>")

    @bot.event
    async def on_thread_create(thread: discord.Thread) -> None:
        created.append(thread)

    async with connected(bot, fake):
        # Without the message_content intent only messages mentioning the bot carry content.
        await fake.send_message("no mention here", fake.general)
        question = await fake.send_message(f"{fake.bot_mention} when is the deadline?", fake.general)
        call = await fake.wait_for_call("POST", rf"^/channels/{question['id']}/messages$")
        assert call.json["allowed_mentions"] == {"parse": []}
        answer = fake.messages_in(int(question["id"]))[-1]
        assert fake.pings(answer).none and answer["mention_everyone"] is False
        await asyncio.sleep(0.05)
        assert [t.id for t in created] == [int(question["id"])]
        assert fake.messages[int(question["id"])]["thread"]["name"] == "@Newsdesk when is the deadline?"
    assert len(fake.calls_to("POST", r"/threads$")) == 1


async def test_late_and_double_acknowledgement_rejected(fake: FakeDiscord) -> None:
    fake.interaction_deadline = 0.1
    errors: list[int] = []
    client = make_client()
    tree = make_tree(client)

    @tree.command(description="Too slow")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.2)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            errors.append(exc.code)

    async with connected(client, fake):
        await tree.sync()
        record = await fake.send_interaction("late")
        call = await fake.wait_for_response(record)
        assert call.status == 404 and call.response["code"] == 10062
        await asyncio.sleep(0.05)
        assert errors == [10062]


async def test_bad_token_is_login_failure(fake: FakeDiscord) -> None:
    async with make_client() as client:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-" + fake.token)
    assert fake.calls[-1].status == 401


async def test_unknown_route_is_recorded(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake) as client:
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/nowhere/{x}", x=1))
    assert [(c.method, c.path) for c in fake.unexpected_calls] == [("GET", "/nowhere/1")]


async def test_raw_gateway_zlib_stream_and_plain_json(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        async with session.ws_connect(url) as ws:
            frame = await ws.receive(timeout=2)
            assert frame.type is aiohttp.WSMsgType.BINARY and frame.data.endswith(b"\x00\x00\xff\xff")
            inflate = zlib.decompressobj()
            hello = json.loads(inflate.decompress(frame.data))
            assert hello == {"op": 10, "d": {"heartbeat_interval": 300}}
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
            ready = json.loads(inflate.decompress((await ws.receive(timeout=2)).data))
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == fake.gateway_url
            guild = json.loads(inflate.decompress((await ws.receive(timeout=2)).data))
            assert guild["t"] == "GUILD_CREATE" and guild["s"] == 2
        async with session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            assert (await ws.receive_json(timeout=2))["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closing = await ws.receive(timeout=2)
            assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4004


async def test_abrupt_drop_is_resumed(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake):
        await fake.drop_gateway(abrupt=True)
        await fake.wait_for_resume()
        assert len(fake.gateway.ops(2)) == 1


async def test_file_upload_becomes_attachment(fake: FakeDiscord) -> None:
    async with connected(make_client(), fake) as client:
        channel = client.get_channel(fake.general.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("report", file=discord.File(io.BytesIO(b"hello"), "report.txt"))
        assert [(a.filename, a.size) for a in sent.attachments] == [("report.txt", 5)]
        call = fake.calls_to("POST", r"/messages$")[-1]
        assert call.json["content"] == "report" and call.files[0]["filename"] == "report.txt"


async def test_two_hundred_concurrent_interactions_acknowledged(fake: FakeDiscord) -> None:
    client = make_client()
    tree = make_tree(client)
    async with connected(client, fake):
        await tree.sync()
        records = [await fake.send_interaction("ask", {"question": f"q{i}"}) for i in range(200)]
        calls = await asyncio.gather(*(fake.wait_for_response(r, timeout=10) for r in records))
        assert all(c.status == 204 or c.status == 200 for c in calls)
        assert all(r.latency is not None for r in records)
        assert len(fake.messages_in(fake.general)) == 200


async def test_shards_see_only_their_guilds_and_events(fake: FakeDiscord) -> None:
    fake.add_guild("Other", shard=(fake.guild.id >> 22) % 2 ^ 1, shard_count=2)
    home = (fake.guild.id >> 22) % 2
    clients = [
        discord.AutoShardedClient(
            intents=discord.Intents.default(), shard_count=2, shard_ids=[i], guild_ready_timeout=GUILD_READY
        )
        for i in (0, 1)
    ]
    seen: list[list[str]] = [[], []]
    for number, client in enumerate(clients):

        @client.event
        async def on_message(message: discord.Message, number: int = number) -> None:
            seen[number].append(message.content)

    async with connected(clients[0], fake), connected(clients[1], fake):
        await fake.wait_for_shards({0, 1})
        guilds = [{g.id for g in c.guilds} for c in clients]
        assert guilds[home] == {fake.guild.id} and len(guilds[1 - home]) == 1
        assert not guilds[0] & guilds[1]
        await fake.send_message(f"{fake.bot_mention} hello", channel=fake.general, author=fake.member)
        async with asyncio.timeout(5):
            while not seen[home]:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert seen[1 - home] == []
    ready = [p["d"]["shard"] for p in fake.gateway.ops(2)]
    assert sorted(ready) == [[0, 2], [1, 2]]
