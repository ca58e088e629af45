"""XML feed documents made safe for feedparser: no entity declarations, well-formed and bounded.

feedparser's loose fallback parser expands entities that expat refused (a 102 KB feed became a
99-million-character passage), and its bookkeeping is quadratic in some repeated elements (10,000
``<category>`` in one item took a second, 500,000 would take an hour). So a feed is read by lxml
first, with entity expansion, the network and DTDs off, and feedparser only ever sees lxml's
re-serialisation: UTF-8, no DOCTYPE, no comments, at most :data:`MAX_TAGS` start tags parsed,
:data:`MAX_ENTRIES` entries and :data:`MAX_SIBLINGS` same-named children per element kept.
Documents that declare entities are refused outright: feeds never need them, and the message
says so.
"""

from __future__ import annotations

import html.entities
import logging
import re

from lxml import etree

from knowledge.errors import FeedError

log = logging.getLogger(__name__)

MAX_ENTRIES = 1_000  # items or entries kept per feed (the poller reads far fewer per poll)
MAX_SIBLINGS = 100  # children of one name under one parent: categories, links, enclosures...
MAX_CHILDREN = 5_000  # children of any one element, XHTML content included
MAX_TAGS = 100_000  # start tags read from one feed (1,000 entries of 30 elements is 30,000)

_ENTITY_DECLARATION = re.compile(r"<!\s*+ENTITY", re.I)
_CDATA_OPEN, _CDATA_CLOSE = "<![CDATA[", "]]>"
_BARE_AMPERSAND = re.compile(r"&(?![A-Za-z][A-Za-z0-9]{0,31};|#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};)")
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_NAMES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTRY_NAMES = frozenset({"item", "entry"})
# Markup a start tag cannot hide in, stepped over whole (to the end when unclosed), then any tag.
_XML_TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<[?!].*?(?:>|\Z)|<(?=[^\s/<>])", re.S)
_XHTML = "{http://www.w3.org/1999/xhtml}"
_ENTITIES_REFUSED = (
    "refused: the feed declares XML entities (<!ENTITY ...>), which can expand to gigabytes; "
    "real feeds never need them"
)


def _outside_cdata(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_markup) pairs: CDATA sections are not markup."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    while (start := text.find(_CDATA_OPEN, at)) != -1:
        end = text.find(_CDATA_CLOSE, start + len(_CDATA_OPEN))
        end = len(text) if end == -1 else end + len(_CDATA_CLOSE)
        pieces.append((text[at:start], True))
        pieces.append((text[start:end], False))
        at = end
    pieces.append((text[at:], True))
    return pieces


def declares_entities(text: str) -> bool:
    """True when the document declares an XML entity (``<!ENTITY``) outside a CDATA section."""
    if not _ENTITY_DECLARATION.search(text):
        return False
    return any(markup and _ENTITY_DECLARATION.search(piece) for piece, markup in _outside_cdata(text))


def _html_reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_NAMES:
        return match.group(0)
    expansion = html.entities.html5.get(name + ";")
    if expansion is None:
        return f"&amp;{name};"  # unknown: keep it as the text it was meant to be
    return "".join(f"&#{ord(ch)};" for ch in expansion)


def _repair_references(text: str) -> str:
    """Escape bare ``&`` and spell HTML entities (``&eacute;``) as character references.

    Feeds copy both from HTML; a strict XML parser would drop the text around them.
    """
    if "&" not in text:
        return text
    parts = []
    for piece, markup in _outside_cdata(text):
        if markup and "&" in piece:
            piece = _NAMED_REFERENCE.sub(_html_reference, _BARE_AMPERSAND.sub("&amp;", piece))
        parts.append(piece)
    return "".join(parts)


def _prune(root: etree._Element) -> int:
    """Drop children past the limits; returns how many were dropped."""
    dropped = 0
    crowded = [element for element in root.iter() if len(element) > MAX_SIBLINGS]
    for parent in crowded:
        seen: dict[object, int] = {}
        for index, child in enumerate(list(parent)):
            tag = child.tag
            seen[tag] = count = seen.get(tag, 0) + 1
            name = etree.QName(tag).localname if isinstance(tag, str) else ""
            if name in _ENTRY_NAMES:
                limit = MAX_ENTRIES
            elif isinstance(tag, str) and tag.startswith(_XHTML):
                limit = MAX_CHILDREN
            else:
                limit = MAX_SIBLINGS
            if count > limit or index >= MAX_CHILDREN:
                parent.remove(child)
                dropped += 1
    return dropped


def _first_tags(text: str) -> str:
    """``text`` cut before its start tag number :data:`MAX_TAGS` (a parsed element costs lxml
    hundreds of bytes: a 10 MB feed of empty elements would take gigabytes)."""
    if text.count("<") <= MAX_TAGS:
        return text
    for count, match in enumerate(_XML_TOKEN.finditer(text)):
        if count >= MAX_TAGS:
            log.warning("only the first %d tags of this feed are read", MAX_TAGS)
            return text[: match.start()]
    return text


def safe_feed_xml(text: str) -> tuple[bytes, str | None]:
    """``text`` as UTF-8 XML that feedparser can read safely, and what was wrong with it (or None).

    Raises FeedError for a document declaring entities, or one in which no element can be read.
    """
    if declares_entities(text):
        raise FeedError(_ENTITIES_REFUSED)
    parser = etree.XMLParser(
        encoding="utf-8",
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    root = etree.fromstring(_repair_references(_first_tags(text)).encode("utf-8", "replace"), parser)
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    problem = f"line {errors[0].line}: {errors[0].message.strip()}" if errors else None
    if root is None:
        reason = f" ({problem})" if problem else ""
        raise FeedError(f"not a feed: the document is not XML with an RSS or Atom feed in it{reason}")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):  # the parser's own view, however hidden
        raise FeedError(_ENTITIES_REFUSED)
    if dropped := _prune(root):
        log.warning("dropped %d elements past the feed limits", dropped)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True), problem
