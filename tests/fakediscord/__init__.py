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

Tips: ``discord.Client(..., guild_ready_timeout=0.1)`` makes ``on_ready`` fire quickly (discord.py
waits that long after the last GUILD_CREATE). The fake serves one client at a time and the patches are
process-global, so do not run two fakes in one process concurrently.

The world: ``fake.guild`` with ``fake.general``, ``fake.news`` (text channels under
``fake.category``), ``fake.thread`` (a public thread in general), members ``fake.admin`` (Manage
Server), ``fake.member`` (plain), ``fake.bot_member``; ``fake.bot_user``, ``fake.owner``.
Add more with ``add_member``/``add_channel``/``add_role`` before the client connects.

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
from .world import ApiError, Call, InteractionRecord

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
    "User",
]
