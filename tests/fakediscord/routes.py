"""The REST endpoints: users, application, commands, channels, messages, threads, guilds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import validate
from .objects import JSON, ChannelType, Perm
from .rest import NO_CONTENT, Handler
from .webhooks import WebhookEndpoints
from .world import ApiError, Call, unknown

if TYPE_CHECKING:
    from .server import FakeDiscord


def _int(request: web.Request, key: str) -> int:
    try:
        return int(request.match_info[key])
    except ValueError:
        raise ApiError(400, 50035, "Invalid Form Body", {"errors": {key: "not a snowflake"}}) from None


class Endpoints(WebhookEndpoints):
    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(fake)

    def table(self) -> list[tuple[str, str, Handler]]:
        cmds = "/applications/{app_id}/commands"
        gcmds = "/applications/{app_id}/guilds/{guild_id}/commands"
        msg = "/channels/{channel_id}/messages/{message_id}"
        return [
            ("GET", "/gateway", self.gateway),
            ("GET", "/gateway/bot", self.gateway_bot),
            ("GET", "/users/@me", self.me),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.application),
            ("GET", "/applications/@me", self.application),
            ("GET", cmds, self.get_commands),
            ("PUT", cmds, self.put_commands),
            ("POST", cmds, self.post_command),
            ("GET", cmds + "/{command_id}", self.get_command),
            ("PATCH", cmds + "/{command_id}", self.patch_command),
            ("DELETE", cmds + "/{command_id}", self.delete_command),
            ("GET", gcmds + "/permissions", self.command_permissions),
            ("GET", gcmds, self.get_commands),
            ("PUT", gcmds, self.put_commands),
            ("POST", gcmds, self.post_command),
            ("GET", gcmds + "/{command_id}", self.get_command),
            ("PATCH", gcmds + "/{command_id}", self.patch_command),
            ("DELETE", gcmds + "/{command_id}", self.delete_command),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.patch_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", msg, self.get_message),
            ("PATCH", msg, self.edit_message),
            ("DELETE", msg, self.delete_message),
            ("POST", msg + "/threads", self.thread_from_message),
            ("PUT", msg + "/reactions/{emoji}/@me", self.no_content),
            ("DELETE", msg + "/reactions/{emoji}/@me", self.no_content),
            ("POST", "/channels/{channel_id}/threads", self.thread_without_message),
            ("POST", "/channels/{channel_id}/typing", self.no_content),
            ("PUT", "/channels/{channel_id}/thread-members/@me", self.no_content),
            ("DELETE", "/channels/{channel_id}/thread-members/@me", self.no_content),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            ("GET", "/guilds/{guild_id}/members", self.guild_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            *self.webhook_table(),
        ]

    async def no_content(self, request: web.Request, call: Call) -> Any:
        self.world.channel(request.match_info["channel_id"])
        return NO_CONTENT

    # ---- users, application, gateway --------------------------------------------------------
    async def gateway(self, request: web.Request, call: Call) -> Any:
        return {"url": self.fake.gateway_url}

    async def gateway_bot(self, request: web.Request, call: Call) -> Any:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return {
            "url": self.fake.gateway_url,
            "shards": self.fake.recommended_shards,
            "session_start_limit": limit,
        }

    async def me(self, request: web.Request, call: Call) -> Any:
        return self.world.bot_user.to_dict()

    async def get_user(self, request: web.Request, call: Call) -> Any:
        return self.world.user(_int(request, "user_id")).to_dict()

    async def application(self, request: web.Request, call: Call) -> Any:
        w = self.world
        return {
            "id": str(w.application_id),
            "name": w.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": w.owner.to_dict(),
            "team": None,
            "flags": w.application_flags,
            "bot": w.bot_user.to_dict(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len(w.guilds),
            "integration_types_config": {"0": {}},
        }

    # ---- application commands ---------------------------------------------------------------
    def _scope(self, request: web.Request) -> int | None:
        if _int(request, "app_id") != self.world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None
        return self.world.guild_of(request.match_info["guild_id"]).id

    async def get_commands(self, request: web.Request, call: Call) -> Any:
        return self.world.commands(self._scope(request))

    async def put_commands(self, request: web.Request, call: Call) -> Any:
        if not isinstance(call.json, list):
            raise validate.FormError("_root", "Must be an array.", "LIST_TYPE_CONVERT")
        return self.world.put_commands(self._scope(request), call.json)

    async def post_command(self, request: web.Request, call: Call) -> Any:
        scope = self._scope(request)
        others = [c for c in self.world.commands(scope) if c["name"] != call.json["name"]]
        result = self.world.put_commands(scope, [*others, call.json])
        return next(c for c in result if c["name"] == call.json["name"])

    def _command(self, request: web.Request) -> tuple[int | None, JSON]:
        scope = self._scope(request)
        for cmd in self.world.commands(scope):
            if cmd["id"] == request.match_info["command_id"]:
                return scope, cmd
        raise unknown("application command", 10063)

    async def get_command(self, request: web.Request, call: Call) -> Any:
        return self._command(request)[1]

    async def patch_command(self, request: web.Request, call: Call) -> Any:
        scope, cmd = self._command(request)
        merged = {**cmd, **(call.json or {})}
        others = [c if c is not cmd else merged for c in self.world.commands(scope)]
        result = self.world.put_commands(scope, others)
        return next(c for c in result if c["id"] == cmd["id"])

    async def delete_command(self, request: web.Request, call: Call) -> Any:
        scope, cmd = self._command(request)
        self.world.put_commands(scope, [c for c in self.world.commands(scope) if c is not cmd])
        return NO_CONTENT

    async def command_permissions(self, request: web.Request, call: Call) -> Any:
        self._scope(request)
        return []

    # ---- channels and messages --------------------------------------------------------------
    async def get_channel(self, request: web.Request, call: Call) -> Any:
        channel = self.world.channel(request.match_info["channel_id"])
        self.world.require(channel)
        return channel.to_dict()

    async def patch_channel(self, request: web.Request, call: Call) -> Any:
        channel = self.world.channel(request.match_info["channel_id"])
        body = call.json or {}
        if not channel.is_thread and channel.owner_id != self.world.bot_user.id:
            self.world.require(channel, Perm.MANAGE_CHANNELS)
        for key in ("name", "archived", "locked", "auto_archive_duration", "topic"):
            if key in body:
                setattr(channel, key, body[key])
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        await self.fake.dispatch(event, channel.to_dict())
        return channel.to_dict()

    async def list_messages(self, request: web.Request, call: Call) -> Any:
        channel = self.world.channel(request.match_info["channel_id"])
        self.world.require(channel, Perm.READ_MESSAGE_HISTORY)
        limit = max(1, min(100, int(request.query.get("limit", 50))))
        msgs = sorted(self.world.channel_messages(channel.id, ephemeral=False), key=lambda m: int(m["id"]))
        q = request.query
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])][-limit:]
        elif "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])][:limit]
        elif "around" in q:
            older = [m for m in msgs if int(m["id"]) <= int(q["around"])][-(limit // 2 + 1) :]
            msgs = older + [m for m in msgs if int(m["id"]) > int(q["around"])][: limit - len(older)]
        else:
            msgs = msgs[-limit:]
        return list(reversed(msgs))

    async def get_message(self, request: web.Request, call: Call) -> Any:
        channel = self.world.channel(request.match_info["channel_id"])
        self.world.require(channel, Perm.READ_MESSAGE_HISTORY)
        return self.world.message(channel.id, request.match_info["message_id"])

    async def create_message(self, request: web.Request, call: Call) -> Any:
        channel = self.world.channel(request.match_info["channel_id"])
        if channel.type == ChannelType.GUILD_CATEGORY:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        send = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        self.world.require(channel, send)
        if channel.is_thread and channel.locked:
            raise ApiError(400, 50083, "Thread is archived")
        body = call.json or {}
        validate.check_message(body, has_files=bool(call.files))
        msg = self.world.store(self.world.bot_message(channel, body, files=call.files))
        await self.fake.dispatch("MESSAGE_CREATE", msg)
        return msg

    def _own_message(self, request: web.Request) -> JSON:
        channel = self.world.channel(request.match_info["channel_id"])
        self.world.require(channel)
        return self.world.message(channel.id, request.match_info["message_id"])

    async def edit_message(self, request: web.Request, call: Call) -> Any:
        msg = self._own_message(request)
        if msg["author"]["id"] != str(self.world.bot_user.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self.world.edit(msg, call.json or {})
        await self.fake.dispatch("MESSAGE_UPDATE", msg)
        return msg

    async def delete_message(self, request: web.Request, call: Call) -> Any:
        msg = self._own_message(request)
        if msg["author"]["id"] != str(self.world.bot_user.id):
            self.world.require(self.world.channel(msg["channel_id"]), Perm.MANAGE_MESSAGES)
        await self.fake.delete_message(msg)
        return NO_CONTENT

    # ---- threads ----------------------------------------------------------------------------
    async def thread_from_message(self, request: web.Request, call: Call) -> Any:
        parent = self.world.channel(request.match_info["channel_id"])
        self.world.require(parent, Perm.CREATE_PUBLIC_THREADS)
        msg = self.world.message(parent.id, request.match_info["message_id"])
        body = call.json or {}
        thread = self.world.start_thread(
            parent, body.get("name", ""), message=msg, type=ChannelType.PUBLIC_THREAD
        )
        thread.auto_archive_duration = int(body.get("auto_archive_duration") or 1440)
        return await self._announce_thread(thread)

    async def thread_without_message(self, request: web.Request, call: Call) -> Any:
        parent = self.world.channel(request.match_info["channel_id"])
        body = call.json or {}
        ttype = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        perm = (
            Perm.CREATE_PRIVATE_THREADS if ttype == ChannelType.PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS
        )
        self.world.require(parent, perm)
        thread = self.world.start_thread(parent, body.get("name", ""), message=None, type=ttype)
        thread.auto_archive_duration = int(body.get("auto_archive_duration") or 1440)
        return await self._announce_thread(thread)

    async def _announce_thread(self, thread: Any) -> JSON:
        data = thread.to_dict()
        member = {
            "id": str(thread.id),
            "user_id": str(self.world.bot_user.id),
            "join_timestamp": data["thread_metadata"]["create_timestamp"],
            "flags": 0,
        }
        await self.fake.dispatch("THREAD_CREATE", {**data, "newly_created": True, "member": member})
        return {**data, "member": member}

    # ---- guilds -----------------------------------------------------------------------------
    async def get_guild(self, request: web.Request, call: Call) -> Any:
        guild = self.world.guild_of(request.match_info["guild_id"])
        data = guild.to_dict(with_channels=False)
        if request.query.get("with_counts") in ("true", "1"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return data

    async def guild_channels(self, request: web.Request, call: Call) -> Any:
        guild = self.world.guild_of(request.match_info["guild_id"])
        return [c.to_dict() for c in guild.channels.values() if not c.is_thread]

    async def guild_roles(self, request: web.Request, call: Call) -> Any:
        return [r.to_dict() for r in self.world.guild_of(request.match_info["guild_id"]).roles.values()]

    async def guild_members(self, request: web.Request, call: Call) -> Any:
        guild = self.world.guild_of(request.match_info["guild_id"])
        after = int(request.query.get("after", 0))
        limit = max(1, min(1000, int(request.query.get("limit", 1))))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return [m.to_dict() for m in members[:limit]]

    async def guild_member(self, request: web.Request, call: Call) -> Any:
        guild = self.world.guild_of(request.match_info["guild_id"])
        member = guild.members.get(_int(request, "user_id"))
        if member is None:
            raise unknown("Member", 10007)
        return member.to_dict()

    async def active_threads(self, request: web.Request, call: Call) -> Any:
        guild = self.world.guild_of(request.match_info["guild_id"])
        threads = [c.to_dict() for c in guild.channels.values() if c.is_thread and not c.archived]
        return {"threads": threads, "members": []}
