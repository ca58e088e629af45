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
from knowledge.ingest.limits import MAX_URL_CHARS, shown

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOCAL = "local"  # kinds of address an operator may reasonably allow (NEWSDESK_FETCH_ALLOW_HOSTS)

# The IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2025), plus multicast, every
# entry refused whatever its "globally reachable" flag: no news site lives in them, and Python's
# ``ipaddress.is_global`` has called some of them global (3.11 lets 192.0.0.8 through).
# Order matters only for the phrase: the more specific entry comes first.
_SPECIAL: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, str], ...] = tuple(
    (ipaddress.ip_network(net), phrase, kind)
    for net, phrase, kind in (
        ("0.0.0.0/32", "an unspecified address", ""),
        ("0.0.0.0/8", 'a "this network" address', ""),
        ("127.0.0.0/8", "a loopback address", _LOCAL),
        ("10.0.0.0/8", "a private network address", _LOCAL),
        ("172.16.0.0/12", "a private network address", _LOCAL),
        ("192.168.0.0/16", "a private network address", _LOCAL),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address", _LOCAL),
        ("169.254.0.0/16", "a link-local address", _LOCAL),
        ("192.0.0.0/24", "an IETF protocol assignment (192.0.0.0/24)", ""),
        ("192.0.2.0/24", "a documentation address (TEST-NET-1)", ""),
        ("198.51.100.0/24", "a documentation address (TEST-NET-2)", ""),
        ("203.0.113.0/24", "a documentation address (TEST-NET-3)", ""),
        ("192.31.196.0/24", "an AS112 DNS sink address", ""),
        ("192.175.48.0/24", "an AS112 DNS sink address", ""),
        ("192.52.193.0/24", "an AMT relay address", ""),
        ("192.88.99.0/24", "a deprecated 6to4 relay address", ""),
        ("198.18.0.0/15", "a benchmarking address", ""),
        ("224.0.0.0/4", "a multicast address", ""),
        ("255.255.255.255/32", "the broadcast address", ""),
        ("240.0.0.0/4", "a reserved address", ""),
        ("::/128", "an unspecified address", ""),
        ("::1/128", "a loopback address", _LOCAL),
        ("::/96", "a deprecated IPv4-compatible address", ""),
        ("64:ff9b:1::/48", "a local-use IPv4/IPv6 translation address", _LOCAL),
        ("100::/64", "a discard-only address", ""),
        ("100:0:0:1::/64", "a dummy address", ""),
        ("2001::/23", "an IETF protocol assignment (2001::/23)", ""),
        ("2001:db8::/32", "a documentation address", ""),
        ("3fff::/20", "a documentation address", ""),
        ("2002::/16", "a 6to4 address", ""),
        ("2620:4f:8000::/48", "an AS112 DNS sink address", ""),
        ("5f00::/16", "a segment routing (SRv6) address", ""),
        ("fc00::/7", "a private network address", _LOCAL),
        ("fe80::/10", "a link-local address", _LOCAL),
        ("fec0::/10", "a private network address (site-local)", _LOCAL),
        ("ff00::/8", "a multicast address", ""),
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_ALLOW_SETTING = "NEWSDESK_FETCH_ALLOW_HOSTS"


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
    problem = _problem(ip)
    return problem[0] if problem else None


def _problem(ip: IPAddress) -> tuple[str, str] | None:
    """(phrase, kind) for a refused address; kind is ``_LOCAL`` for ones an operator may allow."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo:
            embedded = ip.teredo[1]
        if embedded is not None:
            inner = _problem(embedded)
            if inner:
                return f"an IPv6 form of {embedded}, {inner[0]}", inner[1]
            if ip.ipv4_mapped or ip in _NAT64:  # the same public IPv4 address, reached over IPv6
                return None
    if ip in _METADATA:
        return "the cloud metadata address (link-local)", ""
    for network, phrase, kind in _SPECIAL:
        if ip.version == network.version and ip in network:
            return phrase, kind
    # Belt and braces: anything Python's tables know better than ours.
    if ip.is_reserved:
        return "a reserved address", ""
    if not ip.is_global:
        return "not a public internet address", ""
    return None


def _allowed_address(ip: IPAddress, allowed_hosts: Collection[str]) -> bool:
    """An address the operator allowed: listed itself, or loopback when ``localhost`` is listed."""
    if str(ip) in allowed_hosts:
        return True
    return ip.is_loopback and "localhost" in allowed_hosts


def check_url(url: URL) -> None:
    """Refuse URLs that are unsafe before any DNS: scheme, credentials, missing host."""
    if url.scheme not in ("http", "https"):
        scheme = url.scheme or "no scheme"
        raise BlockedURL(f"refused: only http and https links can be fetched ({shown(scheme, 40)} given)")
    if url.user is not None or url.password is not None:
        raise BlockedURL("refused: links with a user name or password in them are not fetched")
    if not url.raw_host:
        raise BlockedURL(f"refused: {url} has no host name")
    if len(str(url)) > MAX_URL_CHARS:
        raise BlockedURL(
            f"refused: the link is {len(str(url)):,} characters long; links over "
            f"{MAX_URL_CHARS:,} characters are not fetched ({shown(str(url), 80)})"
        )


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
    resolved once and pinned; an IP address in the list allows that address, and ``localhost``
    allows the loopback addresses it resolves to.
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
        problem = _problem(ip)
        if problem and not _allowed_address(ip, allowed_hosts):
            phrase, kind = problem
            where = "" if literal is not None else f" ({host} resolves there)"
            hint = f"; to fetch from it anyway, add {host} to {_ALLOW_SETTING}" if kind == _LOCAL else ""
            log.info("blocked fetch of %s: %s is %s", url, ip, phrase)
            raise BlockedURL(f"refused: {ip} is {phrase}{where}{hint}")
    return addresses
