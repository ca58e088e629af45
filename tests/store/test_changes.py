"""The index change log: written with the change, in its transaction, and read safely by cursor."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from knowledge.models import Article
from knowledge.retrieval.engine import SearchEngine
from knowledge.store import Store
from knowledge.store.changes import log_changes
from knowledge.store.tables import IndexChangeRow
from tests.store.test_articles import article, keys


async def _changed(store: Store, cursor: int = 0) -> tuple[list[int], int]:
    """Every article id logged after ``cursor`` (draining SQLite batches), and the final cursor."""
    ids: list[int] = []
    for _ in range(100):
        changes = await store.changes_after(cursor, limit=2)
        ids += changes.article_ids
        if changes.cursor == cursor:
            break
        cursor = changes.cursor
    return sorted(set(ids)), cursor


async def _log_rows(store: Store, article_id: int) -> int:
    """Rows the change log holds for one article."""
    async with store._sessions() as session:
        count = select(func.count()).where(IndexChangeRow.article_id == article_id)
        return int(await session.scalar(count) or 0)


def _version(n: int) -> Article:
    """The n-th text of one article: each version names a word no other version has."""
    word = ("lighthouse", "regatta", "drawbridge", "shipyard", "breakwater")[n]
    return article("https://news.example/a", f"The harbour {word} story, version {n}.")


async def test_every_write_logs_its_articles(store: Store) -> None:
    start = await store.change_cursor()
    first = await store.save_article(article(), keys(article()))
    assert (await store.save_article(article(), keys(article()))).status == "unchanged"
    bulk = [(article(f"https://news.example/{n}", f"Bulk paragraph {n}."), [f"b{n}"]) for n in range(3)]
    await store.bulk_add_articles(bulk)
    ids, cursor = await _changed(store, start)
    assert ids == list(range(first.article_id, first.article_id + 4))
    assert await store.pending_changes(cursor) == 0
    assert (await _changed(store, cursor))[0] == []  # an unchanged save logs nothing

    changed = article("https://news.example/a", "Only one paragraph now.")
    await store.save_article(changed, keys(changed))
    assert await store.remove_article(first.article_id + 1)
    assert not await store.remove_article(999)
    assert (await _changed(store, cursor))[0] == [first.article_id, first.article_id + 1]
    assert await store.pending_changes(cursor) == 2


async def test_a_failed_write_logs_nothing(store: Store) -> None:
    cursor = await store.change_cursor()
    broken = article("https://news.example/b", "One.", "Two.")
    with pytest.raises(ValueError):
        await store.save_article(broken, ["only one key"])  # fails inside the transaction
    assert await store.find_article("https://news.example/b") is None
    assert (await _changed(store, cursor))[0] == []


async def test_removing_an_original_logs_its_near_duplicates(store: Store) -> None:
    original = await store.save_article(article(), keys(article()))
    copy = article("https://wire.example/a")
    duplicate = await store.save_article(copy, keys(copy), duplicate_of=original.article_id)
    assert [r.article_id for r in await store.index_rows([original.article_id, duplicate.article_id])] == [
        original.article_id
    ] * 2  # a near-duplicate is not indexed
    cursor = await store.change_cursor()
    await store.remove_article(original.article_id)
    assert (await _changed(store, cursor))[0] == [original.article_id, duplicate.article_id]
    assert {r.article_id for r in await store.index_rows([duplicate.article_id])} == {duplicate.article_id}


async def test_the_log_keeps_one_row_per_article(store: Store) -> None:
    """Saved, updated three times, removed: one row is left, and a reader from before all of it
    still sees the article change (the newest row is the one kept)."""
    cursor = await store.change_cursor()
    saved = await store.save_article(_version(0), keys(_version(0)))
    for n in (1, 2, 3):
        assert (await store.save_article(_version(n), keys(_version(n)))).status == "updated"
    assert await _log_rows(store, saved.article_id) == 1
    assert await store.remove_article(saved.article_id)
    assert await _log_rows(store, saved.article_id) == 1
    assert (await _changed(store, cursor))[0] == [saved.article_id]
    assert await store.index_rows([saved.article_id]) == []


async def test_a_reader_between_two_updates_sees_the_second(store: Store) -> None:
    start = await store.change_cursor()
    other = await store.save_article(article("https://news.example/other"), keys(article()))
    saved = await store.save_article(_version(0), keys(_version(0)))
    await store.save_article(_version(1), keys(_version(1)))
    ids, cursor = await _changed(store, start)
    assert ids == [other.article_id, saved.article_id]
    await store.save_article(_version(2), keys(_version(2)))  # deletes the row the reader stopped at
    assert await _log_rows(store, saved.article_id) == 1
    assert (await _changed(store, cursor))[0] == [saved.article_id]
    assert [r.text for r in await store.index_rows([saved.article_id])] == list(_version(2).paragraphs)


async def test_an_engine_that_fell_behind_catches_up_to_the_latest_text(store: Store) -> None:
    await store.save_article(article("https://news.example/other"), keys(article()))
    saved = await store.save_article(_version(0), keys(_version(0)))
    engine = SearchEngine(store)  # an in-memory index over the real store
    try:
        await engine.catch_up()
        await store.save_article(_version(1), keys(_version(1)))
        await engine.catch_up()  # its cursor now sits between two updates
        for n in (2, 3, 4):  # updated while the engine is not looking (nothing is noted to it)
            await store.save_article(_version(n), keys(_version(n)))
        assert await _log_rows(store, saved.article_id) == 1
        await engine.catch_up(wait=True)
        latest = _version(4).paragraphs[0]
        assert [h.passage.text for h in await engine.search("harbour breakwater story")][:1] == [latest]
        for n in range(4):
            old = _version(n).paragraphs[0]
            word = old.split()[2]
            assert old not in [h.passage.text for h in await engine.search(f"harbour {word} story")]
        assert await engine.check() is None
    finally:
        engine.close()


async def test_database_id_is_stable(store: Store) -> None:
    assert await store.database_id() == await store.database_id()
    assert len(await store.database_id()) == 32


@pytest.mark.postgres
async def test_a_reader_never_skips_a_change_that_commits_late(db_url: str) -> None:
    """PostgreSQL writers commit out of order: the cursor stops before any transaction still open."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite commits one writer at a time")
    store = await Store.open(db_url)
    try:
        early = await store.save_article(article("https://news.example/early"), keys(article()))
        late = await store.save_article(article("https://news.example/late"), keys(article()))
        cursor = await store.change_cursor()
        opened = asyncio.Event()
        release = asyncio.Event()

        async def slow_writer() -> None:
            async with store._sessions() as session, session.begin():
                await log_changes(session, [early.article_id])  # takes a transaction id now
                opened.set()
                await release.wait()

        task = asyncio.create_task(slow_writer())
        await opened.wait()
        await store.save_article(Article("https://news.example/late", "New", ("Changed.",)), ["k"])
        seen = await store.changes_after(cursor)
        assert early.article_id not in seen.article_ids  # still running: not safe to take
        release.set()
        await task
        ids: set[int] = set(seen.article_ids)
        cursor = seen.cursor
        for _ in range(300):  # the horizon is cluster-wide: other databases' writers may hold it back
            more, cursor = await _changed(store, cursor)
            ids |= set(more)
            if {early.article_id, late.article_id} <= ids:
                break
            await asyncio.sleep(0.1)
        assert {early.article_id, late.article_id} <= ids
    finally:
        await store.close()


async def test_upgrading_keeps_only_each_articles_newest_log_row(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text as sql

    from knowledge.store.database import alembic_config, create_engine

    engine = create_engine(db_url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0005_change_log"))
        # articles 1 and 2 changed several times before this revision; 3 once
        for article_id, txid in [(1, 10), (2, 11), (1, 12), (3, 13), (2, 14), (1, 15)]:
            await connection.execute(
                sql("INSERT INTO index_changes (article_id, txid) VALUES (:a, :t)"),
                {"a": article_id, "t": txid},
            )
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        rows = (
            await connection.execute(sql("SELECT article_id, txid FROM index_changes ORDER BY article_id"))
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 15), (2, 14), (3, 13)]
