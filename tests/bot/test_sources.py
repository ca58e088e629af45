"""/sources on the real service: a feed served from 127.0.0.1 is added, listed and removed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.bot.conftest import Harness
from tests.bot.test_interactions import finished, followup
from tests.web import serve

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Loopback News</title><link>{base}/</link>
<description>Test feed</description>
{items}
</channel></rss>"""
ITEM = """<item><title>Story {i}</title><link>{base}/story/{i}</link>
<description>Story {i} says the regulator extended the deadline by {i} weeks after long talks with the firm.
A second sentence gives more detail about the extension and the firm.</description>
<pubDate>Mon, 0{i} Nov 2026 10:00:00 +0000</pubDate></item>"""


@pytest.fixture
async def site() -> AsyncIterator[str]:
    app = web.Application()
    base_box: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        base = base_box[0]
        items = "\n".join(ITEM.format(i=i, base=base) for i in range(1, 4))
        return web.Response(text=RSS.format(base=base, items=items), content_type="application/rss+xml")

    app.router.add_get("/feed.xml", feed)
    async with serve(app) as base:
        base_box.append(base)
        yield base


async def test_admin_adds_lists_and_removes_a_feed(harness: Harness, site: str) -> None:
    fake = harness.fake
    added = await finished(
        fake, await fake.send_interaction("sources", {"url": f"{site}/feed.xml"}, subcommand="add")
    )
    assert added["flags"] & (1 << 6)
    assert "Added feed **Loopback News**" in added["content"] and "3 entries" in added["content"]

    listing = await finished(fake, await fake.send_interaction("sources", {}, subcommand="list"))
    assert "Loopback News" in listing["embeds"][0]["description"]

    complete = await fake.send_autocomplete("sources", {"source": "loop"}, "source", subcommand="remove")
    await fake.wait_for_response(complete)
    [choice] = fake.interaction(complete).choices or []
    removed = await finished(
        fake, await fake.send_interaction("sources", {"source": choice["value"]}, subcommand="remove")
    )
    assert "Stopped following **Loopback News**" in removed["content"]


async def test_a_source_that_cannot_be_read_says_why(harness: Harness, site: str) -> None:
    fake = harness.fake
    record = await fake.send_interaction("sources", {"url": f"{site}/missing.xml"}, subcommand="add")
    body = await followup(fake, record)
    assert body["flags"] & (1 << 6) and "404" in body["content"]
