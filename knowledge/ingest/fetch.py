"""Download one URL safely: SSRF guard on every hop, size and time limits, conditional GET.

Redirects are followed by hand so each hop goes through the guard again, and each request is sent
to the IP address the guard checked (the URL's host is swapped for that address while the Host
header and the TLS server name keep the real name), so there is no second DNS lookup to rebind.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiohttp
from yarl import URL

from knowledge.errors import BlockedURL, FetchError
from knowledge.ingest.guard import Resolver, check_url, resolve_checked, system_resolver
from knowledge.ingest.limits import MAX_ETAG_CHARS, MAX_LAST_MODIFIED_CHARS
from knowledge.ingest.sniff import Kind, UnsupportedContent, refuse_early, sniff_kind

if TYPE_CHECKING:
    from knowledge.config import Settings

log = logging.getLogger(__name__)

USER_AGENT = "Newsdesk/0.1 (+https://github.com/newsdesk; news Q&A bot)"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MB = 1024 * 1024

__all__ = [
    "USER_AGENT",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "Kind",
    "Resolver",
    "RetryLater",
    "UnsupportedContent",
]


class RetryLater(FetchError):
    """The server asked us to come back later (429/503); ``delay`` is seconds, None if unsaid."""

    def __init__(self, message: str, delay: float | None) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How much time, data and how many hops one fetch may take; tests shrink these."""

    max_bytes: int = 10 * _MB
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 30.0
    max_redirects: int = 5
    max_connections: int = 8
    per_host: int = 2
    max_retry_after: float = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A downloaded document; ``url`` is the final URL after redirects."""

    url: str
    status: int
    content: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    kind: Kind | None = None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _HostSlots:
    """At most ``per_host`` requests in flight to one host, and ``total`` overall."""

    def __init__(self, total: int, per_host: int) -> None:
        self._total = asyncio.Semaphore(total)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        self._users[host] = self._users.get(host, 0) + 1
        try:
            async with sem, self._total:
                yield
        finally:
            self._users[host] -= 1
            if not self._users[host]:  # forget idle hosts so the table does not grow forever
                del self._users[host]
                del self._hosts[host]


class Fetcher:
    """Fetches URLs through one shared ``aiohttp.ClientSession`` with the SSRF guard applied.

    Pass the service's session to share its connection pool; without one, the fetcher creates
    a session on first use and closes it in :meth:`close`.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        resolver: Resolver | None = None,
        allowed_hosts: Collection[str] = (),
        limits: FetchLimits | None = None,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self.resolver: Resolver = resolver or system_resolver
        self.allowed_hosts = frozenset(h.lower().strip("[]") for h in allowed_hosts)
        self.limits = limits or FetchLimits()
        self._slots = _HostSlots(self.limits.max_connections, self.limits.per_host)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        session: aiohttp.ClientSession | None = None,
        resolver: Resolver | None = None,
        limits: FetchLimits | None = None,
    ) -> Self:
        """A fetcher honouring NEWSDESK_FETCH_ALLOW_HOSTS."""
        return cls(session, resolver=resolver, allowed_hosts=settings.allowed_hosts, limits=limits)

    async def close(self) -> None:
        """Close the session if this fetcher created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def check(self, url: str) -> None:
        """Run the guard on ``url`` without downloading it (raises BlockedURL)."""
        await resolve_checked(_parse(url), self.resolver, self.allowed_hosts)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` following up to ``max_redirects`` checked redirects.

        ``etag``/``last_modified`` are the validators stored from the previous fetch; a 304 answer
        gives a result with ``not_modified=True`` and no content.
        Raises BlockedURL, RetryLater, UnsupportedContent or FetchError with a user-facing message.
        """
        current = _parse(url)
        limits = self.limits
        budget = limits.total_timeout  # time on the wire; waiting for a free slot is not counted
        for _hop in range(limits.max_redirects + 1):
            try:
                async with asyncio.timeout(limits.connect_timeout):
                    addresses = await resolve_checked(current, self.resolver, self.allowed_hosts)
            except TimeoutError:
                raise FetchError(f"timed out resolving {current.raw_host}") from None
            async with self._slots.slot(current.raw_host or ""):
                started = time.monotonic()
                try:
                    async with asyncio.timeout(budget):
                        result = await self._hop(current, addresses, etag=etag, last_modified=last_modified)
                except TimeoutError:
                    raise FetchError(
                        f"timed out after {limits.total_timeout:g} s fetching {current}"
                    ) from None
                budget -= time.monotonic() - started
            if isinstance(result, FetchResult):
                return result
            current = result
        raise FetchError(f"too many redirects (more than {limits.max_redirects}) fetching {url}")

    async def _hop(
        self, url: URL, addresses: Sequence[str], *, etag: str | None, last_modified: str | None
    ) -> FetchResult | URL:
        """One request to the checked ``addresses``: the result, or the next URL on a redirect."""
        host = url.raw_host or ""
        headers = {
            "Host": url.host_port_subcomponent or host,
            "User-Agent": USER_AGENT,
            "Accept": ACCEPT,
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        timeout = aiohttp.ClientTimeout(
            total=None, connect=self.limits.connect_timeout, sock_read=self.limits.read_timeout
        )
        last_error: Exception | None = None
        for address in addresses:
            pinned = url.with_host(address)
            try:
                async with self._get_session().get(
                    pinned,
                    headers=headers,
                    allow_redirects=False,
                    timeout=timeout,
                    server_hostname=host if url.scheme == "https" else None,
                ) as resp:
                    return await self._answer(url, resp)
            except aiohttp.ClientConnectorError as exc:
                last_error = exc
                log.debug("connect to %s (%s) failed: %s", host, address, exc)
            except aiohttp.ClientResponseError as exc:
                raise FetchError(f"bad HTTP answer from {host}: {exc.message}") from exc
            except aiohttp.ServerTimeoutError as exc:
                raise FetchError(f"timed out waiting for {host}: {exc}") from exc
            except aiohttp.ClientPayloadError as exc:
                raise FetchError(f"the download from {host} broke off: {exc}") from exc
            except aiohttp.ClientError as exc:
                raise FetchError(f"could not fetch {url}: {exc}") from exc
        raise FetchError(f"could not connect to {url.host_port_subcomponent or host}: {_reason(last_error)}")

    async def _answer(self, url: URL, resp: aiohttp.ClientResponse) -> FetchResult | URL:
        status = resp.status
        if status in _REDIRECTS:
            location = resp.headers.get("Location")
            if not location:
                raise FetchError(f"HTTP {status} redirect without a Location from {url}")
            try:
                target = url.join(URL(location))
            except ValueError as exc:
                raise FetchError(f"bad redirect from {url} to {location!r}") from exc
            check_url(target)
            log.debug("redirect %s -> %s", url, target)
            return target
        # Validators longer than their columns are dropped (we re-download), never stored.
        etag = _validator(resp.headers.get("ETag"), MAX_ETAG_CHARS)
        last_modified = _validator(resp.headers.get("Last-Modified"), MAX_LAST_MODIFIED_CHARS)
        content_type = resp.content_type.lower() if "Content-Type" in resp.headers else ""
        if status == 304:
            return FetchResult(str(url), status, b"", content_type, resp.charset, etag, last_modified, True)
        if status in (429, 503):
            delay = parse_retry_after(resp.headers.get("Retry-After"))
            if delay is not None:
                delay = min(delay, self.limits.max_retry_after)
            wait = f"; retry after {math.ceil(delay)} s" if delay is not None else ""
            raise RetryLater(f"HTTP {status} {resp.reason or ''} for {url}{wait}".replace("  ", " "), delay)
        if not 200 <= status < 300:
            raise FetchError(f"HTTP {status} {resp.reason or ''} for {url}".replace("  ", " "))
        refuse_early(content_type)
        body = await self._read_body(url, resp)
        kind = sniff_kind(content_type, body)
        return FetchResult(
            str(url), status, body, content_type, resp.charset, etag, last_modified, False, kind
        )

    async def _read_body(self, url: URL, resp: aiohttp.ClientResponse) -> bytes:
        """Stream the (decompressed) body, stopping as soon as it passes the size limit."""
        limit = self.limits.max_bytes
        too_big = FetchError(f"too big: {url} is larger than {_size(limit)}")
        if (
            resp.content_length is not None
            and resp.content_length > limit
            and "Content-Encoding" not in resp.headers
        ):
            raise too_big
        chunks: list[bytes] = []
        total = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            total += len(chunk)
            if total > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)


def _parse(url: str) -> URL:
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise BlockedURL(f"refused: {url!r} is not a valid link") from exc
    check_url(parsed)
    return parsed


def _validator(value: str | None, limit: int) -> str | None:
    return value if value is not None and len(value) <= limit else None


def _size(n: int) -> str:
    return f"{n / _MB:g} MB" if n >= _MB else f"{n:,} bytes"


def _reason(exc: Exception | None) -> str:
    if exc is None:
        return "no address to connect to"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        detail = getattr(exc.certificate_error, "verify_message", None) or exc.certificate_error
        return f"the TLS certificate is not valid for this name ({detail})"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"the TLS handshake failed ({exc})"
    os_error = getattr(exc, "os_error", None)
    if isinstance(os_error, OSError) and os_error.errno:
        return os.strerror(os_error.errno).lower()
    return str(getattr(os_error, "strerror", None) or exc)
