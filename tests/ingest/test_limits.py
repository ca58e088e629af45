"""Storage limits: over-long text is cut at a word boundary, over-long links are refused."""

from __future__ import annotations

import logging

import pytest

from knowledge.ingest import limits
from knowledge.ingest.limits import bounded, shorten, url_problem
from knowledge.models import Article


def test_shorten_cuts_at_a_word_and_marks_it() -> None:
    text = "alpha beta gamma delta " * 1_000
    cut = shorten(text, 100)
    assert len(cut) <= 100 and cut.endswith("…")
    assert cut[:-1].split()[-1] in {"alpha", "beta", "gamma", "delta"}
    assert shorten("short", 100) == "short"
    assert len(shorten("x" * 10_000, 100)) == 100  # no space at all: a hard cut


def test_bounded_leaves_real_articles_alone(caplog: pytest.LogCaptureFixture) -> None:
    article = Article(
        url="https://a.example/x", title="A title", paragraphs=("One.", "Two."), site="a.example"
    )
    with caplog.at_level(logging.WARNING):
        assert bounded(article) is article
    assert caplog.records == []


def test_bounded_cuts_every_dimension_with_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    article = Article(
        url="https://a.example/x",
        title="word " * 200,
        paragraphs=tuple(f"Paragraph {i} " + "long words here " * 1_000 for i in range(1_500)),
        site="s" * 300,
    )
    with caplog.at_level(logging.WARNING):
        cut = bounded(article)
    assert len(cut.title) <= limits.MAX_TITLE_CHARS and cut.site is None
    assert len(cut.paragraphs) <= limits.MAX_PARAGRAPHS
    assert all(len(p) <= limits.MAX_PARAGRAPH_CHARS for p in cut.paragraphs)
    assert sum(map(len, cut.paragraphs)) <= limits.MAX_ARTICLE_CHARS
    assert cut.paragraphs[0].startswith("Paragraph 0 ")
    [record] = caplog.records
    message = record.getMessage()
    assert "\n" not in message and "500 paragraphs past 1,000" in message and "title" in message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://a.example/" + "a" * 3_000, "3,018 characters long; links over 2,048"),
        ("javascript:alert(1)", "not an http:// or https:// link"),
        ("not-a-url", "not an http:// or https:// link"),
    ],
)
def test_url_problem(url: str, words: str) -> None:
    problem = url_problem(url)
    assert problem is not None and words in problem and len(problem) < 200


@pytest.mark.parametrize("url", ["https://a.example/x", "http://a.example/", "file:///tmp/a.txt"])
def test_storable_urls(url: str) -> None:
    assert url_problem(url) is None


def test_runs_of_combining_marks_are_cut_to_thirty() -> None:
    zalgo = "Z" + "\u0316\u0301" * 50_000 + "algo"
    safe = limits.stream_safe(zalgo)
    assert safe == "Z" + ("\u0316\u0301" * 15) + "algo"
    assert limits.stream_safe("naïve cafe\u0301 Ångström") == "naïve cafe\u0301 Ångström"


def test_every_combining_mark_is_below_the_scanned_range() -> None:
    import sys
    import unicodedata

    assert all(not unicodedata.combining(chr(c)) for c in range(0x20000, sys.maxunicode + 1))


@pytest.mark.parametrize(("text", "expected"), [("a\x00b", "ab"), ("bad \ud800 half", "bad \ufffd half")])
def test_storable_text(text: str, expected: str) -> None:
    assert limits.storable_text(text) == expected
