"""Feed parsing on small hand-written fixtures: formats, dates, links, broken documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from knowledge.errors import FeedError
from knowledge.ingest.feeds import entry_article, parse_date, parse_feed
from knowledge.ingest.fragments import html_paragraphs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rss2_entries_dates_and_links() -> None:
    feed = parse_feed(load("rss2.xml"), url="https://gazette.test/feed.xml")
    assert (feed.kind, feed.version, feed.title, feed.problem) == ("rss", "rss20", "Harbour Gazette", None)
    ferry, wall, linkless = feed.entries
    assert ferry.url == "https://gazette.test/2026/11/ferry-resumes?utm_source=rss&utm_medium=feed"
    assert ferry.guid == "gazette-1001"
    assert ferry.published == datetime(2026, 11, 27, 8, 15, tzinfo=timezone(timedelta(hours=2)))
    assert ferry.published is not None and ferry.published.utcoffset() == timedelta(hours=2)
    assert ferry.content_html is not None and "landing ramps" in ferry.content_html
    assert wall.url == "https://gazette.test/2026/11/sea-wall"  # relative link resolved against the feed
    assert wall.published == datetime(2026, 11, 26, tzinfo=UTC) and wall.date_only  # not "now"
    assert linkless.url is None and entry_article(linkless) is None


def test_entry_article_falls_back_to_feed_text() -> None:
    feed = parse_feed(load("rss2.xml"))
    article = entry_article(feed.entries[0], feed=feed)
    assert article is not None
    assert article.title == "Ferry service resumes after storm"
    assert article.paragraphs == (
        "The island ferry ran again on Friday morning after three days of cancellations.",
        "Operators said the storm damaged one of the two landing ramps.",
    )
    assert article.site == "gazette.test"
    summary_only = entry_article(feed.entries[1], feed=feed)
    assert summary_only is not None and summary_only.paragraphs == ("Councillors voted 7-2 for the wall.",)


def test_atom_keeps_offset_resolves_base_and_drops_scripts() -> None:
    feed = parse_feed(load("atom.xml"), url="https://valley.test/atom.xml")
    assert feed.kind == "atom" and feed.version == "atom10"
    (entry,) = feed.entries
    assert entry.title == "Orchard harvest & prices"
    assert entry.url == "https://valley.test/news/harvest"
    assert entry.published == datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    article = entry_article(entry)  # the entry's HTML is only ever reduced to text, never shown
    assert article is not None and article.paragraphs == ("Apple growers reported a record harvest.",)


@pytest.mark.parametrize(("name", "version"), [("rss1.xml", "rss10"), ("rss091.xml", "rss091u")])
def test_older_rss_versions(name: str, version: str) -> None:
    feed = parse_feed(load(name))
    assert feed.kind == "rss" and feed.version.startswith(version[:5])
    assert len(feed.entries) == 1 and feed.entries[0].url and feed.entries[0].title


def test_rss1_date_keeps_zone() -> None:
    (entry,) = parse_feed(load("rss1.xml")).entries
    assert entry.published == datetime(2026, 11, 20, 12, tzinfo=timezone(timedelta(hours=1)))


def test_json_feed() -> None:
    feed = parse_feed(load("feed.json"), url="https://tidewater.test/feed.json")
    assert (feed.kind, feed.title) == ("jsonfeed", "Tidewater Daily")
    keeper, regatta = feed.entries
    assert keeper.published == datetime(2026, 11, 25, 18, tzinfo=timezone(timedelta(hours=9)))
    assert regatta.url == "https://tidewater.test/stories/regatta"
    assert regatta.date_only and regatta.published == datetime(2026, 11, 24, tzinfo=UTC)
    article = entry_article(regatta)
    assert article is not None and article.paragraphs == ("Wind forced a delay.", "The race moves to Sunday.")


def test_broken_feed_recovers_what_it_can() -> None:
    feed = parse_feed(load("broken_truncated.xml"))
    assert feed.problem  # bozo: recorded, not fatal
    assert next(e.url for e in feed.entries) == "https://cut.test/one"


def test_legacy_encoding_without_declaration() -> None:
    feed = parse_feed(load("koi8r_undeclared.xml"))
    assert feed.title == "Вести"
    assert feed.entries[0].title == "Как пережить новогоднюю ночь"


def test_declared_http_charset_wins() -> None:
    data = '<rss version="2.0"><channel><title>Café</title></channel></rss>'.encode("latin-1")
    assert parse_feed(data, charset="iso-8859-1").title == "Café"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("broken_empty.xml", "not a feed: the document is empty"),
        ("broken_not_xml.html", "not a feed: the document is not XML"),
        ("broken_binary.xml", "not a feed"),
        ("broken_bad_json.json", "not a feed: the JSON Feed is not valid JSON"),
        ("broken_plain_json.json", "not a feed: JSON without a JSON Feed 1.x version"),
    ],
)
def test_unusable_documents_raise_a_clear_error(name: str, words: str) -> None:
    with pytest.raises(FeedError, match=words):
        parse_feed(load(name))


@pytest.mark.parametrize(
    ("text", "expected", "date_only"),
    [
        ("Sat, 28 Nov 2026 10:00:00 GMT", datetime(2026, 11, 28, 10, tzinfo=UTC), False),
        (
            "Sat, 28 Nov 2026 10:00:00 -0800",
            datetime(2026, 11, 28, 10, tzinfo=timezone(timedelta(hours=-8))),
            False,
        ),
        ("2026-11-28T10:00:00Z", datetime(2026, 11, 28, 10, tzinfo=UTC), False),
        ("2026-11-28T10:00:00", datetime(2026, 11, 28, 10, tzinfo=UTC), False),
        ("2026-11-28", datetime(2026, 11, 28, tzinfo=UTC), True),
        ("yesterday-ish", None, False),
        ("", None, False),
    ],
)
def test_parse_date(text: str, expected: datetime | None, date_only: bool) -> None:
    assert parse_date(text) == (expected, date_only)


def test_html_paragraphs() -> None:
    assert html_paragraphs("<div>One<br>Two</div><script>x()</script><p> Three &amp; four </p>") == [
        "One",
        "Two",
        "Three & four",
    ]
    assert html_paragraphs("plain\n\ntext") == ["plain", "text"]
    assert html_paragraphs("   ") == []
