"""Hostile documents through the real ingest path, from a file and from a URL, on both backends.

Each bomb (``tests/hostile/bombs.py``) is either refused with one readable line or stored cut to
the storage limits; the process's memory stays under 300 MB, the same event loop keeps answering
within 3 s while the bomb is ingested, and the article stored before it is neither lost nor
changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.models import IngestResult
from knowledge.service import Knowledge
from tests.hostile import bombs
from tests.hostile.conftest import (
    FERRY,
    BombServer,
    assert_archive_bounded_and_kept,
    assert_log_lines,
    assert_one_line,
    ingest_while_asking,
)

CASES = [pytest.param(make, id=make().name) for make in bombs.ALL]


def assert_outcome(bomb: bombs.Bomb, results: list[IngestResult]) -> None:
    assert_one_line(results)
    if bomb.refused is not None:
        assert [r.status for r in results] == ["failed"], results
        assert re.search(bomb.refused, results[0].error or ""), results[0].error
    else:
        assert results and all(r.status != "failed" for r in results), results


@pytest.mark.parametrize("make", CASES)
async def test_hostile_file(
    any_kb: Knowledge,
    tmp_path: Path,
    make: Callable[[str], bombs.Bomb],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await any_kb.store_article(FERRY)
    bomb = make(bombs.BASE)
    path = tmp_path / f"hostile{bomb.suffix}"
    path.write_bytes(bomb.data)
    results = await ingest_while_asking(any_kb, str(path))
    assert_outcome(bomb, results)
    assert_log_lines(caplog.records)
    await assert_archive_bounded_and_kept(any_kb)


@pytest.mark.parametrize("make", CASES)
async def test_hostile_url(
    any_kb: Knowledge,
    bomb_server: BombServer,
    make: Callable[[str], bombs.Bomb],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await any_kb.store_article(FERRY)
    url = bomb_server.url(make)
    assert bomb_server.bomb is not None
    results = await ingest_while_asking(any_kb, url)
    assert_outcome(bomb_server.bomb, results)
    assert_log_lines(caplog.records)
    await assert_archive_bounded_and_kept(any_kb)


async def test_entry_with_an_over_long_link_is_refused_alone(any_kb: Knowledge, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(bombs.long_entry_url().data)
    [result] = await any_kb.ingest(str(path))
    assert (result.status, result.articles) == ("added", 1)
    urls = [a.url async for a in any_kb.export()]
    assert urls == ["https://hostile.example/story/2"]


async def test_entity_bomb_stores_nothing(any_kb: Knowledge, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(bombs.entity_expansion().data)
    [result] = await any_kb.ingest(str(path))
    assert result.status == "failed"
    assert result.error is not None and result.error.startswith("refused: the feed declares XML entities")
    assert [a async for a in any_kb.export()] == []


async def test_huge_paragraphs_are_cut_at_a_word(any_kb: Knowledge, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(bombs.huge_paragraph_text().data)
    [result] = await any_kb.ingest(str(path))
    assert result.status == "added"
    [article] = [a async for a in any_kb.export()]
    longest = max(article.paragraphs, key=len)
    assert 7_000 < len(longest) <= 8_000 and longest.endswith("…")
    assert longest[:-1].endswith(tuple(bombs.STORY.split()))  # a whole word before the mark


async def test_forty_thousand_paragraphs_keep_the_first_thousand(
    any_kb: Knowledge, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "many.txt"
    path.write_bytes(bombs.many_paragraphs_text().data)
    [result] = await any_kb.ingest(str(path))
    assert (result.status, result.passages) == ("added", 1_000)
    [article] = [a async for a in any_kb.export()]
    assert article.paragraphs[-1].startswith("Paragraph 99")  # the first thousand, in order
    assert any(r.levelname == "WARNING" and "paragraphs" in r.getMessage() for r in caplog.records)
