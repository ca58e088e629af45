"""Every feed in ../shared/corpus/feeds parses or fails with a FeedError, never anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import FeedError
from knowledge.ingest.feeds import entry_article, parse_feed
from knowledge.ingest.fragments import html_paragraphs

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "feeds"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus not available"),
]


def _index() -> list[dict[str, object]]:
    path = CORPUS / "feeds_index.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


INDEX = _index()
# Files from which nothing at all can be recovered: these must fail with a clear FeedError.
UNRECOVERABLE = {
    "illformed/aaa_illformed.xml",
    "illformed/rss_empty_document.xml",
    "illformed/undeclared_namespace.xml",
}


@pytest.mark.parametrize("row", INDEX, ids=[str(r["file"]) for r in INDEX])
def test_corpus_feed(row: dict[str, object]) -> None:
    name = str(row["file"])
    data = (CORPUS / name).read_bytes()
    if name in UNRECOVERABLE:
        with pytest.raises(FeedError, match="feed"):
            parse_feed(data, url="https://feeds.test/feed")
        return
    feed = parse_feed(data, url="https://feeds.test/feed")
    if row.get("kind") == "wellformed" or name.startswith("extra/"):
        assert feed.problem is None
    assert len(feed.entries) == row["entries"] or name.endswith(".json")
    for entry in feed.entries:
        entry_article(entry, feed=feed)  # never raises


def test_legacy_encodings_decode() -> None:
    titles = {
        "chardet__koi8r.xml": "Как пережить новогоднюю ночь",
        "chardet__gb2312.xml": "不归移民漫画系列：专业工作",
    }
    for name, title in titles.items():
        feed = parse_feed((CORPUS / "illformed" / name).read_bytes())
        assert feed.entries[0].title == title


def test_npr_json_feed() -> None:
    feed = parse_feed((CORPUS / "extra" / "npr-technology-jsonfeed.json").read_bytes())
    assert feed.kind == "jsonfeed" and len(feed.entries) == 25
    assert all(e.url and e.url.startswith("https://www.npr.org/") for e in feed.entries)
    assert all(e.published is not None and e.published.utcoffset() is not None for e in feed.entries)
    article = entry_article(feed.entries[0], feed=feed)
    assert article is not None and article.paragraphs


def test_hostile_html_leaves_no_script_in_the_text() -> None:
    for name in (
        "sanitize__item_description_crazy.xml",
        "sanitize__entry_content_crazy.xml",
        "sanitize__item_content_encoded_crazy.xml",
    ):
        feed = parse_feed((CORPUS / "wellformed" / name).read_bytes())
        for entry in feed.entries:
            paragraphs = html_paragraphs(entry.content_html or "") + html_paragraphs(entry.summary or "")
            assert "Did The Javascript Execute?" in paragraphs  # the visible text is kept
            text = " ".join(paragraphs).lower()
            assert "<script" not in text and "executeme" not in text and "javascript:" not in text
