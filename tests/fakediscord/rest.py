"""REST API v10 under ``/api/v10``: recording, auth, fault injection and the routes discord.py uses."""

from __future__ import annotations

import json
import logging
import math
import re
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import validate
from .world import ApiError, Call

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

PREFIX = "/api/v10"
NO_CONTENT = object()
# Routes authenticated by the token in their path rather than the Authorization header.
TOKEN_ROUTES = re.compile(r"^/(interactions/\d+/[^/]+/callback|webhooks/\d+/[^/]+)")

Handler = Callable[[web.Request, Call], Awaitable[Any]]
CALL = web.RequestKey("fakediscord_call", Call)


@dataclass
class Fault:
    """A scripted failure for the next ``times`` requests matching ``method`` and ``pattern``."""

    pattern: re.Pattern[str]
    method: str | None
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int | None = 1  # None: until removed
    after: int = 0  # let this many matching requests through first

    def matches(self, call: Call) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if not ((self.method is None or self.method == call.method) and self.pattern.search(call.path)):
            return False
        if self.after > 0:
            self.after -= 1
            return False
        return True


def rate_limit_headers(route: str, *, remaining: int = 49, reset_after: float = 1.0) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": f"{zlib.crc32(route.encode()):08x}fake",
    }


def _json_response(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    if body is NO_CONTENT or status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares the header to exactly "application/json" (Discord sends no charset).
    text = json.dumps(body, separators=(",", ":"))
    return web.Response(
        body=text.encode(), status=status, headers={**headers, "Content-Type": "application/json"}
    )


async def _read_body(request: web.Request, call: Call) -> None:
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        for name, value in form.items():
            if name == "payload_json":
                call.json = json.loads(str(value))
            elif isinstance(value, web.FileField):
                data = value.file.read()
                call.files.append(
                    {
                        "field": name,
                        "filename": value.filename,
                        "size": len(data),
                        "content_type": value.content_type,
                    }
                )
        return
    raw = await request.read()
    if raw:
        try:
            call.json = json.loads(raw)
        except ValueError:
            call.json = raw.decode(errors="replace")


class Rest:
    """Wires the REST routes into an aiohttp app; handlers return JSON-able data or NO_CONTENT."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.faults: list[Fault] = []

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.startswith(PREFIX + "/"):
            return await handler(request)
        path = request.path[len(PREFIX) :]
        call = Call(request.method, path, dict(request.query), None, time.monotonic())
        matched = request.match_info.http_exception is None
        if matched:
            call.route = request.match_info.route.resource.canonical[len(PREFIX) :]  # type: ignore[union-attr]
        await _read_body(request, call)
        request[CALL] = call
        self.fake.calls.append(call)
        headers = {"Via": "1.1 google", **rate_limit_headers(call.route or path)}
        status, body, extra = await self._respond(request, call, handler if matched else None)
        headers.update(extra)
        call.status, call.response = status, None if body is NO_CONTENT else body
        await self.fake._notify_call(call)
        return _json_response(status, body, headers)

    async def _respond(
        self, request: web.Request, call: Call, handler: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if handler is None:
            log.warning("fakediscord: unknown route %s %s", call.method, call.path)
            message = f"404: Not Found (fakediscord has no route {call.method} {call.path})"
            return 404, {"message": message, "code": 0}, {}
        needs_auth = not TOKEN_ROUTES.match(call.path) and not call.path.startswith("/gateway")
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.fake.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        for fault in self.faults:
            if fault.matches(call):
                if fault.times is not None:
                    fault.times -= 1
                return fault.status, fault.body, fault.headers
        try:
            result = await handler(request)
        except ApiError as exc:
            return exc.status, exc.body(), {}
        except validate.FormError as exc:
            return 400, exc.body(), {}
        except validate.EmptyMessage:
            return 400, {"message": "Cannot send an empty message", "code": 50006}, {}
        return (204, NO_CONTENT, {}) if result is NO_CONTENT else (200, result, {})

    def add_routes(self, app: web.Application, handlers: list[tuple[str, str, Handler]]) -> None:
        for method, path, fn in handlers:

            async def endpoint(request: web.Request, fn: Handler = fn) -> Any:
                return await fn(request, request[CALL])

            app.router.add_route(method, PREFIX + path, endpoint)

    # ---- faults -----------------------------------------------------------------------------
    def rate_limit(self, pattern: str, retry_after: float, method: str | None, is_global: bool) -> Fault:
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        fault = Fault(re.compile(pattern), method, 429, body, headers)
        self.faults.append(fault)
        return fault

    def fail(
        self,
        pattern: str,
        status: int,
        code: int,
        message: str,
        method: str | None,
        times: int | None,
        after: int = 0,
    ) -> Fault:
        body = {"message": message, "code": code}
        fault = Fault(re.compile(pattern), method, status, body, {}, times, after)
        self.faults.append(fault)
        return fault
