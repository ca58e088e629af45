"""The linear text passes give exactly what the backtracking regexes they replaced gave.

Each old pattern is kept here as the reference: on random strings built from the characters that
matter to it, the new one-pass scanner must agree. The hostile inputs that made the old patterns
quadratic are run through the whole pipeline in ``tests/hostile``.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.ingest.extract import _ends_sentence
from knowledge.ingest.htmlscan import anchor_texts, link_tags, without_hidden
from knowledge.ingest.text import _without_tags

OLD_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^<>]*>", re.S)
OLD_HIDDEN = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<head\b.*?</head\s*>", re.I | re.S)
OLD_LINK = re.compile(r"<link\b[^>]*>", re.I)
OLD_ANCHOR = re.compile(r"<a\b[^>]*>([^<]{0,400}(?:<(?!/?a\b)[^<]{0,400}){0,20})</a\s*>", re.I)
OLD_SENTENCE_END = re.compile(r"[.!?”\"]\W*$")


def pieces(*parts: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(parts), max_size=16).map("".join)


TAG_TEXT = pieces("<", ">", "!", "-", "--", "<!--", "-->", "a", "/", "?", " ", "\n", "<a", "1", "é")
HIDDEN_TEXT = pieces(
    "<script", "</script>", "</SCRIPT >", "<style", "</style>", "<head>", "</head>", "<noscript>",
    "</noscript>", "<template>", "</template>", "<scripts>", ">", "<", "x", " ", "<!--", "-->",
)  # fmt: skip
ANCHOR_TEXT = pieces("<a", "<a ", "<A href=x>", "</a>", "</a >", "<abbr>", "<b>", ">", "<", "x", " ", "<link")


@settings(max_examples=600)
@given(TAG_TEXT)
def test_tags_removed_as_before(text: str) -> None:
    assert _without_tags(text) == OLD_TAG.sub(" ", text)


@settings(max_examples=600)
@given(HIDDEN_TEXT)
def test_hidden_elements_removed_as_before(text: str) -> None:
    assert without_hidden(text) == OLD_HIDDEN.sub(" ", text)


@settings(max_examples=600)
@given(ANCHOR_TEXT)
def test_anchor_and_link_tags_found_as_before(text: str) -> None:
    assert list(anchor_texts(text)) == OLD_ANCHOR.findall(text)
    assert list(link_tags(text)) == OLD_LINK.findall(text)


@settings(max_examples=400)
@given(pieces(".", "!", "?", "a", " ", "”", ",", "_", "1", '"', "é", "-"))
def test_sentence_end_found_as_before(line: str) -> None:
    assert _ends_sentence(line) == bool(OLD_SENTENCE_END.search(line))


def test_bombs_run_in_one_pass() -> None:
    """The inputs that took minutes: each pass returns, and returns the right thing."""
    assert _without_tags("x <!-- " * 25_000).count("<!--") == 25_000  # unclosed: text, not a comment
    assert _without_tags("<!--" * 50_000 + "-->") == " "
    assert without_hidden("<!-- " + "<script " * 40_000 + " -->").count("<script") == 40_000
    assert list(link_tags("<link " * 60_000)) == []
    assert list(anchor_texts("<a " * 120_000 + ">x</a>")) == ["x"]
    assert not _ends_sentence("!" * 200_000 + "a")
