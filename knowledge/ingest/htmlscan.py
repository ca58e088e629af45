"""One-pass scans of raw HTML for the few facts read before (or beside) parsing.

Each replaces a regex that rescanned to the end of the page from every opening that never
closed (``<script`` inside a comment: 92 s; ``<link `` x60,000: 28 s): here the closing tag or
``>`` is looked up once and remembered, so every scan is linear. tests/ingest/test_linear.py
keeps the old patterns as references and checks the scans give exactly their results.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

log = logging.getLogger(__name__)

_HIDDEN = ("script", "style", "noscript", "template", "head")  # elements whose text nobody sees
_HIDDEN_OPEN = re.compile(r"<(script|style|noscript|template|head)\b", re.I)
_HIDDEN_CLOSE = {name: re.compile(rf"</{name}\s*>", re.I) for name in _HIDDEN}
_LINK_OPEN = re.compile(r"<link\b", re.I)
_MAX_LINK_TAG = 4_000  # a rel=canonical tag is a few hundred characters; longer ones are not read
_ANCHOR_OPEN = re.compile(r"<a\b", re.I)
_ANCHOR_BODY = re.compile(r"([^<]{0,400}(?:<(?!/?a\b)[^<]{0,400}){0,20})</a\s*>", re.I)


def link_tags(html: str) -> Iterator[str]:
    """Each ``<link ...>`` tag up to its first ``>``, in one pass (no rescans of an unclosed tag)."""
    at = 0
    while match := _LINK_OPEN.search(html, at):
        end = html.find(">", match.end())
        if end == -1:
            return  # no later <link can close either
        if end - match.start() <= _MAX_LINK_TAG:
            yield html[match.start() : end + 1]
        at = end + 1


def anchor_texts(html: str) -> Iterator[str]:
    """The text of each ``<a ...>...</a>`` (short, with at most 20 inner tags), in one pass.

    Every ``<a`` that shares its first ``>`` has the same body, so a failed body is not retried:
    120,000 ``<a `` with one ``>`` at the end cost one scan, not 120,000.
    """
    at, failed = 0, -1
    while opening := _ANCHOR_OPEN.search(html, at):
        gt = html.find(">", opening.end()) if failed < opening.end() else failed
        if gt == -1:
            return
        body = _ANCHOR_BODY.match(html, gt + 1) if gt != failed else None
        if body is None:
            failed, at = gt, opening.start() + 1
            continue
        yield body.group(1)
        at = body.end()


def without_hidden(html: str) -> str:
    """``html`` with each script, style, noscript, template and head element replaced by a space.

    Linear: the closing tag of each element name is looked up once and remembered, so thousands
    of ``<script`` that never close (say, inside a comment) are not each scanned to the end.
    """
    parts: list[str] = []
    kept = at = 0
    closes: dict[str, tuple[int, int]] = {}  # name -> (start, end) of its next closing tag; (-1, -1): none
    while opening := _HIDDEN_OPEN.search(html, at):
        name = opening.group(1).lower()
        start, end = closes.get(name, (-2, -2))
        if start == -2 or 0 <= start < opening.end():
            found = _HIDDEN_CLOSE[name].search(html, opening.end())
            start, end = (found.start(), found.end()) if found else (-1, -1)
            closes[name] = (start, end)
        if start == -1:
            at = opening.start() + 1
            continue
        parts.append(html[kept : opening.start()])
        parts.append(" ")
        kept = at = end
    parts.append(html[kept:])
    return "".join(parts)
