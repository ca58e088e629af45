"""Interaction callbacks and the interaction webhook (followups, @original) endpoints."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import validate
from .objects import JSON
from .rest import NO_CONTENT, Handler
from .world import ApiError, Call, InteractionRecord, unknown

if TYPE_CHECKING:
    from .server import FakeDiscord

EPHEMERAL, LOADING = 1 << 6, 1 << 7
# Callback types allowed per interaction type
# (4 message, 5 defer, 6 defer update, 7 update, 8 choices, 9 modal).
ALLOWED = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class WebhookEndpoints:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.world = fake

    def webhook_table(self) -> list[tuple[str, str, Handler]]:
        hook = "/webhooks/{app_id}/{token}"
        return [
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback),
            ("POST", hook, self.followup),
            ("GET", hook + "/messages/@original", self.get_hook_message),
            ("PATCH", hook + "/messages/@original", self.edit_hook_message),
            ("DELETE", hook + "/messages/@original", self.delete_hook_message),
            ("GET", hook + "/messages/{message_id}", self.get_hook_message),
            ("PATCH", hook + "/messages/{message_id}", self.edit_hook_message),
            ("DELETE", hook + "/messages/{message_id}", self.delete_hook_message),
        ]

    # ---- callback ---------------------------------------------------------------------------
    async def callback(self, request: web.Request, call: Call) -> Any:
        rec = self.world.interactions.get(int(request.match_info["interaction_id"]))
        if rec is None or rec.token != request.match_info["token"]:
            raise unknown("interaction", 10062)
        rec.calls.append(call)
        if rec.acked_at is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        deadline = self.fake.interaction_deadline
        if deadline is not None and time.monotonic() - rec.created > deadline:
            raise unknown("interaction", 10062)
        body = call.json or {}
        rtype, data = body.get("type"), body.get("data") or {}
        if rtype not in ALLOWED[rec.type]:
            raise validate.FormError(
                "type", f"Callback type {rtype} is invalid for interaction type {rec.type}"
            )
        message = await self._apply(rec, rtype, data, call)
        rec.acked_at = time.monotonic()
        rec.response_type = rtype
        info: JSON = {
            "id": str(rec.id),
            "type": rec.type,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
        if message is not None:
            info["response_message_id"] = message["id"]
        if request.query.get("with_response") not in ("1", "true", "True"):
            return NO_CONTENT
        result: JSON = {"interaction": info}
        if message is not None:
            result["resource"] = {"type": rtype, "message": message}
        return result

    async def _apply(self, rec: InteractionRecord, rtype: int, data: JSON, call: Call) -> JSON | None:
        channel = self.world.channel(rec.channel_id)
        if rtype in (4, 5):
            if rtype == 4:
                validate.check_message(data, has_files=bool(call.files))
                body = data
            else:
                body = {"content": "", "flags": int(data.get("flags") or 0) & EPHEMERAL}
            msg = self.world.bot_message(
                channel,
                body,
                type=20 if rec.type == 2 else 19,
                flags=LOADING if rtype == 5 else 0,
                files=call.files if rtype == 4 else None,
            )
            msg.update(self._metadata(rec))
            self.world.store(msg)
            rec.original_id = int(msg["id"])
            if not msg["flags"] & EPHEMERAL:
                await self.fake.dispatch("MESSAGE_CREATE", msg)
            return msg
        if rtype in (6, 7):
            target = rec.payload.get("message")
            if target is None:
                return None
            msg = self.world.messages[int(target["id"])]
            rec.original_id = int(msg["id"])
            if rtype == 7:
                self.world.edit(msg, data)
                await self._updated(msg)
            return msg if rtype == 7 else None
        if rtype == 8:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise validate.FormError("data.choices", "Must be 25 or fewer in length.")
            for i, choice in enumerate(choices):
                if not 1 <= len(str(choice.get("name", ""))) <= 100:
                    raise validate.FormError(f"data.choices.{i}.name", "Must be between 1 and 100 in length.")
            rec.choices = choices
            return None
        for key in ("custom_id", "title", "components"):  # 9: modal
            if not data.get(key):
                raise validate.FormError(f"data.{key}", "This field is required", "BASE_TYPE_REQUIRED")
        return None

    def _metadata(self, rec: InteractionRecord) -> JSON:
        user = rec.payload["member"]["user"]
        name = (rec.payload.get("data") or {}).get("name", "")
        meta: JSON = {
            "id": str(rec.id),
            "type": rec.type,
            "user": user,
            "authorizing_integration_owners": rec.payload["authorizing_integration_owners"],
        }
        if rec.type == 3:
            meta["interacted_message_id"] = rec.payload["message"]["id"]
        return {
            "webhook_id": str(self.world.application_id),
            "application_id": str(self.world.application_id),
            "interaction_metadata": meta,
            "interaction": {"id": str(rec.id), "type": rec.type, "name": name, "user": user},
        }

    async def _updated(self, msg: JSON) -> None:
        if not msg["flags"] & EPHEMERAL:
            await self.fake.dispatch("MESSAGE_UPDATE", msg)

    # ---- webhook (interaction token) --------------------------------------------------------
    def _hook(self, request: web.Request, call: Call) -> InteractionRecord:
        token = request.match_info["token"]
        rec = next((r for r in self.world.interactions.values() if r.token == token), None)
        if rec is None or request.match_info["app_id"] != str(self.world.application_id):
            raise unknown("Webhook", 10015)
        rec.calls.append(call)
        if rec.acked_at is None:
            raise unknown("Webhook", 10015)
        return rec

    def _hook_message(self, request: web.Request, rec: InteractionRecord) -> JSON:
        mid = request.match_info.get("message_id")
        msg_id = rec.original_id if mid is None else int(mid)
        msg = self.world.messages.get(msg_id or 0)
        if msg is None:
            raise unknown("Message", 10008)
        return msg

    async def followup(self, request: web.Request, call: Call) -> Any:
        rec = self._hook(request, call)
        body = call.json or {}
        validate.check_message(body, has_files=bool(call.files))
        original = self.world.messages.get(rec.original_id or 0)
        if original is not None and original["flags"] & LOADING:
            # The first followup after a defer completes the "thinking" message.
            msg = self.world.edit(original, {k: v for k, v in body.items() if k != "flags"})
            await self._updated(msg)
        else:
            channel = self.world.channel(request.query.get("thread_id") or rec.channel_id)
            msg = self.world.bot_message(channel, body, type=20 if rec.type == 2 else 19, files=call.files)
            msg.update(self._metadata(rec))
            self.world.store(msg)
            if not msg["flags"] & EPHEMERAL:
                await self.fake.dispatch("MESSAGE_CREATE", msg)
        return msg if request.query.get("wait") in ("true", "1", "True") else NO_CONTENT

    async def get_hook_message(self, request: web.Request, call: Call) -> Any:
        return self._hook_message(request, self._hook(request, call))

    async def edit_hook_message(self, request: web.Request, call: Call) -> Any:
        msg = self._hook_message(request, self._hook(request, call))
        self.world.edit(msg, call.json or {})
        await self._updated(msg)
        return msg

    async def delete_hook_message(self, request: web.Request, call: Call) -> Any:
        msg = self._hook_message(request, self._hook(request, call))
        await self.fake.delete_message(msg)
        return NO_CONTENT
