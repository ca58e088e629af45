"""The SSRF guard: refused addresses never reach a connection attempt."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from knowledge.errors import BlockedURL
from knowledge.ingest.fetch import Fetcher
from knowledge.ingest.guard import address_problem
from tests.web import FakeResolver, LoopbackOnlyConnector, NoConnectConnector, serve


@pytest.fixture
async def no_connect() -> AsyncIterator[tuple[aiohttp.ClientSession, NoConnectConnector]]:
    connector = NoConnectConnector()
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session, connector
    assert connector.attempts == []


DNS = FakeResolver(
    {
        "intranet.test": ["10.1.2.3"],
        "metadata.test": ["169.254.169.254"],
        "mixed.test": ["93.184.216.34", "192.168.0.10"],
        "mapped.test": ["::ffff:10.0.0.1"],
        "v6local.test": ["fe80::1"],
        "ula.test": ["fd12:3456::1"],
        "nat64.test": ["64:ff9b::a00:1"],
        "multicast.test": ["224.0.0.1"],
        "zero.test": ["0.0.0.0"],
        "cgnat.test": ["100.64.0.1"],
        "broadcast.test": ["255.255.255.255"],
        "garbage.test": ["not-an-ip"],
    }
)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (
            "http://intranet.test/",
            "refused: 10.1.2.3 is a private network address (intranet.test resolves there)",
        ),
        ("http://metadata.test/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
        ("http://mixed.test/", "192.168.0.10 is a private network address"),
        ("http://mapped.test/", "IPv6 form of 10.0.0.1"),
        ("http://v6local.test/", "fe80::1 is a link-local address"),
        ("http://ula.test/", "private network address"),
        ("http://nat64.test/", "IPv6 form of 10.0.0.1"),
        ("http://multicast.test/", "multicast"),
        ("http://zero.test/", "unspecified"),
        ("http://cgnat.test/", "carrier-grade NAT"),
        ("http://broadcast.test/", "255.255.255.255 is"),
        ("http://garbage.test/", "not an IP address"),
        ("http://[::ffff:169.254.169.254]/", "IPv6 form of 169.254.169.254"),
        ("http://[::]/", "unspecified"),
        ("https://127.0.0.2/", "127.0.0.2 is a loopback address"),
        ("ftp://example.com/file", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://admin:secret@example.com/", "user name or password"),
        ("http:///nohost", "no host"),
    ],
)
async def test_unsafe_urls_are_refused_before_connecting(
    no_connect: tuple[aiohttp.ClientSession, NoConnectConnector], url: str, words: str
) -> None:
    fetcher = Fetcher(no_connect[0], resolver=DNS)
    with pytest.raises(BlockedURL, match=words.replace("(", r"\(").replace(")", r"\)")):
        await fetcher.fetch(url)


@pytest.mark.parametrize(
    "url", ["http://localhost/", "http://127.0.0.2:9/", "http://[::1]/", "http://2130706433/"]
)
async def test_live_loopback_aliases_are_refused(
    no_connect: tuple[aiohttp.ClientSession, NoConnectConnector], url: str
) -> None:
    """The real resolver is used here: localhost and decimal IPs resolve to loopback and are refused."""
    fetcher = Fetcher(no_connect[0])
    with pytest.raises(BlockedURL, match="loopback"):
        await fetcher.fetch(url)


async def test_allow_list_is_by_host_name_only(
    no_connect: tuple[aiohttp.ClientSession, NoConnectConnector],
) -> None:
    fetcher = Fetcher(no_connect[0], resolver=DNS, allowed_hosts={"127.0.0.1"})
    with pytest.raises(BlockedURL, match="private"):
        await fetcher.fetch("http://intranet.test/")


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.1.1", False),
        ("::1", False),
        ("::ffff:8.8.8.8", True),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("fc00::1", False),
        ("ff02::1", False),
        ("192.0.2.1", False),  # documentation range
        ("240.0.0.1", False),
        ("192.0.0.8", False),  # IPv4 dummy address: Python 3.11 calls it global
        ("192.0.0.9", False),  # PCP anycast, "globally reachable" in the registry, still no news site
        ("192.31.196.1", False),
        ("192.175.48.6", False),
        ("192.52.193.1", False),
        ("198.18.0.1", False),
        ("2001:4860:4860::8888", True),
        ("64:ff9b::808:808", True),  # NAT64 form of 8.8.8.8
        ("64:ff9b:1::1", False),
        ("2002:808:808::", False),  # 6to4, deprecated
        ("::8.8.8.8", False),  # IPv4-compatible, deprecated
        ("2001:1::1", False),
        ("2001:db8::1", False),
        ("3fff::1", False),
        ("5f00::1", False),
        ("100::1", False),
        ("2620:4f:8000::1", False),
    ],
)
def test_address_problem(ip: str, public: bool) -> None:
    assert (address_problem(ipaddress.ip_address(ip)) is None) is public


# The IANA special-purpose registries (IPv4 and IPv6, 2025), written out independently of the
# guard's own table: the first and last address of every range must be refused.
IANA_SPECIAL = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/31",
    "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
    "255.255.255.255/32", "224.0.0.0/4",
    "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23",
    "2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:2::/48", "2001:3::/32",
    "2001:4:112::/48", "2001:10::/28", "2001:20::/28", "2001:30::/28", "2001:db8::/32", "2002::/16",
    "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "ff00::/8",
]  # fmt: skip


@pytest.mark.parametrize("network", IANA_SPECIAL)
def test_every_special_purpose_range_is_refused(network: str) -> None:
    net = ipaddress.ip_network(network)
    for ip in (net[0], net[-1]):
        assert address_problem(ip) is not None, ip


async def test_refusing_a_local_address_names_the_setting(
    no_connect: tuple[aiohttp.ClientSession, NoConnectConnector],
) -> None:
    fetcher = Fetcher(no_connect[0], resolver=DNS)
    with pytest.raises(BlockedURL, match=r"add intranet\.test to NEWSDESK_FETCH_ALLOW_HOSTS"):
        await fetcher.fetch("http://intranet.test/")
    with pytest.raises(BlockedURL) as metadata:  # never suggested for the cloud metadata address
        await fetcher.fetch("http://169.254.169.254/")
    assert "NEWSDESK_FETCH_ALLOW_HOSTS" not in str(metadata.value)


async def test_localhost_in_the_allow_list_covers_its_addresses() -> None:
    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="<p>hello</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", hello)
    async with (
        serve(app) as base,
        aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session,
    ):
        result = await Fetcher(session, allowed_hosts={"localhost"}).fetch(f"{base}/")
        assert result.status == 200 and b"hello" in result.content
        with pytest.raises(BlockedURL, match=r"add 127\.0\.0\.1 to NEWSDESK_FETCH_ALLOW_HOSTS"):
            await Fetcher(session, allowed_hosts={"example.com"}).fetch(f"{base}/")


async def test_over_long_links_are_refused_before_connecting(
    no_connect: tuple[aiohttp.ClientSession, NoConnectConnector],
) -> None:
    with pytest.raises(BlockedURL, match="links over 2,048 characters are not fetched"):
        await Fetcher(no_connect[0], resolver=DNS).fetch("http://intranet.test/" + "a" * 5_000)
