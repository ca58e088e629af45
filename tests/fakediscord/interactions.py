"""INTERACTION_CREATE payloads (types 2, 3, 4, 5) as Discord builds them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .objects import JSON, Channel, Member, Role, User
from .world import InteractionRecord, World

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10

Options = Mapping[str, Any] | list[JSON] | None


def _base(world: World, type: int, member: Member, channel: Channel) -> JSON:
    guild = world.guild_of(channel.guild_id)
    perms = guild.permissions_in(member, channel.id)
    return {
        "id": str(world.snowflakes.next()),
        "application_id": str(world.application_id),
        "type": type,
        "token": world.new_token(),
        "version": 1,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel.to_dict(permissions=perms),
        "member": member.to_dict(permissions=perms),
        "app_permissions": str(world.bot_permissions(channel)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }


def _record(world: World, payload: JSON, member: Member, channel: Channel) -> InteractionRecord:
    record = InteractionRecord(
        id=int(payload["id"]),
        token=payload["token"],
        type=payload["type"],
        payload=payload,
        guild_id=channel.guild_id,
        channel_id=channel.id,
        user_id=member.id,
    )
    world.interactions[record.id] = record
    return record


def _leaf_schema(cmd: JSON | None, group: str | None, sub: str | None) -> list[JSON]:
    options = (cmd or {}).get("options") or []
    for wanted in (group, sub):
        if wanted is None:
            continue
        options = next((o.get("options") or [] for o in options if o["name"] == wanted), [])
    return options


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, Channel):
        return CHANNEL
    if isinstance(value, Member | User):
        return USER
    if isinstance(value, Role):
        return ROLE
    return STRING


def _encode(world: World, member: Member, type: int, value: Any, resolved: JSON) -> Any:
    """The wire value of one option, adding channels/users/roles to ``resolved``."""
    guild = world.guild_of(member.guild_id)
    if type == CHANNEL:
        channel = value if isinstance(value, Channel) else world.channel(value)
        perms = guild.permissions_in(member, channel.id)
        resolved.setdefault("channels", {})[str(channel.id)] = channel.to_dict(permissions=perms)
        return str(channel.id)
    if type in (USER, MENTIONABLE) and not isinstance(value, Role):
        user = value.user if isinstance(value, Member) else value if isinstance(value, User) else None
        user = user or world.user(value)
        resolved.setdefault("users", {})[str(user.id)] = user.to_dict()
        target = guild.members.get(user.id)
        if target is not None:
            perms = guild.permissions_in(target, None)
            resolved.setdefault("members", {})[str(user.id)] = target.to_dict(
                with_user=False, permissions=perms
            )
        return str(user.id)
    if type in (ROLE, MENTIONABLE):
        role = value if isinstance(value, Role) else guild.roles[int(value)]
        resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
        return str(role.id)
    return value


def command_interaction(
    world: World,
    name: str,
    options: Options,
    *,
    member: Member,
    channel: Channel,
    subcommand: str | None = None,
    group: str | None = None,
    focused: str | None = None,
) -> InteractionRecord:
    """An APPLICATION_COMMAND (or, with ``focused``, APPLICATION_COMMAND_AUTOCOMPLETE) interaction.

    ``options`` maps option names to values (types come from the synced command, else from the
    Python value; Channel/Member/User/Role objects or ids become resolved entries), or is a raw list.
    """
    type = AUTOCOMPLETE if focused else APPLICATION_COMMAND
    payload = _base(world, type, member, channel)
    cmd = world.find_command(name, channel.guild_id)
    resolved: JSON = {}
    if isinstance(options, list):
        wire: list[JSON] = options
    else:
        schema = {o["name"]: o for o in _leaf_schema(cmd, group, subcommand)}
        wire = []
        for key, value in (options or {}).items():
            otype = schema[key]["type"] if key in schema else _infer_type(value)
            if key == focused:
                wire.append({"name": key, "type": otype, "value": str(value), "focused": True})
            else:
                wire.append(
                    {"name": key, "type": otype, "value": _encode(world, member, otype, value, resolved)}
                )
        if subcommand is not None:
            wire = [{"name": subcommand, "type": 1, "options": wire}]
        if group is not None:
            wire = [{"name": group, "type": 2, "options": wire}]
    data: JSON = {
        "id": cmd["id"] if cmd else str(world.snowflakes.next()),
        "name": name,
        "type": 1,
        "options": wire,
    }
    if resolved:
        data["resolved"] = resolved
    if cmd and cmd.get("guild_id"):
        data["guild_id"] = cmd["guild_id"]
    payload["data"] = data
    return _record(world, payload, member, channel)


def component_interaction(
    world: World,
    message: JSON,
    custom_id: str,
    *,
    member: Member,
    component_type: int = 2,
    values: list[str] | None = None,
) -> InteractionRecord:
    """A MESSAGE_COMPONENT interaction: ``member`` clicked ``custom_id`` on ``message``."""
    channel = world.channel(message["channel_id"])
    payload = _base(world, MESSAGE_COMPONENT, member, channel)
    data: JSON = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    payload["data"] = data
    payload["message"] = message
    return _record(world, payload, member, channel)


def modal_submit(
    world: World, custom_id: str, values: Mapping[str, str], *, member: Member, channel: Channel
) -> InteractionRecord:
    """A MODAL_SUBMIT interaction with one text input per ``values`` entry."""
    payload = _base(world, MODAL_SUBMIT, member, channel)
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        for key, value in values.items()
    ]
    payload["data"] = {"custom_id": custom_id, "components": rows}
    return _record(world, payload, member, channel)
