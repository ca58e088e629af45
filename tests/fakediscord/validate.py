"""Discord's payload limits (400 Invalid Form Body, code 50035) and who a message would ping."""

from __future__ import annotations

import re
from typing import Any

from .objects import JSON

USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
EVERYONE = re.compile(r"@(everyone|here)")

EMBED_LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}


class FormError(Exception):
    """A 400 ``Invalid Form Body`` with Discord's nested ``errors`` structure."""

    def __init__(self, path: str, message: str, code: str = "BASE_TYPE_MAX_LENGTH") -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.code = code

    def body(self) -> JSON:
        errors: JSON = {"_errors": [{"code": self.code, "message": self.message}]}
        for part in reversed(self.path.split(".")):
            errors = {part: errors}
        return {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def _max(path: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        raise FormError(path, f"Must be {limit} or fewer in length.")


def _embed_length(embed: JSON) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def check_message(body: JSON, *, edit: bool = False, has_files: bool = False) -> None:
    """Raise FormError when Discord would reject this create/edit message payload."""
    content = body.get("content")
    _max("content", content, 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise FormError("embeds", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            head, _, tail = key.partition(".")
            value = (embed.get(head) or {}).get(tail) if tail else embed.get(head)
            _max(f"embeds.{i}.{key}", value, limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise FormError(f"embeds.{i}.fields", "Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            _max(f"embeds.{i}.fields.{j}.name", f.get("name"), 256)
            _max(f"embeds.{i}.fields.{j}.value", f.get("value"), 1024)
        total += _embed_length(embed)
    if total > 6000:
        raise FormError("embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED")
    components = body.get("components") or []
    if len(components) > 5:
        raise FormError("components", "Must be 5 or fewer in length.")
    for r, row in enumerate(components):
        for c, comp in enumerate(row.get("components") or []):
            _max(f"components.{r}.components.{c}.label", comp.get("label"), 80)
            _max(f"components.{r}.components.{c}.custom_id", comp.get("custom_id"), 100)
    am = body.get("allowed_mentions")
    if am:
        parse = am.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and am.get(kind):
                raise FormError(
                    f"allowed_mentions.{kind}",
                    f"parse:[{kind}] and {kind}: [ids...] are mutually exclusive.",
                    "MUTUALLY_EXCLUSIVE",
                )
    if not edit and not (content or embeds or components or has_files or body.get("sticker_ids")):
        raise EmptyMessage()


class EmptyMessage(Exception):
    """Discord's 50006 'Cannot send an empty message'."""


def pings(
    content: str, allowed_mentions: JSON | None, *, replied_user_id: int | None = None
) -> tuple[set[int], set[int], bool]:
    """(users, roles, everyone) that a message would notify, honouring ``allowed_mentions``.

    Without ``allowed_mentions`` everything in the content pings (Discord's default).
    """
    users = {int(u) for u in USER_MENTION.findall(content or "")}
    roles = {int(r) for r in ROLE_MENTION.findall(content or "")}
    everyone = bool(EVERYONE.search(content or ""))
    if allowed_mentions is None:
        if replied_user_id is not None:
            users.add(replied_user_id)
        return users, roles, everyone
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    out_users = users if "users" in parse else users & allowed_users
    out_roles = roles if "roles" in parse else roles & allowed_roles
    if replied_user_id is not None and allowed_mentions.get("replied_user"):
        out_users = out_users | {replied_user_id}
    return out_users, out_roles, everyone and "everyone" in parse
