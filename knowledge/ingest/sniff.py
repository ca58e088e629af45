"""Decide what a downloaded document is: an article page, a feed, a JSON Feed or plain text.

Servers mislabel feeds all the time (RSS served as text/html or text/plain, Atom as
application/octet-stream), so the Content-Type header is a hint checked against the first bytes.
"""

from __future__ import annotations

import re
from typing import Literal

from knowledge.errors import FetchError

Kind = Literal["html", "feed", "jsonfeed", "text"]


class UnsupportedContent(FetchError):
    """The URL serves something that is neither an article nor a feed (an image, a PDF…)."""


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "application/rss",
    }
)
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/x-rss+xml"}
)
JSON_TYPES = frozenset({"application/feed+json", "application/json", "text/json", "application/x-json"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
_REFUSED_PREFIXES = ("image/", "audio/", "video/", "font/", "model/", "multipart/")

_FEED_ROOT = re.compile(rb"<(?:[a-z0-9_-]+:)?(?:rss|feed|rdf)[\s>/]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
}


def refuse_early(content_type: str) -> None:
    """Raise before downloading a body whose declared type can never be an article or a feed."""
    if content_type.startswith(_REFUSED_PREFIXES) or content_type in {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/msword",
        "application/javascript",
        "text/css",
        "text/javascript",
    }:
        raise UnsupportedContent(f"not an article or a feed: the link serves {content_type}")


def _head(body: bytes) -> bytes:
    head = body[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
    if b"\x00" in head[:200]:  # UTF-16 without a BOM: look at the ASCII bytes only
        head = head.replace(b"\x00", b"")
    return head.lstrip()


def _looks_like_feed(head: bytes) -> bool:
    return bool(_FEED_ROOT.search(head)) and not (_HTML_ROOT.search(head) and not head.startswith(b"<?xml"))


def _looks_like_jsonfeed(head: bytes) -> bool:
    return head.startswith(b"{") and b"jsonfeed.org/version/" in head.replace(b"\\/", b"/")


def sniff_kind(content_type: str, body: bytes) -> Kind:
    """Classify a response from its media type (lower-case, no parameters) and first bytes."""
    refuse_early(content_type)
    head = _head(body)
    if content_type in HTML_TYPES:
        return (
            "feed"
            if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) and _looks_like_feed(head)
            else "html"
        )
    if content_type in XML_TYPES or content_type.endswith("+xml"):
        if _looks_like_feed(head):
            return "feed"
        if _HTML_ROOT.search(head):
            return "html"
        if content_type in FEED_TYPES:  # declared a feed: let the feed parser say what is wrong
            return "feed"
        raise UnsupportedContent(
            f"not an article or a feed: the link serves XML ({content_type}) with no feed in it"
        )
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        if _looks_like_jsonfeed(head):
            return "jsonfeed"
        raise UnsupportedContent("not an article or a feed: the link serves JSON that is not a JSON Feed")
    if content_type in TEXT_TYPES or content_type in UNKNOWN_TYPES:
        for magic, what in _MAGIC.items():
            if body.startswith(magic):
                raise UnsupportedContent(f"not an article or a feed: the link serves {what}")
        if _looks_like_feed(head) and head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
            return "feed"
        if _HTML_ROOT.search(head[:1024]):
            return "html"
        if _looks_like_jsonfeed(head):
            return "jsonfeed"
        if content_type in TEXT_TYPES:
            return "text"
        raise UnsupportedContent("not an article or a feed: the link serves binary data of unknown type")
    raise UnsupportedContent(f"not an article or a feed: the link serves {content_type}")
