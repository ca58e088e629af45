"""Feeds are read through lxml first: no entity declarations, sloppy markup kept, sizes bounded."""

from __future__ import annotations

import pytest

from knowledge.errors import FeedError
from knowledge.ingest.feeds import entry_article, parse_feed
from knowledge.ingest.feedxml import MAX_ENTRIES, MAX_SIBLINGS, declares_entities, safe_feed_xml


def rss(items: str, prolog: str = "", declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{declaration}\n{prolog}<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


ITEM = "<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rss [\n<!ENTITY e "x">\n]>',
        '<!DOCTYPE rss [<!ENTITY e "x">]>',
        '<!DOCTYPE rss [<!   ENTITY % p SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE rss [<!entity e "x">]>',
    ],
)
def test_entity_declarations_are_refused(prolog: str) -> None:
    text = rss(ITEM.format(title="a", link="https://x.test/a", text="&e;"), prolog)
    assert declares_entities(text)
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(text.encode())


def test_entities_hidden_from_the_text_check_are_still_refused() -> None:
    """A CDATA opener inside a comment would hide the declaration from a text search; lxml sees it."""
    prolog = '<!-- <![CDATA[ --><!DOCTYPE rss [<!ENTITY e "x">]><!-- ]]> -->'
    text = rss(ITEM.format(title="&e;", link="https://x.test/a", text="&e;"), prolog)
    assert not declares_entities(text)
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(text.encode())


def test_entity_text_inside_cdata_or_escaped_is_just_text() -> None:
    text = rss(
        ITEM.format(
            title="XXE explained", link="https://x.test/a", text="<![CDATA[<!ENTITY x>]]> &lt;!ENTITY"
        )
    )
    assert not declares_entities(text)
    (entry,) = parse_feed(text.encode()).entries
    assert entry.title == "XXE explained"


def test_utf16_entity_bomb_is_refused() -> None:
    text = rss(
        ITEM.format(title="a", link="https://x.test/a", text="&e;"), '<!DOCTYPE rss [<!ENTITY e "x">]>'
    )
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(text.replace("utf-8", "utf-16").encode("utf-16"))


def test_sloppy_ampersands_and_html_entities_survive() -> None:
    item = ITEM.format(
        title="AT&T &amp; Caf&eacute; &bogus; &#233;", link="https://x.test/a?b=1&c=2", text="x"
    )
    (entry,) = parse_feed(rss(item).encode()).entries
    assert entry.title == "AT&T & Café &bogus; é"
    assert entry.url == "https://x.test/a?b=1&c=2"


def test_cdata_is_not_escaped_twice() -> None:
    item = ITEM.format(title="t", link="https://x.test/a", text="<![CDATA[<p>Tom & Jerry &amp; co</p>]]>")
    (entry,) = parse_feed(rss(item).encode()).entries
    article = entry_article(entry)
    assert article is not None and article.paragraphs == ("Tom & Jerry & co",)


def test_repeated_elements_and_entries_are_capped() -> None:
    categories = "".join(f"<category>c{i}</category>" for i in range(20_000))
    first = f"<item><title>Crowded</title><link>https://x.test/0</link>{categories}</item>"
    rest = "".join(ITEM.format(title=f"s{i}", link=f"https://x.test/{i}", text="x") for i in range(1, 1_500))
    document, problem = safe_feed_xml(rss(first + rest))
    assert problem is None
    assert document.count(b"<category>") == MAX_SIBLINGS
    feed = parse_feed(rss(first + rest).encode())
    assert len(feed.entries) == MAX_ENTRIES and feed.entries[0].title == "Crowded"


def test_undeclared_latin1_feed_reads_naive() -> None:
    item = ITEM.format(title="A naïve plan for the café", link="https://x.test/a", text="Crème brûlée.")
    data = rss(item, declaration='<?xml version="1.0"?>').encode("latin-1")
    (entry,) = parse_feed(data).entries
    assert entry.title == "A naïve plan for the café"


def test_declared_encoding_is_honoured() -> None:
    item = ITEM.format(title="Вести", link="https://x.test/a", text="x")
    data = rss(item, declaration='<?xml version="1.0" encoding="koi8-r"?>').encode("koi8-r")
    assert parse_feed(data).entries[0].title == "Вести"


def test_recovered_feed_says_what_was_wrong() -> None:
    data = rss(ITEM.format(title="ok", link="https://x.test/a", text="x") + "<item><title>cut").encode()
    feed = parse_feed(data)
    assert feed.problem is not None and feed.problem.startswith("line ")
    assert feed.entries[0].url == "https://x.test/a"
