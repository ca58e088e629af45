"""RSS 0.9x/1.0/2.0, Atom and JSON Feed documents -> entries.

feedparser only ever sees bytes we downloaded ourselves (handing it a URL would make it fetch,
bypassing the SSRF guard). JSON Feed is parsed here directly because feedparser does not read it.
Dates are parsed from the original strings so the publisher's time zone is kept, and a date
without a time stays midnight of that day rather than becoming "now".
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import feedparser

from knowledge.errors import ExtractionError, FeedError
from knowledge.ingest.feedxml import MAX_ENTRIES, safe_feed_xml
from knowledge.ingest.fragments import html_paragraphs
from knowledge.ingest.limits import MAX_TITLE_CHARS, shorten
from knowledge.ingest.text import clean_paragraph, decode_xml
from knowledge.models import Article

log = logging.getLogger(__name__)

FeedKind = Literal["rss", "atom", "jsonfeed"]
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed; ``url`` is absolute (http/https) or None when the entry has no link.

    ``content_html`` and ``summary`` are the feed's HTML as given (not sanitised): they are only
    ever reduced to text by :func:`~knowledge.ingest.fragments.html_paragraphs`.
    """

    url: str | None
    title: str
    published: datetime | None = None
    content_html: str | None = None
    summary: str | None = None
    guid: str | None = None
    updated: datetime | None = None
    date_only: bool = False


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed; ``problem`` says what was wrong when a broken feed was partly recovered."""

    kind: FeedKind
    version: str
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    problem: str | None = None


def parse_date(value: str | None) -> tuple[datetime | None, bool]:
    """(aware datetime, date_only) from an RFC 822 or ISO 8601 string; naive times are taken as UTC."""
    if not value or not value.strip():
        return None, False
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC), True
        except ValueError:
            return None, False
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None, False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, False


def _struct_to_datetime(value: Any) -> datetime | None:
    if isinstance(value, time.struct_time):
        try:
            return datetime(*value[:6], tzinfo=UTC)
        except ValueError:
            return None
    return None


def _entry_date(entry: Any, *names: str) -> tuple[datetime | None, bool]:
    for name in names:
        # dict.get: FeedParserDict.get("updated") falls back to "published" with a DeprecationWarning
        when, date_only = parse_date(dict.get(entry, name))
        if when is not None:
            return when, date_only
        fallback = _struct_to_datetime(dict.get(entry, f"{name}_parsed"))
        if fallback is not None:
            return fallback, False
    return None, False


def _absolute(link: Any, base: str | None) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    url = urljoin(base, link.strip()) if base else link.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _entry_link(entry: Any, base: str | None) -> str | None:
    url = _absolute(entry.get("link"), base)
    if url:
        return url
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate":
            url = _absolute(link.get("href"), base)
            if url:
                return url
    guid = entry.get("id")
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return _absolute(guid, None)
    return None


def _entry_content(entry: Any) -> str | None:
    contents = entry.get("content") or []
    for item in contents:
        if str(item.get("type", "")).lower().startswith(_HTML_TYPES) and item.get("value"):
            return str(item["value"])
    for item in contents:
        if item.get("value"):
            return html.escape(str(item["value"]))
    return None


def _xml_feed(data: bytes, url: str | None, charset: str | None) -> Feed:
    try:
        text = decode_xml(data, charset)
    except ExtractionError:
        raise FeedError("not a feed: the document is binary data, not XML") from None
    document, problem = safe_feed_xml(text)
    # feedparser sees only lxml's bounded UTF-8 re-serialisation; its HTML sanitiser and URI
    # resolver are off (both quadratic on hostile markup): entry HTML is reduced to text by
    # html_paragraphs, never shown as HTML.
    parsed = feedparser.parse(
        document,
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = str(parsed.get("version") or "")
    if problem is None and parsed.get("bozo"):
        problem = str(parsed.get("bozo_exception") or "malformed feed")
    if not parsed.entries:
        if not version:
            reason = f" ({problem})" if problem else ""
            raise FeedError(f"not a feed: the document is not XML with an RSS or Atom feed in it{reason}")
        if problem:
            raise FeedError(f"the feed is broken and no entries could be recovered: {problem}")
    meta = parsed.get("feed", {})
    base = _absolute(meta.get("link"), url) or url
    entries = []
    for entry in parsed.entries:
        published, date_only = _entry_date(entry, "published", "updated", "created")
        updated, _ = _entry_date(entry, "updated")
        entries.append(
            FeedEntry(
                url=_entry_link(entry, base),
                title=clean_paragraph(str(entry.get("title") or "")),
                published=published,
                content_html=_entry_content(entry),
                summary=str(entry["summary"]) if entry.get("summary") else None,
                guid=str(entry["id"]) if entry.get("id") else None,
                updated=updated,
                date_only=date_only,
            )
        )
    if problem:
        log.warning(
            "recovered %d entries from a broken feed%s: %s", len(entries), f" {url}" if url else "", problem
        )
    kind: FeedKind = "atom" if version.startswith("atom") else "rss"
    title = shorten(clean_paragraph(str(meta["title"])), MAX_TITLE_CHARS) if meta.get("title") else None
    return Feed(kind, version, title or None, base, tuple(entries), problem)


def _json_feed(data: bytes, url: str | None) -> Feed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"not a feed: the JSON Feed is not valid JSON ({exc})") from exc
    except RecursionError:  # the C decoder counts its depth against the interpreter's limit
        raise FeedError("not a feed: the JSON is nested too deeply to be a JSON Feed") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/1" not in version:
        raise FeedError("not a feed: JSON without a JSON Feed 1.x version")
    base = _absolute(doc.get("home_page_url"), url) or url
    entries = []
    items = doc.get("items")
    items = items if isinstance(items, list) else []
    if len(items) > MAX_ENTRIES:
        log.warning("reading the first %d of the JSON Feed's %d items", MAX_ENTRIES, len(items))
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        published, date_only = parse_date(_str(item.get("date_published")) or _str(item.get("date_modified")))
        text = _str(item.get("content_text"))
        body = _str(item.get("content_html")) or (
            "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")) if text else None
        )
        entries.append(
            FeedEntry(
                url=_absolute(item.get("url"), base) or _absolute(item.get("external_url"), base),
                title=(_str(item.get("title")) or "").strip(),
                published=published,
                content_html=body,
                summary=_str(item.get("summary")),
                guid=_str(item.get("id")) or None,
                updated=parse_date(_str(item.get("date_modified")))[0],
                date_only=date_only,
            )
        )
    title = shorten(clean_paragraph(_str(doc.get("title")) or ""), MAX_TITLE_CHARS)
    return Feed("jsonfeed", version, title or None, base, tuple(entries))


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_feed(data: bytes, *, url: str | None = None, charset: str | None = None) -> Feed:
    """Parse a downloaded feed; ``url`` resolves relative links, ``charset`` is the HTTP one if any.

    Raises FeedError when the bytes are not a feed or a broken feed yields nothing usable.
    """
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedError("not a feed: the document is empty")
    if stripped.startswith((b"{", b"[")):
        return _json_feed(data, url)
    return _xml_feed(data, url, charset)


def entry_article(entry: FeedEntry, *, feed: Feed | None = None) -> Article | None:
    """The entry's own text as an Article (used when the linked page cannot be extracted).

    None when the entry has no link or no text at all.
    """
    if not entry.url:
        return None
    paragraphs = html_paragraphs(entry.content_html or "") or html_paragraphs(entry.summary or "")
    if not paragraphs:
        return None
    host = urlsplit(entry.url).hostname or ""
    title = shorten(entry.title, MAX_TITLE_CHARS) or shorten(paragraphs[0], 120)
    return Article(
        url=entry.url,
        title=title,
        paragraphs=tuple(paragraphs),
        published=entry.published,
        site=host.removeprefix("www.") or (feed.title if feed else None),
    )
