"""Loopback web servers and network guards for tests.

Tests never send a packet outside 127.0.0.0/8 or ::1: servers bind 127.0.0.1, fake resolvers
answer with whatever address a test needs, and the connectors below fail the test if the fetcher
ever tries to open a connection it should not.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 (random port) and yield its base URL without a trailing slash."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


class LoopbackOnlyConnector(aiohttp.TCPConnector):
    """A connector that refuses (and records) any connection to a non-loopback address."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connected: list[str] = []

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        host = req.url.raw_host or ""
        self.connected.append(host)
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            raise AssertionError(
                f"fetcher asked to connect to a host name {host!r}: DNS was not pinned"
            ) from None
        if not ip.is_loopback:
            raise AssertionError(f"test tried to connect to {ip}, outside loopback")
        return await super()._create_connection(req, traces, timeout)


class NoConnectConnector(aiohttp.TCPConnector):
    """A connector that fails the test if it is ever asked to open a connection."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attempts: list[str] = []

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        self.attempts.append(str(req.url))
        raise AssertionError(f"no connection may be opened here, but one was asked for {req.url}")


class FakeResolver:
    """An injected DNS: ``{host: [addresses]}``; records each lookup; unknown hosts fail."""

    def __init__(self, answers: Mapping[str, Sequence[str]]) -> None:
        self.answers = {k.lower(): list(v) for k, v in answers.items()}
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        if host.lower() not in self.answers:
            raise AssertionError(f"unexpected DNS lookup of {host!r}")
        return self.answers[host.lower()]
