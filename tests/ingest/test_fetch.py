"""Fetcher against servers on 127.0.0.1: limits, redirects, statuses, content types."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web

from knowledge.config import Settings
from knowledge.errors import BlockedURL, FetchError
from knowledge.ingest.fetch import USER_AGENT, Fetcher, FetchLimits, RetryLater, UnsupportedContent
from tests.web import FakeResolver, LoopbackOnlyConnector, serve

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>http://example.com/1</link></item></channel></rss>"""
HTML = "<!doctype html><html><head><title>Café</title></head><body><p>Crème brûlée</p></body></html>"


SEEN = web.AppKey("seen", list[dict[str, str]])


def make_app() -> web.Application:
    app = web.Application()
    seen: list[dict[str, str]] = []
    app[SEEN] = seen

    async def page(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=HTML.encode("cp1252"), content_type="text/html", charset="windows-1252")

    async def feed(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        etag = '"v1"'
        last_mod = "Sat, 28 Nov 2026 10:00:00 GMT"
        if (
            request.headers.get("If-None-Match") == etag
            or request.headers.get("If-Modified-Since") == last_mod
        ):
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=RSS, content_type="application/rss+xml", headers={"ETag": etag, "Last-Modified": last_mod}
        )

    async def mislabelled_feed(request: web.Request) -> web.Response:
        return web.Response(body=RSS, content_type="text/html")

    async def jsonfeed(request: web.Request) -> web.Response:
        return web.json_response({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": []})

    async def plain_json(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="Just words.", content_type="text/plain")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")

    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 ...", content_type="application/octet-stream")

    async def redirect(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        target = "/page" if n == 0 else f"/redirect/{n - 1}"
        raise web.HTTPFound(target)

    async def redirect_to(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        headers = {"Retry-After": request.query["after"]} if "after" in request.query else {}
        return web.Response(status=code, text="nope", headers=headers)

    async def bomb(request: web.Request) -> web.Response:
        body = gzip.compress(b"\0" * (3 * 1024 * 1024), compresslevel=9)
        return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"<html>" + b"x" * (2 * 1024 * 1024), content_type="text/html")

    async def slow(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        while True:  # drips forever: only the total timeout can stop it
            await resp.write(b"<p>drip</p>")
            await asyncio.sleep(0.05)

    async def host_echo(request: web.Request) -> web.Response:
        return web.Response(text=f"<html><body>{request.host}</body></html>", content_type="text/html")

    app.router.add_get("/page", page)
    app.router.add_get("/feed", feed)
    app.router.add_get("/mislabelled", mislabelled_feed)
    app.router.add_get("/jsonfeed", jsonfeed)
    app.router.add_get("/json", plain_json)
    app.router.add_get("/text", text)
    app.router.add_get("/image", image)
    app.router.add_get("/pdf", pdf)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/redirect-to", redirect_to)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    app.router.add_get("/host", host_echo)
    return app


LIMITS = FetchLimits(max_bytes=1024 * 1024, total_timeout=3.0, read_timeout=2.0)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, web.Application]]:
    app = make_app()
    async with serve(app) as base:
        yield base, app


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session:
        yield Fetcher(session, allowed_hosts={"127.0.0.1"}, limits=LIMITS)


async def test_page_keeps_bytes_and_declared_charset(
    server: tuple[str, web.Application], fetcher: Fetcher
) -> None:
    base, app = server
    result = await fetcher.fetch(base + "/page")
    assert result.status == 200 and result.kind == "html"
    assert result.charset == "windows-1252"
    assert result.content.decode(result.charset) == HTML
    assert app[SEEN][-1]["User-Agent"] == USER_AGENT


async def test_conditional_get_gives_not_modified(
    server: tuple[str, web.Application], fetcher: Fetcher
) -> None:
    base, app = server
    first = await fetcher.fetch(base + "/feed")
    assert first.kind == "feed" and first.etag == '"v1"' and not first.not_modified
    again = await fetcher.fetch(base + "/feed", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert app[SEEN][-1]["If-None-Match"] == '"v1"'
    by_date = await fetcher.fetch(base + "/feed", last_modified=first.last_modified)
    assert by_date.not_modified


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/mislabelled", "feed"), ("/jsonfeed", "jsonfeed"), ("/text", "text"), ("/page", "html")],
)
async def test_content_kind_is_sniffed(
    server: tuple[str, web.Application], fetcher: Fetcher, path: str, kind: str
) -> None:
    assert (await fetcher.fetch(server[0] + path)).kind == kind


@pytest.mark.parametrize(
    ("path", "words"), [("/image", "image/png"), ("/pdf", "PDF"), ("/json", "not a JSON Feed")]
)
async def test_non_article_content_is_refused(
    server: tuple[str, web.Application], fetcher: Fetcher, path: str, words: str
) -> None:
    with pytest.raises(UnsupportedContent, match=words):
        await fetcher.fetch(server[0] + path)


async def test_redirect_chain_is_followed(server: tuple[str, web.Application], fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server[0] + "/redirect/4")  # five hops
    assert result.url == server[0] + "/page" and result.kind == "html"


async def test_too_many_redirects(server: tuple[str, web.Application], fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="too many redirects"):
        await fetcher.fetch(server[0] + "/redirect/5")  # six hops


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://10.0.0.5/admin", "10.0.0.5 is a private network address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
        ("http://127.0.0.2:{port}/page", "127.0.0.2 is a loopback address"),
        ("http://[::1]:{port}/page", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/page", "IPv6 form of 127.0.0.1"),
        ("file:///etc/passwd", "only http and https"),
        ("http://user:pw@127.0.0.1:{port}/page", "user name or password"),
    ],
)
async def test_redirect_to_unsafe_target_is_refused(
    server: tuple[str, web.Application], fetcher: Fetcher, target: str, words: str
) -> None:
    base = server[0]
    port = base.rsplit(":", 1)[1]
    with pytest.raises(BlockedURL, match=words):
        await fetcher.fetch(base + "/redirect-to?to=" + quote(target.format(port=port), safe=""))


@pytest.mark.parametrize(
    ("code", "words"),
    [(404, "HTTP 404 Not Found for http://127.0.0.1"), (500, "HTTP 500 Internal Server Error")],
)
async def test_http_errors(
    server: tuple[str, web.Application], fetcher: Fetcher, code: int, words: str
) -> None:
    with pytest.raises(FetchError, match=words) as info:
        await fetcher.fetch(f"{server[0]}/status/{code}")
    assert not isinstance(info.value, RetryLater)


@pytest.mark.parametrize(
    ("code", "after", "delay"), [(429, "120", 120.0), (503, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0)]
)
async def test_retry_after_is_honoured(
    server: tuple[str, web.Application], fetcher: Fetcher, code: int, after: str, delay: float
) -> None:
    with pytest.raises(RetryLater) as info:
        await fetcher.fetch(f"{server[0]}/status/{code}?after={quote(after)}")
    assert info.value.delay == delay
    assert f"HTTP {code}" in str(info.value)


async def test_429_without_retry_after(server: tuple[str, web.Application], fetcher: Fetcher) -> None:
    with pytest.raises(RetryLater) as info:
        await fetcher.fetch(f"{server[0]}/status/429")
    assert info.value.delay is None


async def test_gzip_bomb_is_cut_at_the_limit(server: tuple[str, web.Application], fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"too big: .* larger than 1 MB"):
        await fetcher.fetch(server[0] + "/bomb")


async def test_plain_body_over_the_limit(server: tuple[str, web.Application], fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="too big"):
        await fetcher.fetch(server[0] + "/big")


async def test_endless_slow_body_is_cut_by_the_timeout(server: tuple[str, web.Application]) -> None:
    limits = FetchLimits(total_timeout=0.5, read_timeout=5.0)
    async with aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session:
        fetcher = Fetcher(session, allowed_hosts={"127.0.0.1"}, limits=limits)
        with pytest.raises(FetchError, match=r"timed out after 0.5 s"):
            await fetcher.fetch(server[0] + "/slow")


async def test_dns_is_pinned_and_host_header_kept(server: tuple[str, web.Application]) -> None:
    port = server[0].rsplit(":", 1)[1]
    resolver = FakeResolver({"news.test": ["127.0.0.1"]})
    connector = LoopbackOnlyConnector()
    async with aiohttp.ClientSession(connector=connector) as session:
        fetcher = Fetcher(session, resolver=resolver, allowed_hosts={"news.test"}, limits=LIMITS)
        result = await fetcher.fetch(f"http://news.test:{port}/host")
    assert f"news.test:{port}" in result.content.decode()
    assert result.url == f"http://news.test:{port}/host"
    assert resolver.calls == ["news.test"]  # one lookup, and the connection went to that address
    assert connector.connected == ["127.0.0.1"]


async def test_allowed_hosts_come_from_settings(server: tuple[str, web.Application]) -> None:
    settings = Settings(NEWSDESK_FETCH_ALLOW_HOSTS=" 127.0.0.1 , other.test")  # type: ignore[call-arg]
    async with aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session:
        fetcher = Fetcher.from_settings(settings, session=session, limits=LIMITS)
        assert (await fetcher.fetch(server[0] + "/page")).status == 200


async def test_owned_session_is_closed(server: tuple[str, web.Application]) -> None:
    async with Fetcher(allowed_hosts={"127.0.0.1"}, limits=LIMITS) as fetcher:
        assert (await fetcher.fetch(server[0] + "/text")).kind == "text"


async def test_at_most_two_requests_per_host() -> None:
    app = web.Application()
    state = {"now": 0, "peak": 0}

    async def slow_page(request: web.Request) -> web.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        return web.Response(text="<html><body>ok</body></html>", content_type="text/html")

    app.router.add_get("/p/{n}", slow_page)
    async with serve(app) as base, aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session:
        fetcher = Fetcher(session, allowed_hosts={"127.0.0.1"}, limits=LIMITS)
        results = await asyncio.gather(*(fetcher.fetch(f"{base}/p/{n}") for n in range(6)))
    assert all(r.status == 200 for r in results)
    assert state["peak"] == 2


async def test_connection_refused_is_a_clear_fetch_error(fetcher: Fetcher) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=f"could not connect to 127.0.0.1:{port}: connection refused"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/")


async def test_gzip_bomb_cut_at_the_default_10_mb() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KB on the wire
    app = web.Application()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    app.router.add_get("/", handler)
    async with serve(app) as base, aiohttp.ClientSession(connector=LoopbackOnlyConnector()) as session:
        fetcher = Fetcher(session, allowed_hosts={"127.0.0.1"})
        with pytest.raises(FetchError, match="larger than 10 MB"):
            await fetcher.fetch(base + "/")
