"""Hostile documents, generated on the fly (nothing large is committed).

Each bomb is one class of attack from issue 12, at a size that took seconds to minutes (or ran out of
memory) before the parsers were bounded. The tests and ``bench/hostile.py`` share them, so the figures
in the bench are for exactly what the tests feed in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Suffix = Literal[".html", ".txt", ".xml", ".json"]

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/rss+xml",
    ".json": "application/feed+json",
}

BASE = "https://hostile.example"
ENTITIES = "declares XML entities"
DEEP = "nested too deeply|not a JSON Feed"  # a file is parsed as JSON; a URL is sniffed first
STORY = (
    "The harbour ferry returned to service on Saturday after a three-month refit at the Dunmore yard, "
    "and operators said the vessel now carries up to 240 passengers on its hybrid engine."
)


@dataclass(frozen=True, slots=True)
class Bomb:
    """A hostile document: ``name`` for reports, ``suffix`` says how it is read (file type or URL type)."""

    name: str
    suffix: Suffix
    data: bytes
    refused: str | None = None  # a regex the error matches when the whole document must be refused

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.suffix]


def _page(body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>Harbour ferry returns</title>{head}</head><body><article>"
        f"<h1>Harbour ferry returns</h1><p>{STORY}</p>{body}<p>{STORY} Tickets cost four pounds.</p>"
        "</article></body></html>"
    ).encode()


def _rss(items: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}<rss version="2.0"><channel>'
        f"<title>Hostile</title>{items}</channel></rss>"
    ).encode()


def _item(base: str, n: int, description: str, link: str | None = None) -> str:
    link = link or f"{base}/story/{n}"
    return f"<item><title>Story {n}</title><link>{link}</link><description>{description}</description></item>"


def entity_expansion(base: str = BASE) -> Bomb:
    """A 3,000-character entity used 33,000 times, the declaration on its own line (issue 12 item 1)."""
    prolog = f'<!DOCTYPE rss [\n<!ENTITY big "{"x" * 3000}">\n]>\n'
    return Bomb("entity expansion (rss)", ".xml", _rss(_item(base, 1, "&big;" * 33_000), prolog), ENTITIES)


def billion_laughs(base: str = BASE) -> Bomb:
    """Nested entities: ten levels of ten references each."""
    lines = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    prolog = "<!DOCTYPE rss [\n" + "\n".join(lines) + "\n]>\n"
    return Bomb("billion laughs (rss)", ".xml", _rss(_item(base, 1, "&l9;"), prolog), ENTITIES)


def entity_expansion_utf16(base: str = BASE) -> Bomb:
    """The entity bomb in UTF-16 with a byte order mark, so a byte-level search misses it."""
    prolog = f'<!DOCTYPE rss [<!ENTITY big "{"y" * 3000}">]>\n'
    text = (
        _rss(_item(base, 1, "&big;" * 30_000), prolog)
        .decode()
        .replace('encoding="utf-8"', 'encoding="utf-16"')
    )
    return Bomb("entity expansion (utf-16 rss)", ".xml", text.encode("utf-16"), ENTITIES)


def unclosed_comments_html(base: str = BASE) -> Bomb:
    """25,000 escaped ``<!--`` in a paragraph: the text holds ``<!--`` that never closes (``_TAG``)."""
    return Bomb("unclosed comments (html)", ".html", _page(f"<p>{STORY} {'&lt;!-- ' * 25_000}</p>"))


def unclosed_comments_text(base: str = BASE) -> Bomb:
    """The same in a plain text file: 25,000 raw ``<!--`` in one paragraph."""
    return Bomb("unclosed comments (txt)", ".txt", f"{STORY}\n\n{STORY} {'<!-- ' * 25_000}\n".encode())


def unclosed_comments_feed(base: str = BASE) -> Bomb:
    """The same in a feed entry's description."""
    return Bomb("unclosed comments (rss)", ".xml", _rss(_item(base, 1, f"{STORY} {'&lt;!-- ' * 25_000}")))


def scripts_in_comment(base: str = BASE) -> Bomb:
    """40,000 ``<script `` inside a comment, with a summary that sends the page through ``_visible_text``."""
    summary = "Operators of the island ferry said on Saturday that the refit is over."
    head = f'<meta name="description" content="{summary}">'
    return Bomb("unclosed scripts (html)", ".html", _page(f"<!-- {'<script ' * 40_000} -->", head))


def link_tags(base: str = BASE) -> Bomb:
    """60,000 ``<link `` without a closing ``>`` (``_LINK_TAG``)."""
    return Bomb("unclosed link tags (html)", ".html", _page("", "<link " * 60_000))


def anchor_tags(base: str = BASE) -> Bomb:
    """120,000 ``<a `` without a closing ``>`` (``_ANCHOR``)."""
    return Bomb("unclosed anchors (html)", ".html", _page(f"<p>{STORY} {'<a ' * 120_000}</p>"))


def many_attributes(base: str = BASE) -> Bomb:
    """One tag with 300,000 attributes (quadratic duplicate checks in the HTML parser)."""
    attrs = " ".join(f"a{i}=1" for i in range(300_000))
    return Bomb("300,000 attributes (html)", ".html", _page(f"<p {attrs}>{STORY}</p>"))


def many_attributes_quoted(base: str = BASE) -> Bomb:
    """300,000 attributes whose quoted values hold ``>``, so a scan to the next ``>`` misses the tag."""
    attrs = " ".join(f'b{i}=">"' for i in range(300_000))
    return Bomb("300,000 quoted attributes (html)", ".html", _page(f"<div {attrs}><p>{STORY}</p></div>"))


def long_attribute_name(base: str = BASE) -> Bomb:
    """A canonical link tag with a 200,000-character attribute name and no ``=`` (``_ATTR``)."""
    head = f'<link rel="canonical" {"r" * 200_000} href="{base}/a">'
    return Bomb("long attribute name (html)", ".html", _page("", head))


def huge_paragraph_text(base: str = BASE) -> Bomb:
    """One 4 MB paragraph of real words in a text file."""
    words = (STORY + " ") * (4_000_000 // (len(STORY) + 1))
    return Bomb("4 MB paragraph (txt)", ".txt", f"{STORY}\n\n{words}\n".encode())


def many_paragraphs_text(base: str = BASE) -> Bomb:
    """40,000 distinct paragraphs (past asyncpg's 32,767 bind arguments in one insert)."""
    body = "\n\n".join(f"Paragraph {i} says the ferry made crossing number {i} today." for i in range(40_000))
    return Bomb("40,000 paragraphs (txt)", ".txt", f"{STORY}\n\n{body}\n".encode())


def huge_json_entry(base: str = BASE) -> Bomb:
    """A JSON Feed entry whose text is one 80 KB paragraph, with raw-HTML debris in it
    (``passage_key`` ran the tag pattern over it on the event loop: 13 s)."""
    text = (STORY + " <!-- ") * (80_000 // (len(STORY) + 6))
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Hostile",
        "items": [{"id": "1", "url": f"{base}/json/1", "title": "Big", "content_text": text}],
    }
    return Bomb("80 KB JSON Feed paragraph (json)", ".json", json.dumps(doc).encode())


def deep_json(base: str = BASE) -> Bomb:
    """A JSON document nested 100,000 levels (RecursionError in the JSON parser)."""
    return Bomb("JSON nested 100,000 levels (json)", ".json", b"[" * 100_000 + b"]" * 100_000, DEEP)


def deep_json_feed(base: str = BASE) -> Bomb:
    """A JSON Feed whose item holds a value nested 100,000 levels."""
    head = f'{{"version": "https://jsonfeed.org/version/1", "items": [{{"url": "{base}/d", "x": '.encode()
    body = head + b"[" * 100_000 + b"]" * 100_000 + b"}]}"
    return Bomb("JSON Feed nested 100,000 levels (json)", ".json", body, DEEP)


def deep_html(base: str = BASE) -> Bomb:
    """A paragraph nested in 100,000 inline elements (recursion over the parsed tree)."""
    return Bomb(
        "HTML nested 100,000 levels (html)", ".html", _page("<b>" * 100_000 + STORY + "</b>" * 100_000)
    )


def long_entry_url(base: str = BASE) -> Bomb:
    """A feed entry whose link is 100,000 characters, next to a normal entry."""
    long = f"{base}/" + "a" * 100_000
    return Bomb(
        "100,000-character entry URL (rss)", ".xml", _rss(_item(base, 1, STORY, long) + _item(base, 2, STORY))
    )


def punctuation_line(base: str = BASE) -> Bomb:
    """A short-word line of 200,000 punctuation marks ending in a letter (trailing-punctuation checks)."""
    return Bomb(
        "punctuation run (txt)", ".txt", f"{'!' * 200_000}a\n{STORY}\n{STORY} Tickets cost four.\n".encode()
    )


def many_inline_elements(base: str = BASE) -> Bomb:
    """300,000 inline elements in one paragraph (the extractor's work grows with their square)."""
    return Bomb("300,000 inline elements (html)", ".html", _page(f"<p>{'<span>w</span> ' * 300_000}</p>"))


def many_links(base: str = BASE) -> Bomb:
    """A 6 MB page of 150,000 distinct links: an index, refused, within bounded time and memory."""
    links = "".join(f'<a href="/x{i}">story number {i} of many</a> ' for i in range(150_000))
    return Bomb("150,000 links (html)", ".html", _page(links), "no article text")


def huge_html_paragraph(base: str = BASE) -> Bomb:
    """One 9 MB paragraph in a page."""
    return Bomb("9 MB paragraph (html)", ".html", _page(f"<p>{(STORY + ' ') * 50_000}</p>"))


def long_canonical(base: str = BASE) -> Bomb:
    """A page whose canonical link is 100,000 characters: ignored, the page keeps its own link."""
    head = f'<link rel="canonical" href="{base}/{"c" * 100_000}">'
    return Bomb("100,000-character canonical link (html)", ".html", _page("", head))


def many_json_items(base: str = BASE) -> Bomb:
    """A JSON Feed with 20,000 items (only the first thousand are read)."""
    items = [
        {"id": str(i), "url": f"{base}/j/{i}", "content_text": f"{STORY} Item {i}."} for i in range(20_000)
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Many", "items": items}
    return Bomb("20,000 JSON Feed items (json)", ".json", json.dumps(doc).encode())


def many_categories(base: str = BASE) -> Bomb:
    """One RSS item with 300,000 categories (feedparser's bookkeeping is quadratic in them)."""
    categories = "".join(f"<category>c{i}</category>" for i in range(300_000))
    item = f"<item><title>Story</title><link>{base}/story/1</link><description>{STORY}</description>"
    item += f"{categories}</item>"
    return Bomb("300,000 categories (rss)", ".xml", _rss(item))


def nul_and_surrogates_json(base: str = BASE) -> Bomb:
    """JSON Feed text holding NUL characters and lone surrogates (PostgreSQL text refuses both)."""
    item = {
        "id": "1",
        "url": f"{base}/n/1",
        "title": "Bad \ud800 title",
        "content_text": f"{STORY}\u0000{STORY}",
    }
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Nul\u0000", "items": [item]}
    return Bomb("NUL and lone surrogates (json)", ".json", json.dumps(doc).encode())


def nul_late_in_text(base: str = BASE) -> Bomb:
    """A text file whose NUL bytes come after the first 8 KB the binary check reads."""
    body = (STORY + "\n\n") * 60
    return Bomb("NUL after 8 KB (txt)", ".txt", f"{body}{STORY}\x00{STORY}\n".encode())


def combining_marks(base: str = BASE) -> Bomb:
    """One letter carrying 600,000 combining marks (Unicode normalisation sorts each run: n²)."""
    marks = "\u0316\u0301" * 300_000
    line = f"The word Z{marks}algo is written in zalgo text, and it is read as news."
    return Bomb("600,000 combining marks (txt)", ".txt", f"{STORY}\n\n{line}\n".encode())


def dense_elements_html(base: str = BASE) -> Bomb:
    """3 million empty paragraphs in a 9 MB page (a parsed element costs hundreds of bytes)."""
    return Bomb("3,000,000 elements (html)", ".html", _page("<p>" * 3_000_000))


def dense_elements_rss(base: str = BASE) -> Bomb:
    """2.4 million empty elements in one feed item."""
    item = f"<item><title>Story</title><link>{base}/story/1</link><description>{STORY}</description>"
    return Bomb("2,400,000 elements (rss)", ".xml", _rss(item + "<x/>" * 2_400_000 + "</item>"))


ALL: tuple[Callable[[str], Bomb], ...] = (
    entity_expansion,
    billion_laughs,
    entity_expansion_utf16,
    unclosed_comments_html,
    unclosed_comments_text,
    unclosed_comments_feed,
    scripts_in_comment,
    link_tags,
    anchor_tags,
    many_attributes,
    many_attributes_quoted,
    long_attribute_name,
    huge_paragraph_text,
    many_paragraphs_text,
    huge_json_entry,
    deep_json,
    deep_json_feed,
    deep_html,
    long_entry_url,
    punctuation_line,
    many_inline_elements,
    many_links,
    huge_html_paragraph,
    long_canonical,
    many_json_items,
    many_categories,
    nul_and_surrogates_json,
    nul_late_in_text,
    combining_marks,
    dense_elements_html,
    dense_elements_rss,
)
