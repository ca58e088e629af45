"""Turn a downloaded page or a text file into an :class:`Article` of clean paragraphs.

Everything a user is ever quoted comes from here, so this module is strict: one paragraph per
real paragraph, once, without markup, and no template text. trafilatura finds the article and its
metadata; its XML body keeps the paragraph structure and the links, which the rules in
:mod:`knowledge.ingest.boilerplate` need to judge each paragraph again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import TypeVar
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from knowledge.errors import ExtractionError
from knowledge.ingest.boilerplate import Block, filter_blocks, is_boilerplate
from knowledge.ingest.htmlscan import anchor_texts, link_tags, without_hidden
from knowledge.ingest.limits import MAX_ARTICLE_CHARS, MAX_CANDIDATES, MAX_TITLE_CHARS, shorten, url_problem
from knowledge.ingest.markup import bound_markup, bound_tree
from knowledge.ingest.text import (
    check_text,
    clean_paragraph,
    decode_html,
    dedupe_paragraphs,
    normalize_space,
    paragraph_key,
    split_paragraphs,
    strip_tags,
    word_count,
)
from knowledge.models import Article

__all__ = [
    "decode_html",
    "dedupe_paragraphs",
    "extract_html",
    "extract_text",
    "is_boilerplate",
    "paragraph_key",
    "split_paragraphs",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_ARTICLE_WORDS = 20  # less than this after cleaning is a stub, a login form or a link list
# extensive_search loads dateparser (seconds per process) and found no extra date on the corpus.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
_BLOCK_TAGS = frozenset({"p", "head", "quote", "item", "row", "code"})
_ELLIPSIS = ("…", "...")
# Possessive and anchored at a name's first character, so no start position is retried.
_ATTR = re.compile(r"""(?<![\w:-])([A-Za-z][\w:-]*+)\s*+=\s*+(?:"([^"]*+)"?+|'([^']*+)'?+|([^\s"'>]++))""")
_NOT_WORD_RUN = re.compile(r"\W*")
_MAX_ANCHORS = 2_000  # distinct multi-word link texts compared with a page's text
_SENTENCE_END = frozenset('.!?”"')


def _inline(element: etree._Element, parts: list[str], in_link: bool) -> int:
    """Append an element's inline text to ``parts``; return how many characters were link text."""
    linked = 0
    in_link = in_link or element.tag == "ref"
    if element.text:
        parts.append(element.text)
        linked += len(element.text) if in_link else 0
    for child in element:
        if child.tag in _BLOCK_TAGS or child.tag in ("list", "table"):
            parts.append(" ")  # a nested block is a block of its own
        elif child.tag == "lb":
            parts.append(" ")
        else:
            linked += _inline(child, parts, in_link)
        if child.tail:
            parts.append(child.tail)
            linked += len(child.tail) if in_link else 0
    return linked


def _text_of(element: etree._Element) -> tuple[str, int]:
    """Visible text of a paragraph-like element and how many of its characters are link text."""
    parts: list[str] = []
    linked = _inline(element, parts, False)
    return clean_paragraph("".join(parts)), linked


def _blocks(body: etree._Element) -> Iterator[Block]:
    """One block per paragraph-like element of trafilatura's XML body, in document order."""
    for element in body.iter():
        if element is body or not isinstance(element.tag, str):
            continue
        if element.tag == "row":
            cells = [clean_paragraph(" ".join(c.itertext())) for c in element.iter("cell")]
            text = " | ".join(c for c in cells if c)
            linked = sum(len(normalize_space("".join(r.itertext()))) for r in element.iter("ref"))
        elif element.tag in _BLOCK_TAGS - {"row"}:
            if element.getparent() is not None and element.getparent().tag in ("row", "cell"):
                continue
            if element.tag == "quote" and any(child.tag in _BLOCK_TAGS for child in element):
                continue  # its paragraphs are visited on their own
            text, linked = _text_of(element)
        else:
            continue
        if text:
            yield Block(text, min(1.0, linked / max(1, len(text))), heading=element.tag == "head")


def _first_candidates(items: Iterable[T]) -> list[T]:
    """The first :data:`MAX_CANDIDATES` paragraphs: no more can be stored, so no more are judged."""
    kept = list(islice(items, MAX_CANDIDATES + 1))
    if len(kept) > MAX_CANDIDATES:
        log.warning("only the first %d paragraphs of this document are read", MAX_CANDIDATES)
        del kept[MAX_CANDIDATES:]
    return kept


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _site(url: str | None, sitename: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    if host:
        return host.removeprefix("www.")
    return normalize_space(sitename) if sitename else None


def _canonical(html: str) -> str | None:
    """The page's rel=canonical link when it is absolute (trafilatura prefers og:url)."""
    for tag in link_tags(html[:300_000]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        if "canonical" in attrs.get("rel", "").lower().split():
            href = strip_tags(attrs.get("href", "")).strip()
            if href.startswith(("http://", "https://")):
                return _storable(href)
    return None


def _storable(link: str | None) -> str | None:
    """A page's claim to a canonical link, unless it is too long to store (then it is ignored)."""
    return link if link and url_problem(link) is None else None


def _mostly_links(html: str, paragraphs: list[str]) -> bool:
    """True when the extracted text is made of the page's link texts: an index, not an article.

    trafilatura's fallback extractors flatten a list of headlines into one "paragraph" without
    link markup, so this is checked against the anchors of the original page.
    """
    text = paragraph_key(" ".join(paragraphs))[:MAX_ARTICLE_CHARS]
    if not text:
        return True
    anchors: set[str] = set()
    for anchor in anchor_texts(html):  # each is searched in the text: at most _MAX_ANCHORS
        if (key := paragraph_key(anchor)).count(" ") >= 3:
            anchors.add(key)
            if len(anchors) >= _MAX_ANCHORS:
                break
    found = [len(a) for a in anchors if a in text]
    return len(found) >= 4 and sum(found) >= 0.5 * len(text)  # many links, not one wrapped story


def _visible_text(html: str) -> str:
    return normalize_space(strip_tags(without_hidden(html)))


def _standfirst(description: str | None, title: str, html: str, paragraphs: list[str]) -> str | None:
    """The page's summary line when it is printed above the article but trafilatura left it out."""
    if not description:
        return None
    summary = clean_paragraph(description)
    if word_count(summary) < 8 or summary.endswith(_ELLIPSIS) or is_boilerplate(summary):
        return None
    key = paragraph_key(summary)
    if key in paragraph_key(title) or any(key in paragraph_key(p) for p in paragraphs[:5]):
        return None
    if summary not in _visible_text(html):
        return None  # only in <meta>: an SEO blurb, not part of the page people read
    return summary


def _run_trafilatura(html: str, url: str | None) -> trafilatura.settings.Document | None:
    try:
        tree = load_html(html)  # parsed the way trafilatura parses, then bounded
        if tree is None:
            return None
        bound_tree(tree)
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            include_comments=False,
            include_tables=True,
            include_links=True,
            with_metadata=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # trafilatura and lxml raise many kinds on hostile markup
        log.debug("trafilatura failed: %r", exc)
        raise ExtractionError("This page could not be parsed as HTML: no article text was found.") from exc
    return document if isinstance(document, trafilatura.settings.Document) else None


def extract_html(
    html: str | bytes,
    *,
    url: str | None = None,
    declared_charset: str | None = None,
) -> Article:
    """Extract the article from an HTML page.

    ``url`` (the address it was fetched from or the user's ``--url``) wins over the page's own
    canonical link; when neither exists ``Article.url`` is ``""`` for the caller to fill in.
    Lines that recur across a site's pages are dropped later, at store time, where the other
    pages are known.
    """
    text = decode_html(html, declared_charset) if isinstance(html, bytes) else html
    check_text(text)
    if not text.strip():
        raise ExtractionError("The page is empty: there is no article text in it.")
    text = bound_markup(text)
    document = _run_trafilatura(text, url)
    if document is None or document.body is None:
        raise ExtractionError("The page holds no article text (it may be a login page, a list or empty).")
    paragraphs = filter_blocks(_first_candidates(_blocks(document.body)))
    title = clean_paragraph(document.title or "")
    lede = _standfirst(document.description, title, text, paragraphs)
    if lede is not None:
        paragraphs.insert(0, lede)
    paragraphs = dedupe_paragraphs(paragraphs)
    if sum(word_count(p) for p in paragraphs) < MIN_ARTICLE_WORDS or _mostly_links(text, paragraphs):
        raise ExtractionError("The page holds no article text (it may be a login page, a list or empty).")
    canonical = url or _canonical(text) or _storable(document.url) or ""
    title = shorten(title, MAX_TITLE_CHARS) or _fallback_title(paragraphs)
    return Article(
        url=canonical,
        title=title,
        paragraphs=tuple(paragraphs),
        published=_parse_date(document.date),
        site=_site(canonical, document.sitename),
    )


def _fallback_title(paragraphs: list[str]) -> str:
    first = paragraphs[0] if paragraphs else ""
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:117].rstrip() + "…"


def _headline_like(line: str) -> bool:
    words = word_count(line)
    return 1 <= words <= 25 and not line.rstrip("”\"'’)").endswith((".", ":", ";", ",")) and len(line) <= 200


def extract_text(text: str, *, url: str | None = None, title: str | None = None) -> Article:
    """Extract an article from plain text (possibly with raw HTML lines left in).

    The leading short lines are taken as category and headline: the longest of them is the title
    (unless ``title`` is given) and the ones before it are dropped as section labels.
    """
    check_text(text)
    lines = [p for p in _first_candidates(split_paragraphs(text)) if not is_boilerplate(p)]
    head = 0
    while head < len(lines) and head < 4 and _headline_like(lines[head]):
        head += 1
    if title is None and head:
        best = max(range(head), key=lambda i: (word_count(lines[i]), i))
        title, body = lines[best], lines[best + 1 :]
    elif title is not None and _is_title(lines[:head], title):
        body = lines[head:]
    else:
        body = lines
    body = _trim_navigation(body)
    seen = {paragraph_key(title)} if title else set()
    paragraphs = dedupe_paragraphs(body, seen=seen)
    if sum(word_count(p) for p in paragraphs) < MIN_ARTICLE_WORDS:
        raise ExtractionError("The text holds no article: it is empty or too short to quote from.")
    return Article(
        url=url or "",
        title=shorten(normalize_space(title or ""), MAX_TITLE_CHARS) or _fallback_title(paragraphs),
        paragraphs=tuple(paragraphs),
        site=_site(url, None),
    )


def _is_title(lines: list[str], title: str) -> bool:
    key = paragraph_key(title)
    return any(paragraph_key(line) == key for line in lines)


def _navigation(line: str) -> bool:
    """Very short lines without sentence punctuation: menus, section names, widget labels."""
    return word_count(line) <= 3 and not _ends_sentence(line)


def _ends_sentence(line: str) -> bool:
    """True when the run of non-word characters ending ``line`` holds sentence punctuation."""
    match = _NOT_WORD_RUN.match(line[::-1])  # anchored at the end: one scan, no retries
    tail = match.group(0) if match else ""
    return any(ch in _SENTENCE_END for ch in tail)


def _trim_navigation(lines: list[str]) -> list[str]:
    """Drop menu-like lines before the first and after the last sentence; keep subheads between."""
    start, end = 0, len(lines)
    while start < end and _navigation(lines[start]):
        start += 1
    while end > start and _navigation(lines[end - 1]):
        end -= 1
    return lines[start:end]
