"""Size limits every article obeys before it is stored, whatever the parser produced.

A hostile feed or page can make a parser emit a 99-million-character paragraph (entity expansion),
40,000 paragraphs or a 100,000-character link. Everything downstream (passage keys, the search
index, answers, Discord embeds) is sized for news articles, so the store only ever sees articles
cut to these bounds. The longest paragraph in the evaluation corpus is about 2,600 characters and
its longest article 424 paragraphs: real news is far inside every limit.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

from knowledge.models import Article

log = logging.getLogger(__name__)

MAX_URL_CHARS = 2_048  # the URL columns' width; SQLite does not enforce it, PostgreSQL fails the insert
MAX_ETAG_CHARS = 512  # likewise for the HTTP validators kept per source
MAX_LAST_MODIFIED_CHARS = 128
MAX_TITLE_CHARS = 300
MAX_SITE_CHARS = 255
MAX_PARAGRAPH_CHARS = 8_000
MAX_PARAGRAPHS = 1_000
MAX_CANDIDATES = 2 * MAX_PARAGRAPHS  # paragraphs an extractor judges per document before it stops
MAX_ARTICLE_CHARS = 400_000
ELLIPSIS = "…"
_SCHEMES = frozenset({"http", "https", "file"})
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_COMBINING = 30


def _combining_class() -> str:
    """A regex class of every character with a nonzero canonical combining class (all below
    U+20000; a test checks the whole range)."""
    ranges: list[list[int]] = []
    for code in range(0x20000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


COMBINING = _combining_class()
_COMBINING_RUN = re.compile(f"([{COMBINING}]{{{MAX_COMBINING}}})[{COMBINING}]+")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` without NUL characters (PostgreSQL text cannot hold them), with each lone
    surrogate (valid JSON, not valid UTF-8) replaced by U+FFFD, and stream-safe."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        if _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", text)
        text = stream_safe(text)
    return text


def stream_safe(text: str) -> str:
    """``text`` with every run of combining marks cut to :data:`MAX_COMBINING` (UAX #15's
    stream-safe limit): Unicode normalisation sorts each run in quadratic time, so 80,000 marks
    after one letter took 3.4 s in NFKC."""
    if text.isascii():
        return text
    return _COMBINING_RUN.sub(r"\1", text)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ", max(0, len(cut) - 200))  # a word boundary near the end, if there is one
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def shown(text: str, limit: int = 120) -> str:
    """A possibly huge user-supplied string (a URL) short enough to quote in a one-line message."""
    text = text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS
    return _UNPRINTABLE.sub("\ufffd", text)


def url_problem(url: str, *, what: str = "link") -> str | None:
    """Why ``url`` cannot be stored, as a sentence, or None when it fits.

    Articles link to http(s) pages, or to the local file they were read from (``file://``).
    """
    if len(url) > MAX_URL_CHARS:
        return (
            f"The {what} {shown(url, 80)} is {len(url):,} characters long; "
            f"links over {MAX_URL_CHARS:,} characters are not stored."
        )
    scheme, colon, _ = url.partition(":")
    if not colon or scheme.lower() not in _SCHEMES:
        return f"The {what} {shown(url, 80)!r} is not an http:// or https:// link."
    if _UNPRINTABLE.search(url):
        return f"The {what} {shown(url, 80)!r} holds control characters or broken Unicode."
    return None


def bounded(article: Article) -> Article:
    """The article cut to the storage limits; each cut is logged once with what was dropped."""
    cuts: list[str] = []
    paragraphs = tuple(storable_text(p) for p in article.paragraphs)
    if paragraphs != article.paragraphs:
        cuts.append("NUL characters or lone surrogates removed")
    if len(paragraphs) > MAX_PARAGRAPHS:
        cuts.append(f"{len(paragraphs) - MAX_PARAGRAPHS:,} paragraphs past {MAX_PARAGRAPHS:,}")
        paragraphs = paragraphs[:MAX_PARAGRAPHS]
    long = sum(1 for p in paragraphs if len(p) > MAX_PARAGRAPH_CHARS)
    if long:
        cuts.append(f"{long:,} paragraphs shortened to {MAX_PARAGRAPH_CHARS:,} characters")
        paragraphs = tuple(shorten(p, MAX_PARAGRAPH_CHARS) for p in paragraphs)
    total = 0
    for count, paragraph in enumerate(paragraphs):
        total += len(paragraph)
        if total > MAX_ARTICLE_CHARS and count:
            cuts.append(f"{len(paragraphs) - count:,} paragraphs past {MAX_ARTICLE_CHARS:,} characters")
            paragraphs = paragraphs[:count]
            break
    title = storable_text(article.title)
    if len(title) > MAX_TITLE_CHARS:
        cuts.append(f"the title shortened from {len(title):,} characters")
        title = shorten(title, MAX_TITLE_CHARS)
    site = storable_text(article.site) if article.site is not None else None
    if site is not None and len(site) > MAX_SITE_CHARS:
        cuts.append("an over-long site name dropped")
        site = None
    source = storable_text(article.source) if article.source is not None else None
    if not cuts and title == article.title and site == article.site and source == article.source:
        return article
    if cuts:
        log.warning("%s: cut to the storage limits (%s)", shown(article.url), "; ".join(cuts))
    return replace(article, title=title, paragraphs=paragraphs, site=site, source=source)
