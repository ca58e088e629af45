"""The ask path's reads of a SQLite file (taken on the caller's thread) see what other writers commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from knowledge.store import Store
from knowledge.store.tables import ArticleRow
from tests.store.test_articles import article, keys


async def test_a_second_process_sees_an_article_the_moment_it_is_stored_and_removed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    writer, asker = await Store.open(url), await Store.open(url, migrate=False)
    try:
        assert asker._local is not None, "a SQLite file is read on the local route"
        cursor = (await asker.changes_after(0)).cursor
        ferry = article("https://news.example/ferry", "The ferry leaves at noon.", "It returns at six.")
        saved = await writer.save_article(ferry, keys(ferry))
        changes = await asker.changes_after(cursor)
        assert changes.article_ids == (saved.article_id,)
        ids = [row.id for row in await writer.passages_after(0, 10)]
        found = await asker.articles_holding(ids[:1])
        assert [p.text for p in found[saved.article_id]] == list(ferry.paragraphs)

        await writer.remove_article(saved.article_id)
        after = await asker.changes_after(changes.cursor)
        assert after.article_ids == (saved.article_id,)
        assert await asker.articles_holding(ids) == {}, "a removed article is never read again"
    finally:
        await writer.close()
        await asker.close()


async def test_an_in_memory_database_answers_the_same_reads_on_the_async_route() -> None:
    store = await Store.open("sqlite+aiosqlite://")
    try:
        assert store._local is None
        ferry = article("https://news.example/ferry", "The ferry leaves at noon.", "It returns at six.")
        saved = await store.save_article(ferry, keys(ferry))
        assert (await store.changes_after(0)).article_ids == (saved.article_id,)
        ids = [row.id for row in await store.passages_after(0, 10)]
        found = await store.articles_holding(ids)
        assert [p.text for p in found[saved.article_id]] == list(ferry.paragraphs)
    finally:
        await store.close()


async def test_a_column_that_needs_converting_is_refused_rather_than_read_raw(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert store._local is not None
        with pytest.raises(TypeError, match="ingested_at"):
            store._local.rows(select(ArticleRow.ingested_at), {})  # a datetime: SQLite holds it as text
    finally:
        await store.close()
