"""FakeDiscord: the aiohttp server, the helpers tests drive it with, and what they inspect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import interactions
from .gateway import Gateway
from .objects import JSON, Channel, Member, User, message_dict
from .rest import Fault, Rest
from .routes import Endpoints
from .world import Call, InteractionRecord, World

log = logging.getLogger(__name__)

ChannelRef = Channel | int
CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
InteractionRef = InteractionRecord | int


@dataclass(frozen=True)
class Pings:
    """Who a message notifies, after ``allowed_mentions``."""

    users: frozenset[int]
    roles: frozenset[int]
    everyone: bool

    @property
    def none(self) -> bool:
        return not (self.users or self.roles or self.everyone)


class FakeDiscord(World):
    """A Discord API v10 + gateway server on 127.0.0.1 for the real discord.py client.

    ``interaction_deadline``: seconds after dispatch within which the interaction callback must
    arrive (Discord's 3 s), else 404 Unknown interaction; None disables the check.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        heartbeat_interval_ms: int = 1000,
        interaction_deadline: float | None = 3.0,
    ) -> None:
        super().__init__(token=token)
        self.calls: list[Call] = []
        self.interaction_deadline = interaction_deadline
        self.gateway = Gateway(self, heartbeat_interval_ms=heartbeat_interval_ms)
        self.rest = Rest(self)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._calls_changed = asyncio.Condition()

    # ---- lifecycle --------------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        """REST base to give discord.py (``discord.http.Route.BASE``)."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self, *, port: int = 0) -> None:
        app = web.Application(middlewares=[self.rest.middleware])
        self.rest.add_routes(app, Endpoints(self).table())
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.gateway_url = f"ws://127.0.0.1:{self.port}/"
        log.debug("fakediscord listening on %s", self.api_base)

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, *, patch: bool = True, **kwargs: Any) -> AsyncIterator[FakeDiscord]:
        """Start a fake (and, with ``patch``, point discord.py at it) for the ``async with`` body."""
        fake = cls(**kwargs)
        await fake.start()
        try:
            with fake.patch_discord() if patch else contextlib.nullcontext():
                yield fake
        finally:
            await fake.stop()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this fake; restored on exit."""
        import yarl
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        old = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old

    def env(self) -> dict[str, str]:
        """Environment for running the bot as a subprocess against this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "NEWSDESK_DISCORD_API_BASE": self.api_base,
            "NEWSDESK_DISCORD_GATEWAY": self.gateway_url,
            "NEWSDESK_DEV_GUILD_ID": str(self.guild.id),
        }

    # ---- sending events ---------------------------------------------------------------------
    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a gateway DISPATCH to every session (buffered for replay while disconnected)."""
        await self.gateway.dispatch(event, data)

    def _member(self, user: Member | User | None) -> Member:
        if user is None:
            return self.admin
        if isinstance(user, Member):
            return user
        return self.guild.members[user.id]  # a bare User acts in the first guild

    def _channel(self, channel: ChannelRef | None) -> Channel:
        if channel is None:
            return self.general
        return channel if isinstance(channel, Channel) else self.channel(channel)

    async def _send(self, record: InteractionRecord) -> InteractionRecord:
        record.created = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", record.payload)
        return record

    async def send_interaction(
        self,
        name: str,
        options: interactions.Options = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        user: Member | User | None = None,
        channel: ChannelRef | None = None,
    ) -> InteractionRecord:
        """Dispatch a slash command (type 2) from ``user`` (default: the admin) in ``channel``."""
        record = interactions.command_interaction(
            self,
            name,
            options,
            member=self._member(user),
            channel=self._channel(channel),
            subcommand=subcommand,
            group=group,
        )
        return await self._send(record)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        user: Member | User | None = None,
        channel: ChannelRef | None = None,
    ) -> InteractionRecord:
        """Dispatch an autocomplete request (type 4) for option ``focused``; see ``record.choices``."""
        record = interactions.command_interaction(
            self,
            name,
            options,
            member=self._member(user),
            channel=self._channel(channel),
            subcommand=subcommand,
            group=group,
            focused=focused,
        )
        return await self._send(record)

    async def click(
        self,
        message: JSON | int,
        custom_id: str,
        *,
        user: Member | User | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> InteractionRecord:
        """Dispatch a MESSAGE_COMPONENT interaction (button 2, string select 3 with ``values``)."""
        msg = self.messages[int(message["id"] if isinstance(message, dict) else message)]
        record = interactions.component_interaction(
            self, msg, custom_id, member=self._member(user), component_type=component_type, values=values
        )
        return await self._send(record)

    send_component = click

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        user: Member | User | None = None,
        channel: ChannelRef | None = None,
    ) -> InteractionRecord:
        """Dispatch a MODAL_SUBMIT interaction."""
        record = interactions.modal_submit(
            self, custom_id, values, member=self._member(user), channel=self._channel(channel)
        )
        return await self._send(record)

    async def send_message(
        self,
        content: str,
        channel: ChannelRef | None = None,
        author: Member | User | None = None,
        *,
        mentions: list[User] | None = None,
        reply_to: JSON | None = None,
    ) -> JSON:
        """A user posts ``content`` (MESSAGE_CREATE). Mentions are parsed from ``<@id>`` in the
        content unless given; ``fake.bot_mention`` is the bot's mention string."""
        member = self._member(author or self.member)
        target = self._channel(channel)
        from .validate import ROLE_MENTION, USER_MENTION

        if mentions is None:
            mentions = [self.users[int(u)] for u in USER_MENTION.findall(content) if int(u) in self.users]
            replied = self.users.get(int(reply_to["author"]["id"])) if reply_to else None
            if replied is not None and replied not in mentions:
                mentions.append(replied)  # replies ping their author by default
        msg = message_dict(
            id=self.snowflakes.next(),
            channel=target,
            author=member.user,
            member=member,
            content=content,
            mentions=mentions,
            mention_roles=[int(r) for r in ROLE_MENTION.findall(content)],
            mention_everyone="@everyone" in content,
            referenced=reply_to,
            type=19 if reply_to else 0,
        )
        guild = self.guild_of(target.guild_id)
        for data, user in zip(msg["mentions"], mentions, strict=True):
            if user.id in guild.members:
                data["member"] = guild.members[user.id].to_dict(with_user=False)
        self.store(msg)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    @property
    def bot_mention(self) -> str:
        return f"<@{self.bot_user.id}>"

    async def delete_message(self, msg: JSON) -> None:
        """Delete a stored message (MESSAGE_DELETE unless it was ephemeral)."""
        self.messages.pop(int(msg["id"]), None)
        if not msg["flags"] & 64:
            data = {"id": msg["id"], "channel_id": msg["channel_id"], "guild_id": msg.get("guild_id")}
            await self.dispatch("MESSAGE_DELETE", data)

    async def delete_channel(self, channel: ChannelRef) -> None:
        """Remove a channel (later REST calls to it get 404 Unknown Channel)."""
        target = self._channel(channel)
        del self.guild_of(target.guild_id).channels[target.id]
        event = "THREAD_DELETE" if target.is_thread else "CHANNEL_DELETE"
        await self.dispatch(event, target.to_dict())

    def deny(self, channel: ChannelRef, permissions: int, *, member: Member | None = None) -> None:
        """Add a member permission overwrite denying ``permissions`` (default: to the bot)."""
        target = self._channel(channel)
        who = member or self.bot_member_in(target.guild_id)
        target.overwrites.append({"id": str(who.id), "type": 1, "allow": "0", "deny": str(permissions)})

    # ---- gateway control --------------------------------------------------------------------
    async def drop_gateway(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Close the client's websocket (``abrupt``: drop TCP without a close frame)."""
        await self.gateway.drop(code, abrupt=abrupt)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        await self.gateway.invalidate(resumable=resumable)

    async def request_reconnect(self) -> None:
        await self.gateway.reconnect()

    async def wait_for_ready(self, timeout: float = 10.0, *, identifies: int = 1) -> None:
        """Wait until ``identifies`` IDENTIFYs were answered and a session is connected."""
        await self.gateway.wait_for(
            lambda: len(self.gateway.ops(2)) >= identifies and self.gateway.active, timeout
        )

    async def wait_for_shards(self, shards: set[int], timeout: float = 10.0) -> None:
        """Wait until every shard in ``shards`` has a live, identified session."""
        await self.gateway.wait_for(lambda: shards <= self.gateway.connected_shards(), timeout)

    async def wait_for_resume(self, timeout: float = 10.0, *, count: int = 1) -> None:
        """Wait until the client sent ``count`` RESUMEs (op 6) and is connected again."""
        await self.gateway.wait_for(
            lambda: len(self.gateway.ops(6)) >= count and self.gateway.active, timeout
        )

    # ---- inspection -------------------------------------------------------------------------
    async def _notify_call(self, call: Call) -> None:
        match = CALLBACK.match(call.path)
        if match and int(match[1]) in self.interactions:
            self.interactions[int(match[1])].answered.set()
        async with self._calls_changed:
            self._calls_changed.notify_all()

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and pattern.search(c.path)]

    @property
    def unexpected_calls(self) -> list[Call]:
        """Calls to routes the fake does not know (they got a 404)."""
        return [c for c in self.calls if c.unknown]

    async def wait_for_call(
        self, method: str, path_regex: str, timeout: float = 5.0, *, count: int = 1
    ) -> Call:
        """The ``count``-th answered call matching ``method`` and ``path_regex`` (re.search)."""

        def found() -> list[Call]:
            return [c for c in self.calls_to(method, path_regex) if c.status]

        try:
            async with asyncio.timeout(timeout), self._calls_changed:
                await self._calls_changed.wait_for(lambda: len(found()) >= count)
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.path} -> {c.status}" for c in self.calls[-20:])
            raise AssertionError(
                f"no {count}x {method} {path_regex} within {timeout}s; last calls:\n{seen}"
            ) from None
        return found()[count - 1]

    def messages_in(self, channel: ChannelRef, *, ephemeral: bool = True) -> list[JSON]:
        """Messages in a channel, oldest first (``ephemeral=False`` hides ephemeral ones)."""
        target = channel.id if isinstance(channel, Channel) else channel
        return self.channel_messages(target, ephemeral=ephemeral)

    def interaction(self, interaction: InteractionRef) -> InteractionRecord:
        return self.interactions[interaction if isinstance(interaction, int) else interaction.id]

    def interaction_responses(self, interaction: InteractionRef) -> list[Call]:
        """Every callback / followup / @original call made for an interaction, in order."""
        return list(self.interaction(interaction).calls)

    async def wait_for_response(self, interaction: InteractionRef, timeout: float = 5.0) -> Call:
        """The interaction's callback call (successful or not), once answered."""
        record = self.interaction(interaction)

        try:
            await asyncio.wait_for(record.answered.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"interaction {record.id} not answered within {timeout}s") from None
        return next(c for c in record.calls if CALLBACK.match(c.path) and c.status)

    def original_message(self, interaction: InteractionRef) -> JSON | None:
        record = self.interaction(interaction)
        return self.messages.get(record.original_id or 0)

    def pings(self, message: JSON | int) -> Pings:
        """Who a message the bot sent notified (after ``allowed_mentions``)."""
        users, roles, everyone = self.message_pings[
            int(message["id"] if isinstance(message, dict) else message)
        ]
        return Pings(frozenset(users), frozenset(roles), everyone)

    def command_names(self, guild: int | None = None) -> set[str]:
        return {c["name"] for c in self.commands(guild)}

    # ---- fault injection --------------------------------------------------------------------
    def rate_limit_next(
        self, path_regex: str, retry_after: float = 0.3, *, method: str | None = None, is_global: bool = False
    ) -> Fault:
        """Answer the next matching request with 429 (Retry-After, X-RateLimit-*, Via headers)."""
        return self.rest.rate_limit(path_regex, retry_after, method, is_global)

    def fail_next(
        self,
        path_regex: str,
        status: int = 403,
        code: int = 50013,
        message: str = "Missing Permissions",
        *,
        method: str | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> Fault:
        """Answer the next ``times`` matching requests (None: all) with an error, after letting
        ``after`` of them through."""
        return self.rest.fail(path_regex, status, code, message, method, times, after)
