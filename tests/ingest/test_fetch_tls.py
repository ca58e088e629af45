"""HTTPS with a pinned address: the certificate is checked against the host name, not the IP."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from knowledge.errors import FetchError
from knowledge.ingest.fetch import Fetcher
from tests.web import FakeResolver, LoopbackOnlyConnector

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    cert, key = make_cert(tmp_path, "news.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _obj, name, _ctx: names.append(name)
    app = web.Application()

    async def hello(request: web.Request) -> web.Response:
        return web.Response(
            text=f"<html><body>{request.host} {names[-1]}</body></html>", content_type="text/html"
        )

    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield port, cert
    finally:
        await runner.cleanup()


async def fetch(port: int, cafile: Path, host: str) -> str:
    connector = LoopbackOnlyConnector(ssl=ssl.create_default_context(cafile=str(cafile)))
    async with aiohttp.ClientSession(connector=connector) as session:
        resolver = FakeResolver({host: ["127.0.0.1"]})
        fetcher = Fetcher(session, resolver=resolver, allowed_hosts={host})
        result = await fetcher.fetch(f"https://{host}:{port}/")
    assert connector.connected == ["127.0.0.1"]
    return result.content.decode()


async def test_https_sends_sni_and_host_of_the_name(tls_server: tuple[int, Path]) -> None:
    port, cert = tls_server
    assert await fetch(port, cert, "news.test") == f"<html><body>news.test:{port} news.test</body></html>"


async def test_certificate_for_another_name_is_refused(tls_server: tuple[int, Path], tmp_path: Path) -> None:
    port, cert = tls_server
    with pytest.raises(FetchError) as info:
        await fetch(port, cert, "other.test")
    assert str(info.value).startswith(
        f"could not connect to other.test:{port}: the TLS certificate is not valid"
    )
