"""A protocol-level fake Discord (REST API v10 + gateway) on 127.0.0.1 for the real discord.py client.

Start it::

    from tests.fakediscord import FakeDiscord

    async with FakeDiscord.running(heartbeat_interval_ms=500) as fake:   # patches discord.py, see below
        client = discord.Client(intents=discord.Intents.default())
        task = asyncio.create_task(client.start(fake.token))
        await fake.wait_for_ready()
        ...
        await client.close(); await task

or use the pytest fixture: ``from tests.fakediscord.fixtures import fake_discord``.

What a discord.py 2.x client must do to talk to the fake (``fake.patch_discord()`` does 1 and 2 in
process and restores them afterwards; ``FakeDiscord.running()`` applies it by default):

1. REST: set ``discord.http.Route.BASE = fake.api_base`` (``http://127.0.0.1:PORT/api/v10``) before
   any request. Every REST call, interaction callbacks and webhooks included, builds its URL from it.
2. Gateway: ``Client.connect`` never asks ``GET /gateway/bot`` (only ``AutoShardedClient`` does); it
   connects to ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` and afterwards to READY's
   ``resume_gateway_url``. So set ``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``
   (``ws://127.0.0.1:PORT/``). The fake's READY points ``resume_gateway_url`` back at itself, and op 9
   (invalid session) sends discord.py back to ``DEFAULT_GATEWAY``, so both must be patched.
3. Log in with ``fake.token``. For a subprocess, ``fake.env()`` gives DISCORD_TOKEN,
   NEWSDESK_DISCORD_API_BASE, NEWSDESK_DISCORD_GATEWAY and NEWSDESK_DEV_GUILD_ID.

Transport compression: ``compress=zlib-stream`` (zlib, every message ends with Z_SYNC_FLUSH) and
``compress=zstd-stream`` (what discord.py asks for when ``zstandard``/``compression.zstd`` is
importable); plain JSON text frames without the parameter. JSON encoding only (no ETF).

Realism worth knowing: interaction callbacks later than ``interaction_deadline`` (3 s) get 404 10062,
a second callback 400 40060; followups before the callback 404 10015; the first followup after a
defer completes the "thinking" message. Without the MESSAGE_CONTENT intent, guild messages that do
not mention the bot arrive with empty content; without GUILD_MEMBERS, GUILD_CREATE lists only the
bot. Messages over Discord's limits (2,000 content, 10 embeds, 4,096 description, 6,000 total...)
get 400 50035; empty ones 400 50006. ``mentions``/``mention_roles``/``mention_everyone`` of the bot's
messages honour ``allowed_mentions`` (``fake.pings(msg)`` tells who would be notified). A thread
opened from a message starts with a type-21 THREAD_STARTER_MESSAGE (stored, not dispatched).
``fake.deny`` only changes what the fake enforces (no CHANNEL_UPDATE is sent).

Tips: ``discord.Client(..., guild_ready_timeout=0.1)`` makes ``on_ready`` fire quickly (discord.py
waits that long after the last GUILD_CREATE). The fake serves one client at a time and the patches are
process-global, so do not run two fakes in one process concurrently.

The world: ``fake.guild`` with ``fake.general``, ``fake.news`` (text channels under
``fake.category``), ``fake.thread`` (a public thread in general), members ``fake.admin`` (Manage
Server), ``fake.member`` (plain), ``fake.bot_member``; ``fake.bot_user``, ``fake.owner``.
Add more with ``add_member``/``add_channel``/``add_role`` before the client connects, and more
servers with ``add_guild(name, shard=, shard_count=)`` (a ``Server``: guild, admin, member, general, news).

Shards: IDENTIFY with ``shard: [id, count]`` gets READY/GUILD_CREATE for the guilds with
``(guild_id >> 22) % count == id`` only, and every guild event (interactions, messages) goes to that
shard's session alone; events without a guild go to shard 0. ``recommended_shards`` is what
``GET /gateway/bot`` answers; ``wait_for_shards({0, 1})`` waits for both sessions.

Events: ``send_interaction``, ``send_autocomplete``, ``click`` (components), ``submit_modal``,
``send_message``, ``dispatch(event, data)``, ``drop_gateway``, ``invalidate_session``,
``request_reconnect``, ``delete_channel``, ``deny``.
Inspection: ``calls``, ``calls_to``, ``wait_for_call``, ``unexpected_calls``, ``messages_in``,
``interaction_responses``, ``wait_for_response``, ``original_message``, ``pings``, ``commands``,
``command_names``, ``gateway.received``/``gateway.ops(op)``, ``wait_for_ready``, ``wait_for_resume``.
Faults: ``rate_limit_next``, ``fail_next``, ``interaction_deadline`` (3 s), ``gateway.ack_heartbeats``,
``gateway.invalidate_next_resume``, ``gateway.privileged_intents``.
"""

from .objects import Channel, ChannelType, Guild, Member, Perm, Role, User
from .server import FakeDiscord, Pings
from .world import ApiError, Call, InteractionRecord, Server

__all__ = [
    "ApiError",
    "Call",
    "Channel",
    "ChannelType",
    "FakeDiscord",
    "Guild",
    "InteractionRecord",
    "Member",
    "Perm",
    "Pings",
    "Role",
    "Server",
    "User",
]
