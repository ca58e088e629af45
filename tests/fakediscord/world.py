"""The fake's state: one application, its bot user, a guild with channels/roles/members, messages,
registered application commands and interactions. No I/O here."""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import validate
from .objects import (
    JSON,
    Channel,
    ChannelType,
    Guild,
    Member,
    Perm,
    Role,
    Snowflakes,
    User,
    iso,
    message_dict,
)


class ApiError(Exception):
    """An error response as Discord sends it: ``{"message", "code"}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, extra: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}

    def body(self) -> JSON:
        return {"message": self.message, "code": self.code, **self.extra}


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")


@dataclass
class Server:
    """A guild of the fake with what tests need in it: roles, members and two text channels."""

    guild: Guild
    admin: Member
    member: Member
    bot_member: Member
    general: Channel
    news: Channel

    @property
    def id(self) -> int:
        return self.guild.id


@dataclass
class Call:
    """One REST request the client made."""

    method: str
    path: str  # after /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    time: float  # time.monotonic()
    route: str | None = None  # the matched route template; None for an unknown route
    status: int = 0
    files: list[JSON] = field(default_factory=list)
    response: Any = None

    @property
    def unknown(self) -> bool:
        return self.route is None


@dataclass
class InteractionRecord:
    """An interaction the fake dispatched and everything the client answered to it."""

    id: int
    token: str
    type: int
    payload: JSON
    guild_id: int | None
    channel_id: int
    user_id: int
    created: float = field(default_factory=time.monotonic)
    acked_at: float | None = None
    response_type: int | None = None
    original_id: int | None = None
    calls: list[Call] = field(default_factory=list)
    choices: list[JSON] | None = None  # autocomplete result (callback type 8)
    answered: asyncio.Event = field(
        default_factory=asyncio.Event, repr=False
    )  # set once the callback is answered

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the interaction callback, None while unanswered."""
        return None if self.acked_at is None else self.acked_at - self.created


class World:
    """State shared by the REST and gateway halves of the fake."""

    def __init__(self, *, token: str = "fake-bot-token") -> None:
        self.snowflakes = Snowflakes()
        self.token = token
        self.bot_user = User(self.snowflakes.next(), "Newsdesk", bot=True)
        self.application_id = self.bot_user.id
        self.application_flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        self.owner = User(self.snowflakes.next(), "owner", global_name="Guild Owner")
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.owner)}
        self.guilds: dict[int, Guild] = {}
        self.messages: dict[int, JSON] = {}
        self.message_pings: dict[int, tuple[set[int], set[int], bool]] = {}
        self.global_commands: dict[int, JSON] = {}
        self.guild_commands: dict[int, dict[int, JSON]] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.recommended_shards = 1  # what GET /gateway/bot recommends
        self._build_default_guild()

    def _build_default_guild(self) -> None:
        gid = self.snowflakes.next()
        self.guild = Guild(id=gid, name="Newsdesk Test Guild", owner_id=self.owner.id)
        server = self._furnish(self.guild)
        self.admin_role = self.guild.roles[server.admin.roles[0]]
        self.bot_role = self.guild.roles[server.bot_member.roles[0]]
        self.bot_member, self.admin, self.member = server.bot_member, server.admin, server.member
        self.general, self.news = server.general, server.news
        self.category = self.channel(server.general.parent_id or 0)
        self.thread = self.add_channel(
            "existing-thread", type=ChannelType.PUBLIC_THREAD, parent=self.general, owner=self.member.user
        )

    def _furnish(self, guild: Guild) -> Server:
        """Roles, the bot, the owner, an admin, a member and two text channels in ``guild``."""
        self.guilds[guild.id] = guild
        self.add_role("@everyone", Perm.EVERYONE_DEFAULT, id=guild.id, guild=guild)
        admin_role = self.add_role(
            "Admin", Perm.EVERYONE_DEFAULT | Perm.MANAGE_GUILD, position=2, guild=guild
        )
        bot_role = self.add_role(
            "Newsdesk",
            Perm.EVERYONE_DEFAULT | Perm.MANAGE_THREADS | Perm.MANAGE_MESSAGES,
            position=1,
            managed=True,
            guild=guild,
        )
        bot_role.tags = {"bot_id": str(self.bot_user.id)}
        bot_member = self._join(self.bot_user, [bot_role.id], guild)
        self._join(self.owner, [], guild)
        admin = self.add_member("admin", roles=[admin_role.id], guild=guild)
        member = self.add_member("member", guild=guild)
        category = self.add_channel("Text Channels", type=ChannelType.GUILD_CATEGORY, guild=guild)
        general = self.add_channel("general", parent=category, guild=guild)
        news = self.add_channel("news", parent=category, guild=guild)
        return Server(guild, admin, member, bot_member, general, news)

    def add_guild(self, name: str, *, shard: int | None = None, shard_count: int = 1) -> Server:
        """Another server the bot is in (add before the client connects); ``shard``: give it an id
        that Discord routes to that shard of ``shard_count``."""
        gid = self.snowflakes.next() if shard is None else self.snowflakes.next_on_shard(shard, shard_count)
        return self._furnish(Guild(id=gid, name=name, owner_id=self.owner.id))

    # ---- building the world -----------------------------------------------------------------
    def add_role(
        self, name: str, permissions: int, *, id: int | None = None, guild: Guild | None = None, **kw: Any
    ) -> Role:
        role = Role(id or self.snowflakes.next(), name, permissions, **kw)
        (guild or self.guild).roles[role.id] = role
        return role

    def _join(self, user: User, roles: list[int], guild: Guild | None = None) -> Member:
        guild = guild or self.guild
        self.users[user.id] = user
        member = Member(user=user, guild_id=guild.id, roles=roles)
        guild.members[user.id] = member
        return member

    def add_member(
        self, username: str, *, roles: Iterable[int] = (), bot: bool = False, guild: Guild | None = None
    ) -> Member:
        """Add a user to a guild (default: the first; not dispatched; add before the client connects)."""
        return self._join(User(self.snowflakes.next(), username, bot=bot), list(roles), guild)

    def add_channel(
        self,
        name: str,
        *,
        type: int = ChannelType.GUILD_TEXT,
        parent: Channel | None = None,
        owner: User | None = None,
        guild: Guild | None = None,
    ) -> Channel:
        guild = guild or (self.guild_of(parent.guild_id) if parent else self.guild)
        position = sum(1 for c in guild.channels.values() if not c.is_thread)
        channel = Channel(
            id=self.snowflakes.next(),
            guild_id=guild.id,
            name=name,
            type=type,
            parent_id=parent.id if parent else None,
            position=position,
            owner_id=owner.id if owner else None,
            member_count=1 if type in ChannelType.THREADS else 0,
        )
        guild.channels[channel.id] = channel
        return channel

    # ---- lookups ----------------------------------------------------------------------------
    def channel(self, channel_id: int | str) -> Channel:
        for guild in self.guilds.values():
            if int(channel_id) in guild.channels:
                return guild.channels[int(channel_id)]
        raise unknown("Channel", 10003)

    def guild_of(self, guild_id: int | str) -> Guild:
        try:
            return self.guilds[int(guild_id)]
        except (KeyError, ValueError):
            raise unknown("Guild", 10004) from None

    def message(self, channel_id: int | str, message_id: int | str) -> JSON:
        msg = self.messages.get(int(message_id))
        if msg is None or msg["channel_id"] != str(channel_id):
            raise unknown("Message", 10008)
        return msg

    def user(self, user_id: int | str) -> User:
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError):
            raise unknown("User", 10013) from None

    def bot_member_in(self, guild_id: int) -> Member:
        return self.guild_of(guild_id).members[self.bot_user.id]

    def bot_permissions(self, channel: Channel) -> int:
        return self.guild_of(channel.guild_id).permissions_in(
            self.bot_member_in(channel.guild_id), channel.id
        )

    def require(self, channel: Channel, *perms: int) -> None:
        have = self.bot_permissions(channel)
        if not have & Perm.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        for perm in perms:
            if not have & perm:
                raise ApiError(*MISSING_PERMISSIONS)

    # ---- messages ---------------------------------------------------------------------------
    def channel_messages(self, channel_id: int, *, ephemeral: bool = True) -> list[JSON]:
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == str(channel_id) and (ephemeral or not m["flags"] & 64)
        ]

    def store(self, msg: JSON) -> JSON:
        self.messages[int(msg["id"])] = msg
        channel = self.channel(msg["channel_id"])
        channel.last_message_id = int(msg["id"])
        if channel.is_thread:
            channel.message_count += 1
            channel.archived = False
        return msg

    def bot_message(
        self,
        channel: Channel,
        body: JSON,
        *,
        type: int = 0,
        flags: int = 0,
        extra: JSON | None = None,
        files: list[JSON] | None = None,
    ) -> JSON:
        """Build (not store) the message the bot's create-message payload produces."""
        referenced = None
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            referenced = self.messages.get(int(ref["message_id"]))
            if referenced is None and ref.get("fail_if_not_exists", True):
                raise ApiError(400, 50035, "Invalid Form Body", {"errors": {"message_reference": {}}})
            if referenced is not None and type == 0:
                type = 19
        replied = int(referenced["author"]["id"]) if referenced else None
        users, roles, everyone = validate.pings(
            body.get("content") or "", body.get("allowed_mentions"), replied_user_id=replied
        )
        msg = message_dict(
            id=self.snowflakes.next(),
            channel=channel,
            author=self.bot_user,
            content=body.get("content") or "",
            member=self.bot_member_in(channel.guild_id),
            embeds=[_embed(e) for e in body.get("embeds") or []],
            components=_number_components(copy.deepcopy(body.get("components") or [])),
            mentions=[self.users[u] for u in users if u in self.users],
            mention_roles=[r for r in roles if r in self.guild_of(channel.guild_id).roles],
            mention_everyone=everyone,
            flags=int(body.get("flags") or 0) | flags,
            type=type,
            referenced=copy.deepcopy(referenced) if referenced else None,
            extra=extra,
        )
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        for f in files or []:
            aid = self.snowflakes.next()
            url = f"https://cdn.discordapp.com/attachments/{channel.id}/{aid}/{f['filename']}"
            msg["attachments"].append(
                {
                    "id": str(aid),
                    "filename": f["filename"],
                    "size": f["size"],
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.get("content_type"),
                }
            )
        self.message_pings[int(msg["id"])] = (users, roles, everyone)
        return msg

    def edit(self, msg: JSON, body: JSON) -> JSON:
        """Apply an edit payload to a stored message (content/embeds/components/flags)."""
        validate.check_message(body, edit=True)
        if "content" in body:
            msg["content"] = body["content"] or ""
            users, roles, everyone = validate.pings(msg["content"], body.get("allowed_mentions"))
            self.message_pings[int(msg["id"])] = (users, roles, everyone)
            msg["mentions"] = [self.users[u].to_dict() for u in users if u in self.users]
            msg["mention_roles"] = [str(r) for r in roles]
            msg["mention_everyone"] = everyone
        if "embeds" in body:
            msg["embeds"] = [_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            msg["components"] = _number_components(copy.deepcopy(body["components"] or []))
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (msg["flags"] & 64) | int(body["flags"])
        msg["flags"] &= ~(1 << 7)  # an edit completes a deferred ("thinking") message
        msg["edited_timestamp"] = iso()
        return msg

    # ---- threads ----------------------------------------------------------------------------
    def start_thread(self, parent: Channel, name: str, *, message: JSON | None, type: int) -> Channel:
        if not 1 <= len(name or "") <= 100:
            raise validate.FormError("name", "Must be between 1 and 100 in length.")
        if parent.is_thread or parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if message is not None and message.get("thread"):
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = Channel(
            id=int(message["id"]) if message else self.snowflakes.next(),
            guild_id=parent.guild_id,
            name=name,
            type=type,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            member_count=1,
        )
        self.guild_of(parent.guild_id).channels[thread.id] = thread
        if message is not None:
            message["thread"] = thread.to_dict()
            message["flags"] |= 1 << 5  # HAS_THREAD
            # Discord opens such a thread with a THREAD_STARTER_MESSAGE (type 21, empty content)
            # pointing at the parent message; it is in the thread's history but not counted.
            author = self.users.get(int(message["author"]["id"]), self.bot_user)
            starter = message_dict(
                id=self.snowflakes.next(), channel=thread, author=author, type=21, referenced=message
            )
            starter["message_reference"]["channel_id"] = str(parent.id)
            self.messages[int(starter["id"])] = starter
        return thread

    # ---- application commands ---------------------------------------------------------------
    def commands(self, guild_id: int | None = None) -> list[JSON]:
        table = self.global_commands if guild_id is None else self.guild_commands.get(guild_id, {})
        return list(table.values())

    def put_commands(self, guild_id: int | None, payload: list[JSON]) -> list[JSON]:
        old = {(c["name"], c.get("type", 1)): c for c in self.commands(guild_id)}
        table: dict[int, JSON] = {}
        for body in payload:
            cmd = self._command(guild_id, body, old.get((body["name"], body.get("type", 1))))
            table[int(cmd["id"])] = cmd
        if guild_id is None:
            self.global_commands = table
        else:
            self.guild_commands[guild_id] = table
        return list(table.values())

    def _command(self, guild_id: int | None, body: JSON, existing: JSON | None) -> JSON:
        ctype = body.get("type", 1)
        if ctype == 1 and not 1 <= len(body.get("description") or "") <= 100:
            raise validate.FormError("description", "Must be between 1 and 100 in length.")
        if len(body.get("options") or []) > 25:
            raise validate.FormError("options", "Must be 25 or fewer in length.")
        cmd: JSON = {
            "type": ctype,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **copy.deepcopy(body),
            "id": existing["id"] if existing else str(self.snowflakes.next()),
            "application_id": str(self.application_id),
        }
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        if cmd["default_member_permissions"] is not None:
            cmd["default_member_permissions"] = str(cmd["default_member_permissions"])
        unchanged = existing and {k: v for k, v in existing.items() if k != "version"} == cmd
        cmd["version"] = existing["version"] if existing and unchanged else str(self.snowflakes.next())
        return cmd

    def find_command(self, name: str, guild_id: int | None) -> JSON | None:
        for cmd in [*self.commands(guild_id), *self.commands(None)] if guild_id else self.commands(None):
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        return None

    # ---- gateway payloads -------------------------------------------------------------------
    gateway_url = "ws://127.0.0.1:0/"

    def guilds_on(self, shard: list[int] | None) -> list[Guild]:
        """The guilds Discord sends a session identified with ``shard`` ([id, count]; None: all)."""
        if not shard:
            return list(self.guilds.values())
        shard_id, count = int(shard[0]), int(shard[1])
        return [g for g in self.guilds.values() if (g.id >> 22) % count == shard_id]

    def ready_payload(self, session_id: str, shard: list[int] | None) -> JSON:
        data: JSON = {
            "v": 10,
            "user": self.bot_user.to_dict(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds_on(shard)],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "_trace": ["fakediscord"],
        }
        if shard:
            data["shard"] = shard
        return data

    def guild_create_payload(self, guild: Guild, intents: int) -> JSON:
        members = None if intents & (1 << 1) else [guild.members[self.bot_user.id]]
        return guild.to_dict(members=members)

    def new_token(self) -> str:
        return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)


def _embed(embed: JSON) -> JSON:
    return {"type": "rich", **copy.deepcopy(embed)}


def _number_components(rows: list[JSON]) -> list[JSON]:
    """Discord assigns every component a numeric ``id``."""
    counter = 0
    stack = list(rows)
    while stack:
        comp = stack.pop(0)
        counter += 1
        comp.setdefault("id", counter)
        stack.extend(comp.get("components") or [])
    return rows
