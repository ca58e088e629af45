"""Markup bounded before a parser sees it.

libxml2's HTML parser checks each new attribute against every earlier one of the same tag, so one
tag with 300,000 attributes took over five minutes in lxml. Real tags have a handful; a tag with
more than :data:`MAX_ATTRIBUTES` is kept with its name only.

Tags are found the way libxml2 (2.14, an HTML5 tokenizer) finds them, in one linear pass: comments
(``<!-->`` is a whole one, ``--!>`` also closes), bogus comments (``<!x>``, ``<?x>``), raw text
(script with its escapes, style, title, textarea...) are stepped over whole, and a quoted value may
hold ``>`` only after ``=``. Any disagreement with the parser would let a bomb hide inside what the
scan takes for text, so the tests check the scan against libxml2 itself on random markup.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

log = logging.getLogger(__name__)

MAX_ATTRIBUTES = 200
# trafilatura's work grows faster than linearly with a page's elements (200,000 links: 53 s,
# 360 MB); the largest page of the evaluation corpus has 5,647 elements.
MAX_ELEMENTS = 20_000
MAX_TAGS = MAX_ELEMENTS + 5_000  # start tags parsed at all (the parser adds a few elements itself)
MAX_CHILDREN = 1_000  # per element: 20,000 inline children of one paragraph took 5.6 s (corpus: 363)
MAX_TEXT = 2_000_000  # characters of visible text read from one page (5x what an article may store)
_UNSEEN = frozenset({"script", "style", "noscript", "template"})  # their text is not counted
_LONG_TAG = 2 * MAX_ATTRIBUTES  # a shorter tag cannot hold more: each attribute takes two characters
_WS = r"[ \t\n\f\r]"  # HTML whitespace; \s would also match characters HTML reads as text
_END = rf"(?={_WS}|/|>|\Z)"  # what may follow a tag name
# A start tag's attributes, as HTML5 reads them: a name (which may begin with "="), then maybe
# "=" and a value; a quoted value may hold ">", and one that never closes runs to the end.
_ATTRIBUTE_SOURCE = (
    rf"""[^ \t\n\f\r/>][^ \t\n\f\r/>=]*+(?:{_WS}*+={_WS}*+(?:"[^"]*+"?+|'[^']*+'?+|[^ \t\n\f\r>]*+))?+"""
)
_BODY = rf"(?:[ \t\n\f\r]++|/(?!>)|{_ATTRIBUTE_SOURCE})*+"  # stops before "/>", ">" or the end
_ATTRS = rf"{_BODY}/?>?"
_OPEN = rf"{_BODY}(?!/>)>?"  # libxml2 reads no raw text after a self-closed "<script/>"
# Script text (HTML5 "script data"): "<!--" escapes it, and inside an escaped part "<script"
# double-escapes it, where "</script>" does not end the element; "-->" ends either.
_SCRIPT_END = rf"</script{_END}"
# A double-escaped part: it stops at "-->", at "</script" or at the end.
_DOUBLE = rf"<script{_END}.?(?:[^<-]++|-(?!->)|<(?!/script{_END}))*+"
# Every part either matches or is consumed to the end of the text: a double-escaped part that is
# never closed is read once, not once per "<script" before it.
_ESCAPED = (
    rf"<!--(?:-*+>|(?:[^<-]++|-(?!->)|<(?!/?script{_END})|{_DOUBLE}(?={_SCRIPT_END}){_SCRIPT_END}.?)*+"
    rf"(?:-->|{_DOUBLE}(?:-->|\Z))?+)"
)
_SCRIPT = rf"(?:[^<]++|{_ESCAPED}|<(?!/script{_END}|!--))*+"
_TOKEN = re.compile(
    r"<!--(?:-?>|(?:[^-]++|-(?!-!?>))*+(?:--!?>)?+)"  # a comment; <!--> is a whole one
    r"|<[!?][^>]*+>?"  # <!DOCTYPE ...>, <?...>, <![CDATA[...: up to the first ">"
    rf"|</[a-z][^ \t\n\f\r/>]*+{_ATTRS}|</>|</[^a-z>][^>]*+>?"  # end tags; "</ x>" reads like "<!"
    rf"|(?P<script><script{_END}{_OPEN}){_SCRIPT}"
    rf"|(?P<raw><(?P<rawname>style|xmp|iframe|noembed|noframes|title|textarea){_END}{_OPEN})"
    rf"(?:[^<]++|<(?!/(?P=rawname){_END}))*+"
    rf"|(?P<plain><plaintext{_END}{_OPEN})(?s:.*)"
    rf"|(?P<tag><(?P<name>[a-z][^ \t\n\f\r/>]*+){_ATTRS})",
    re.I | re.S,
)
_ATTRIBUTE = re.compile(_ATTRIBUTE_SOURCE)


def attribute_count(tag: str) -> int:
    """How many attributes a start tag holds, read the way :data:`_TOKEN` reads them."""
    name_end = re.search(r"[ \t\n\f\r/>]", tag)
    return len(_ATTRIBUTE.findall(tag, name_end.start() if name_end else len(tag)))


def bound_markup(html: str) -> str:
    """``html`` with every tag of more than :data:`MAX_ATTRIBUTES` attributes cut to its bare name,
    and the text cut before its start tag number :data:`MAX_TAGS`.

    The second bound is for memory: a parsed element costs lxml hundreds of bytes, so 3 million
    ``<p>`` in a 10 MB page took 660 MB before any later limit could apply.
    """
    if len(html) < _LONG_TAG:
        return html
    parts: list[str] = []
    kept = cut = tags = 0
    for tokens, match in enumerate(_TOKEN.finditer(html)):
        which = match.lastgroup  # "tag", "script", "raw" or "plain": the start tag's span
        tags += which is not None
        if tags > MAX_TAGS or tokens >= 3 * MAX_TAGS:  # end tags and comments are tokens too
            log.warning("only the first %d tags of this page are read", tags - 1)
            parts.append(html[kept : match.start()])
            return "".join(parts)
        if which is None:
            continue
        start, end = match.span(which)
        if end - start < _LONG_TAG or attribute_count(html[start:end]) <= MAX_ATTRIBUTES:
            continue
        parts.append(html[kept:start])
        parts.append(html[start : start + 1 + len(_tag_name(html, start))] + ">")
        kept = end
        cut += 1
    if not cut:
        return html
    log.warning("dropped the attributes of %d tags with more than %d attributes", cut, MAX_ATTRIBUTES)
    parts.append(html[kept:])
    return "".join(parts)


def _tag_name(html: str, start: int) -> str:
    match = _NAME.match(html, start + 1)
    return match.group(0) if match else ""


_NAME = re.compile(r"[^ \t\n\f\r/>]*+")


def bound_tree(root: etree._Element) -> int:
    """Cut a parsed page to :data:`MAX_CHILDREN` children per element, then after
    :data:`MAX_ELEMENTS` elements or :data:`MAX_TEXT` characters of text in document order.

    Returns how many elements were removed (logged once when any were).
    """
    dropped = 0
    for crowded in [element for element in root.iter() if len(element) > MAX_CHILDREN]:
        for child in crowded[MAX_CHILDREN:]:
            dropped += _size(child)
            crowded.remove(child)
    cut, text_cut = _cut_after_limits(root)
    dropped += cut
    if dropped or text_cut:
        log.warning("only the first part of this page is read (%d elements past the limits dropped)", dropped)
    return dropped


def _cut_after_limits(root: etree._Element) -> tuple[int, bool]:
    """Remove what follows the element (or the part of a text) that crosses a limit: how many
    elements were removed, and whether a text was cut."""
    budget = MAX_TEXT
    for count, element in enumerate(root.iter()):
        if count >= MAX_ELEMENTS:
            return _remove_following(element) + _remove(element), False
        if element.text and element.tag not in _UNSEEN:
            if len(element.text) > budget:  # keep the start of the text, drop what comes after it
                element.text = element.text[:budget]
                dropped = sum(_remove(child) for child in list(element))
                element.tail = None
                return dropped + _remove_following(element), True
            budget -= len(element.text)
        if element.tail:
            if len(element.tail) > budget:
                element.tail = element.tail[:budget]
                return _remove_following(element), True
            budget -= len(element.tail)
    return 0, False


def _remove(element: etree._Element) -> int:
    parent = element.getparent()
    if parent is None:
        return 0
    size = _size(element)
    parent.remove(element)
    return size


def _remove_following(node: etree._Element) -> int:
    """Remove everything after ``node`` in document order, at every level up to the root."""
    dropped = 0
    while (parent := node.getparent()) is not None:
        for later in list(node.itersiblings()):
            dropped += _remove(later)
        node = parent
    return dropped


def _size(element: etree._Element) -> int:
    return sum(1 for _ in element.iter())
