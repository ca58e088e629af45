"""Article storage behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from knowledge.models import Article
from knowledge.store import Store


def article(
    url: str = "https://news.example/a", *paragraphs: str, guild: int | None = None, **kw: object
) -> Article:
    paras = paragraphs or ("First paragraph about the harbour.", "Second paragraph about the ferry.")
    return Article(url=url, title=str(kw.pop("title", "Harbour news")), paragraphs=paras, guild=guild, **kw)  # type: ignore[arg-type]


def keys(a: Article) -> list[str]:
    return [f"k{i}-{hash(p) & 0xFFFF:x}" for i, p in enumerate(a.paragraphs)]


async def test_same_content_twice_is_unchanged(store: Store) -> None:
    first = await store.save_article(article(), keys(article()))
    second = await store.save_article(article(), keys(article()))
    assert (first.status, second.status) == ("added", "unchanged")
    assert second.article_id == first.article_id
    assert await store.count_passages() == 2


async def test_changed_content_replaces_passages(store: Store) -> None:
    await store.save_article(article(), keys(article()))
    old_ids = {row.id for row in await store.passages_after(0, 100)}
    changed = article("https://news.example/a", "Only one paragraph now.")
    outcome = await store.save_article(changed, keys(changed))
    assert outcome.status == "updated"
    rows = await store.passages_after(0, 100)
    assert [row.text for row in rows] == ["Only one paragraph now."]
    assert not old_ids & {row.id for row in rows}, "updated passages get new ids so an index can follow"
    assert min(row.id for row in rows) > max(old_ids)


async def test_failed_update_leaves_previous_version(store: Store) -> None:
    await store.save_article(article(), keys(article()))
    broken = article("https://news.example/a", "New text", "More new text")
    with pytest.raises(ValueError):
        await store.save_article(broken, ["only-one-key"])  # mismatched keys fail mid-transaction
    exported = [a async for a in store.iter_articles()]
    assert exported[0].paragraphs == article().paragraphs


async def test_guild_scope_keeps_same_url_apart(store: Store) -> None:
    await store.save_article(article(guild=None), keys(article()))
    scoped = await store.save_article(article(guild=42), keys(article()))
    assert scoped.status == "added"
    guilds = sorted((a.guild or 0) for a in [x async for x in store.iter_articles()])
    assert guilds == [0, 42]


async def test_published_keeps_its_offset_and_bare_dates(store: Store) -> None:
    tz = timezone(timedelta(hours=-5))
    with_time = article("https://n.example/1", published=datetime(2020, 1, 13, 9, 30, tzinfo=tz))
    bare = article("https://n.example/2", published=datetime(2020, 1, 13))
    for a in (with_time, bare):
        await store.save_article(a, keys(a))
    stored = {a.url: a.published for a in [x async for x in store.iter_articles()]}
    assert stored["https://n.example/1"] == datetime(2020, 1, 13, 9, 30, tzinfo=tz)
    assert stored["https://n.example/1"].utcoffset() == timedelta(hours=-5)
    assert stored["https://n.example/2"] == datetime(2020, 1, 13)


async def test_get_passages_cites_the_article(store: Store) -> None:
    a = article(site="news.example", published=datetime(2021, 5, 1, tzinfo=UTC))
    await store.save_article(a, keys(a))
    rows = await store.passages_after(0, 10)
    found = await store.get_passages([rows[1].id, 999_999])
    assert list(found) == [rows[1].id]
    passage = found[rows[1].id]
    assert (passage.url, passage.title, passage.site, passage.position) == (a.url, a.title, "news.example", 1)
    assert passage.text == a.paragraphs[1]


async def test_articles_holding_reads_whole_articles_of_the_passages_asked_for(store: Store) -> None:
    ferry = article(
        "https://news.example/ferry", "The ferry leaves at noon.", "It returns at six.", "Tickets cost $5."
    )
    bridge = article("https://news.example/bridge", "The bridge reopens on Monday.")
    await store.save_article(ferry, keys(ferry))
    await store.save_article(bridge, keys(bridge))
    rows = await store.passages_after(0, 10)
    found = await store.articles_holding([rows[2].id, rows[1].id, 999_999])  # one article, one unknown id
    assert len(found) == 1
    (passages,) = found.values()
    assert [p.text for p in passages] == list(ferry.paragraphs)
    assert [p.position for p in passages] == [0, 1, 2]
    assert {p.url for p in passages} == {ferry.url}
    assert await store.articles_holding([]) == {}


async def test_duplicates_are_hidden_from_the_index(store: Store) -> None:
    original = article("https://wire.example/story")
    first = await store.save_article(original, keys(original))
    copy = article("https://other.example/story")
    await store.save_article(copy, keys(copy), duplicate_of=first.article_id)
    assert {row.article_id for row in await store.passages_after(0, 100)} == {first.article_id}


async def test_recurring_site_lines(store: Store) -> None:
    for n in range(3):
        a = article(
            f"https://site.example/{n}", f"Story {n} body.", "Sign up for our newsletter", site="site.example"
        )
        await store.save_article(a, [f"body{n}", "newsletter"])
    found = await store.recurring_keys(
        "site.example", ["newsletter", "body0"], exclude_url="https://site.example/9"
    )
    assert found == {"newsletter"}


async def test_new_articles_window_skips_backfill(store: Store) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    fresh = article("https://n.example/fresh")
    old = article("https://n.example/old")
    await store.save_article(fresh, keys(fresh))
    await store.save_article(old, keys(old), backfill=True)
    new = await store.new_articles(guild=None, since=before, until=datetime.now(UTC) + timedelta(seconds=1))
    assert [n.article.url for n in new] == ["https://n.example/fresh"]
    assert new[0].lede == fresh.paragraphs[0]


async def test_export_streams_in_batches(store: Store) -> None:
    for n in range(7):
        a = article(f"https://n.example/{n}")
        await store.save_article(a, keys(a))
    urls = [a.url async for a in store.iter_articles(batch=3)]
    assert urls == [f"https://n.example/{n}" for n in range(7)]


async def test_known_urls_respects_scope(store: Store) -> None:
    a = article("https://n.example/mine", guild=5)
    await store.save_article(a, keys(a))
    asked = ["https://n.example/mine", "https://n.example/new"]
    assert await store.known_urls(asked, guild=5) == {"https://n.example/mine"}
    assert await store.known_urls(asked, guild=6) == set()


async def test_refetched_page_without_date_keeps_the_feed_date(store: Store) -> None:
    dated = article(published=datetime(2024, 3, 2, 8, 0, tzinfo=UTC))
    await store.save_article(dated, keys(dated))
    undated = article("https://news.example/a", "Fuller text from the page itself.")
    assert (await store.save_article(undated, keys(undated))).status == "updated"
    [stored] = [a async for a in store.iter_articles()]
    assert stored.published == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)


async def test_bulk_add_keeps_order_and_paragraphs(store: Store) -> None:
    batch = [article(f"https://bulk.example/{n}", f"Paragraph {n}a.", f"Paragraph {n}b.") for n in range(5)]
    written = await store.bulk_add_articles([(a, keys(a)) for a in batch])
    assert written == 10
    exported = [a async for a in store.iter_articles()]
    assert [(a.url, a.paragraphs) for a in exported] == [(a.url, a.paragraphs) for a in batch]
    rows = await store.passages_after(0, 100)
    assert [r.id for r in rows] == sorted(r.id for r in rows)
