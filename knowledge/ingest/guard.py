"""The SSRF guard: which URLs and addresses the fetcher may touch.

Admins paste URLs into Discord, so every URL (and every redirect hop) is checked here before a
socket is opened: only http(s), no credentials, and the host must resolve to public addresses
only. The checked address is what the fetcher connects to, so a second DNS answer cannot rebind
the request to an internal service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Collection, Sequence
from typing import Protocol

from yarl import URL

from knowledge.errors import BlockedURL, FetchError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network(
    "100.64.0.0/10"
)  # carrier-grade NAT; Python calls it neither private nor global
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class Resolver(Protocol):
    """Turns a host name into IP address strings; injectable so tests never touch real DNS."""

    async def __call__(self, host: str, port: int) -> Sequence[str]: ...


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Resolve with the operating system (getaddrinfo), TCP addresses only, in its order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        raise FetchError(f"cannot find the web server {host}: {reason}") from exc
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)
    return list(seen)


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from, as a phrase, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour if ip.sixtofour else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo:
            embedded = ip.teredo[1]
        if embedded is not None:
            inner = address_problem(embedded)
            if inner:
                return f"an IPv6 form of {embedded}, {inner}"
            if ip.ipv4_mapped:  # ::ffff:a.b.c.d is just a.b.c.d on a dual-stack socket
                return None
    if ip in _METADATA:
        return "the cloud metadata address (link-local)"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private network address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public internet address"
    return None


def check_url(url: URL) -> None:
    """Refuse URLs that are unsafe before any DNS: scheme, credentials, missing host."""
    if url.scheme not in ("http", "https"):
        shown = url.scheme or "no scheme"
        raise BlockedURL(f"refused: only http and https links can be fetched ({shown} given)")
    if url.user is not None or url.password is not None:
        raise BlockedURL("refused: links with a user name or password in them are not fetched")
    if not url.raw_host:
        raise BlockedURL(f"refused: {url} has no host name")


def parse_ip(host: str) -> IPAddress | None:
    """The address when ``host`` is an IP literal (brackets and zone ids tolerated), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def resolve_checked(url: URL, resolver: Resolver, allowed_hosts: Collection[str] = ()) -> list[str]:
    """Resolve ``url``'s host once and return the addresses that may be connected to.

    Every address in the answer must be public: an answer mixing a public and a private address is
    refused as a whole, because which one gets used is up to whoever controls that DNS zone.
    Hosts in ``allowed_hosts`` (NEWSDESK_FETCH_ALLOW_HOSTS) skip the address check but are still
    resolved once and pinned.
    """
    check_url(url)
    host = (url.raw_host or "").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = parse_ip(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = [a for a in await resolver(host, port) if a]
        if not addresses:
            raise FetchError(f"cannot find the web server {host}: no addresses")
    if host in allowed_hosts:
        return addresses
    for text in addresses:
        ip = parse_ip(text)
        if ip is None:
            raise BlockedURL(f"refused: {host} resolved to {text!r}, which is not an IP address")
        problem = address_problem(ip)
        if problem:
            where = "" if literal is not None else f" ({host} resolves there)"
            log.info("blocked fetch of %s: %s is %s", url, ip, problem)
            raise BlockedURL(f"refused: {ip} is {problem}{where}")
    return addresses
