"""The SSRF guard: refused addresses never reach a connection attempt."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import aiohttp
import pytest

from knowledge.errors import BlockedURL
from knowledge.ingest.fetch import Fetcher
from knowledge.ingest.guard import address_problem
from tests.web import FakeResolver, NoConnectConnector


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
    ],
)
def test_address_problem(ip: str, public: bool) -> None:
    assert (address_problem(ipaddress.ip_address(ip)) is None) is public
