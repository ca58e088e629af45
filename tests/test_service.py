"""The Knowledge facade end to end on both backends: ingest, scope, duplicates, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from knowledge.errors import InvalidInput, QuestionTooLong
from knowledge.models import Article
from knowledge.service import Knowledge
from tests.conftest import SEED, SEED_URL

FERRY = (
    "The harbour ferry returned to service on Saturday after a three-month refit at the Dunmore yard.",
    "Operators said the vessel, which carries up to 240 passengers, now runs on a hybrid engine.",
    "Tickets cost £4.50 for adults and the first crossing leaves at 7:15 each morning.",
)


def ferry(url: str = "https://coast.example/ferry", guild: int | None = None, **kw: object) -> Article:
    values: dict[str, object] = {
        "title": "Harbour ferry returns",
        "paragraphs": FERRY,
        "site": "coast.example",
    }
    values.update(kw)
    return Article(url=url, guild=guild, **values)  # type: ignore[arg-type]


async def test_seed_answers_the_deadline(any_kb: Knowledge) -> None:
    [result] = await any_kb.ingest(str(SEED), url=SEED_URL)
    assert (result.status, result.articles) == ("added", 1)
    answer = await any_kb.ask("when was the shutdown deadline?")
    assert not answer.abstained and answer.url == SEED_URL
    assert answer.quote is not None and "Dec. 30" in answer.quote
    assert answer.answer == "Dec. 30"


async def test_updated_article_is_answered_from_new_text(any_kb: Knowledge) -> None:
    await any_kb.store_article(ferry())
    first = await any_kb.ask("how many passengers does the ferry carry?")
    assert first.answer is not None and "240" in first.answer
    changed = ferry(paragraphs=(FERRY[0], FERRY[1].replace("240", "310"), FERRY[2]))
    assert (await any_kb.store_article(changed)).status == "updated"
    answer = await any_kb.ask("how many passengers does the ferry carry?")
    assert answer.answer is not None and "310" in answer.answer
    assert answer.quote is not None and "240" not in answer.quote


async def test_guild_sees_global_and_own_never_another(any_kb: Knowledge) -> None:
    await any_kb.store_article(ferry("https://coast.example/private", guild=111))
    assert not (await any_kb.ask("how many passengers does the ferry carry?", guild=111)).abstained
    assert (await any_kb.ask("how many passengers does the ferry carry?", guild=222)).abstained
    assert (await any_kb.ask("how many passengers does the ferry carry?")).abstained


async def test_wire_copy_is_stored_once_in_answers(kb: Knowledge) -> None:
    await kb.store_article(ferry("https://coast.example/ferry"))
    await kb.store_article(ferry("https://other.example/wire/ferry", site="other.example"))
    hits = await kb.search("harbour ferry hybrid engine passengers")
    assert len({hit.passage.url for hit in hits}) == 1


async def test_tracking_parameters_do_not_make_a_new_article(kb: Knowledge) -> None:
    await kb.store_article(ferry("https://coast.example/ferry?utm_source=x#top"))
    second = await kb.store_article(ferry("https://coast.example/ferry"))
    assert second.status == "unchanged"
    assert [a.url async for a in kb.export()] == ["https://coast.example/ferry"]


async def test_lines_recurring_across_a_site_are_dropped(kb: Knowledge) -> None:
    pitch = "Sign up for the Coast Daily morning briefing and never miss a story from the harbour."
    for n in range(4):
        body = (f"Story number {n} reports on the council meeting about parking on the quay.", pitch)
        await kb.store_article(ferry(f"https://coast.example/{n}", paragraphs=body, title=f"Story {n}"))
    exported = [a async for a in kb.export()]
    assert pitch in exported[0].paragraphs and pitch not in exported[-1].paragraphs


async def test_questions_are_validated(kb: Knowledge) -> None:
    with pytest.raises(InvalidInput):
        await kb.ask("   ")
    with pytest.raises(QuestionTooLong, match="5,000"):
        await kb.ask("x" * 5000)


async def test_digest_window_and_schedule(kb: Knowledge) -> None:
    await kb.store_article(ferry())
    await kb.store_article(ferry("https://coast.example/old"), backfill=True)
    digest = await kb.digest(since=datetime.now(UTC) - timedelta(hours=1))
    assert [item.url for item in digest.items] == ["https://coast.example/ferry"]
    assert digest.items[0].lede == FERRY[0]

    now = datetime.now(UTC)
    earlier = now - timedelta(minutes=1)
    await kb.set_digest(1, 99, earlier.strftime("%H:%M"), "UTC")
    due = await kb.due_digests(now)
    assert [(s.guild, day) for s, day in due] == [(1, earlier.date())]
    await kb.record_digest(1, for_date=due[0][1], at=datetime.now(UTC))
    assert await kb.due_digests(now) == []
    assert (await kb.guild_digest(1)).items == ()


async def test_local_feed_file(kb: Knowledge, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Coast</title><link>https://coast.example/</link>
        <item><title>Ferry back</title><link>https://coast.example/ferry-back</link>
        <pubDate>Sat, 02 Mar 2024 08:00:00 +0000</pubDate>
        <description>&lt;p&gt;The harbour ferry returned to service on Saturday after a refit.&lt;/p&gt;
        &lt;p&gt;It carries up to 240 passengers on each crossing of the bay.&lt;/p&gt;</description></item>
        </channel></rss>""",
        encoding="utf-8",
    )
    [result] = await kb.ingest(str(feed))
    assert (result.status, result.articles) == ("added", 1)
    [article] = [a async for a in kb.export()]
    assert article.url == "https://coast.example/ferry-back"
    assert article.published == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
