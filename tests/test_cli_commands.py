"""What a newcomer types first: --version, --help everywhere, poll --all, sources remove by URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.cli import main as newsdesk
from knowledge.clihelp import commands, version

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>{base}/</link>
<item><title>Ferry service resumes after storm</title><link>{base}/ferry</link>
<pubDate>Fri, 27 Nov 2026 08:15:00 +0000</pubDate>
<description>The island ferry ran again on Friday morning after three days of cancellations.</description>
</item></channel></rss>"""
PAGE = """<html><head><title>Ferry service resumes after storm</title></head><body><article>
<h1>Ferry service resumes after storm</h1>
<p>The island ferry ran again on Friday morning after three days of cancellations.</p>
<p>Operators said the storm damaged one of the two landing ramps at the north pier.</p>
</article></body></html>"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_HOSTS", "127.0.0.1")


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    """A feed and its article on 127.0.0.1, and the paths requested of it."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body, kind = (
                (FEED.format(base=base), "application/rss+xml")
                if self.path == "/feed.xml"
                else (
                    PAGE,
                    "text/html",
                )
            )
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        newsdesk(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"newsdesk {version()}"
    assert version()[0].isdigit()


@pytest.mark.parametrize("name", [name for name, _ in commands(build_parser())] + [""])
def test_every_help_shows_an_example_and_the_variables_it_reads(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        newsdesk([*name.split(), "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text and "newsdesk " in text.split("example", 1)[1]
    assert "NEWSDESK_DATABASE_URL" in text
    if name == "run":
        assert "DISCORD_TOKEN" in text


def test_poll_with_nothing_due_says_how_to_force_and_all_polls_anyway(
    site: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, requests = site
    assert newsdesk(["poll"]) == 0
    assert "sources add" in capsys.readouterr().out  # no sources at all: say how to add one

    assert newsdesk(["sources", "add", f"{base}/feed.xml"]) == 0
    capsys.readouterr()
    fetched = requests.count("/feed.xml")
    assert newsdesk(["poll"]) == 0
    out = capsys.readouterr().out
    assert "No source is due" in out and "newsdesk poll --all" in out
    assert requests.count("/feed.xml") == fetched  # not due: not fetched

    assert newsdesk(["poll", "--all"]) == 0
    out = capsys.readouterr().out
    assert requests.count("/feed.xml") == fetched + 1
    assert f"{base}/feed.xml" in out and "No source" not in out


def test_sources_remove_takes_the_url_too(
    site: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = site
    assert newsdesk(["sources", "add", f"{base}/feed.xml"]) == 0
    assert newsdesk(["sources", "remove", f"{base}/nothing-here.xml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sources list" in err

    assert newsdesk(["sources", "remove", f"{base}/feed.xml"]) == 0
    assert "removed source" in capsys.readouterr().out
    assert newsdesk(["sources", "list", "--json"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == []
