"""The fake's world: snowflakes, permissions and Discord API objects as discord.py parses them.

Every ``to_dict`` returns the JSON shape of Discord API v10 with every key discord.py reads with
``data[...]`` (a missing key would be a ``KeyError`` deep inside discord.py).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    THREADS = (10, 11, 12)


class Snowflakes:
    """Monotonic snowflake generator: real timestamps, increasing ids, thread-safe."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
            if value <= self._last:
                value = self._last + 1
            self._last = value
            return value

    def next_on_shard(self, shard: int, shard_count: int) -> int:
        """An id that Discord routes to ``shard`` of ``shard_count`` (``(id >> 22) % count``)."""
        with self._lock:
            ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, (self._last >> 22) + 1)
            ms += (shard - ms) % shard_count
            value = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
            self._last = max(self._last, value)
            return value


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(dt: datetime | None = None) -> str:
    """ISO 8601 timestamp as Discord formats it."""
    return (dt or datetime.now(UTC)).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "bot": self.bot,
            "system": False,
            "avatar_decoration_data": None,
            "mfa_enabled": False,
            "verified": True,
            "locale": "en-US",
            "premium_type": 0,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    managed: bool = False
    tags: JSON = field(default_factory=dict)

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": True,
            "flags": 0,
        }
        if self.tags:
            data["tags"] = self.tags
        return data


@dataclass
class Member:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=30))

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    def to_dict(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Channel:
    """A guild channel or a thread (``type`` 10, 11, 12)."""

    id: int
    guild_id: int
    name: str
    type: int = ChannelType.GUILD_TEXT
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    owner_id: int | None = None
    last_message_id: int | None = None
    message_count: int = 0
    member_count: int = 0
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    overwrites: list[JSON] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREADS

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_dict(self, *, permissions: int | None = None) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "nsfw": False,
        }
        if self.is_thread:
            data.update(
                owner_id=str(self.owner_id),
                message_count=self.message_count,
                total_message_sent=self.message_count,
                member_count=self.member_count,
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso(self.created_at),
                    "locked": self.locked,
                    "invitable": True,
                    "create_timestamp": iso(self.created_at),
                },
                applied_tags=[],
            )
        else:
            data.update(
                position=self.position,
                topic=self.topic,
                permission_overwrites=self.overwrites,
                default_auto_archive_duration=1440,
                default_thread_rate_limit_per_user=0,
                last_pin_timestamp=None,
            )
            if self.type == ChannelType.GUILD_VOICE:
                data.update(bitrate=64000, user_limit=0, rtc_region=None)
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)

    def base_permissions(self, member: Member) -> int:
        if member.id == self.owner_id:
            return Perm.ALL
        perms = self.roles[self.id].permissions if self.id in self.roles else 0
        for role_id in member.roles:
            if role_id in self.roles:
                perms |= self.roles[role_id].permissions
        return Perm.ALL if perms & Perm.ADMINISTRATOR else perms

    def permissions_in(self, member: Member, channel_id: int | None) -> int:
        """Permissions of ``member`` in a channel (threads use their parent's overwrites)."""
        perms = self.base_permissions(member)
        if perms == Perm.ALL:
            return perms
        channel = self.channels.get(channel_id) if channel_id else None
        if channel is not None and channel.is_thread and channel.parent_id:
            channel = self.channels.get(channel.parent_id)
        if channel is None:
            return perms
        ids = {str(self.id), *(str(r) for r in member.roles), str(member.id)}
        for ow in sorted(channel.overwrites, key=lambda o: (o["id"] != str(self.id), o["type"])):
            if ow["id"] in ids:
                perms = (perms & ~int(ow["deny"])) | int(ow["allow"])
        return perms

    def to_dict(self, *, members: list[Member] | None = None, with_channels: bool = True) -> JSON:
        """The GUILD_CREATE shape (``with_channels``) or the REST ``GET /guilds/{id}`` shape."""
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "max_members": 500000,
            "max_video_channel_users": 25,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "widget_enabled": False,
        }
        if with_channels:
            data.update(
                unavailable=False,
                large=False,
                joined_at=iso(datetime.now(UTC) - timedelta(days=10)),
                member_count=len(self.members),
                members=[m.to_dict() for m in (members if members is not None else self.members.values())],
                channels=[c.to_dict() for c in self.channels.values() if not c.is_thread],
                threads=[c.to_dict() for c in self.channels.values() if c.is_thread and not c.archived],
                presences=[],
                voice_states=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return data


def message_dict(
    *,
    id: int,
    channel: Channel,
    author: User,
    content: str = "",
    member: Member | None = None,
    embeds: list[JSON] | None = None,
    components: list[JSON] | None = None,
    mentions: list[User] | None = None,
    mention_roles: list[int] | None = None,
    mention_everyone: bool = False,
    flags: int = 0,
    type: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
    referenced: JSON | None = None,
    extra: JSON | None = None,
) -> JSON:
    """A full message object; ``referenced`` is the message replied to (type 19)."""
    data: JSON = {
        "id": str(id),
        "type": type,
        "channel_id": str(channel.id),
        "guild_id": str(channel.guild_id),
        "author": author.to_dict(),
        "content": content,
        "timestamp": iso(snowflake_time(id)),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": [u.to_dict() for u in mentions or []],
        "mention_roles": [str(r) for r in mention_roles or []],
        "mention_channels": [],
        "attachments": [],
        "embeds": embeds or [],
        "reactions": [],
        "pinned": False,
        "flags": flags,
        "components": components or [],
        "sticker_items": [],
    }
    if member is not None:
        data["member"] = member.to_dict(with_user=False)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    if referenced is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": referenced["id"],
            "channel_id": referenced["channel_id"],
            "guild_id": referenced.get("guild_id"),
        }
        data["referenced_message"] = referenced
    if extra:
        data.update(extra)
    return data
