"""HTML fragments from feed entries -> plain paragraphs.

Feed content is a snippet, not a page, so the page extractor's boilerplate heuristics would
throw most of it away; here block tags simply become paragraph breaks.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "table",
        "section",
        "article",
        "figure",
        "figcaption",
        "hr",
        "pre",
    }
)
_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg"})
_SPACE = re.compile(r"\s+")


class _Splitter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._parts: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._parts)).strip()
        if text:
            self.paragraphs.append(text)
        self._parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._parts.append(data)


def html_paragraphs(fragment: str) -> list[str]:
    """Visible text of an HTML fragment, one string per block; plain text splits on blank lines."""
    if not fragment.strip():
        return []
    if "<" not in fragment:
        return [p for p in (_SPACE.sub(" ", block).strip() for block in re.split(r"\n\s*\n", fragment)) if p]
    splitter = _Splitter()
    splitter.feed(fragment)
    splitter.close()
    splitter._flush()
    return splitter.paragraphs
