"""Markup bounded before and after parsing: attributes per tag, tags, elements, children, text."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from knowledge.ingest.extract import extract_html
from knowledge.ingest.markup import (
    MAX_ATTRIBUTES,
    MAX_CHILDREN,
    MAX_ELEMENTS,
    MAX_TEXT,
    attribute_count,
    bound_markup,
    bound_tree,
)
from tests.conftest import SHARED, needs_shared

STORY = "The harbour ferry returned to service on Saturday after a three-month refit at the yard. " * 3


def test_attribute_count_reads_quoted_values_as_values() -> None:
    assert attribute_count("<p a=1 b=\"x y z\" c='>' d>") == 4
    assert attribute_count("<p>") == 0


def test_normal_pages_are_untouched() -> None:
    page = f'<html><body><p class="lede" data-x=">">{STORY}</p>' + "<i a=1>x</i>" * 500 + "</body></html>"
    assert bound_markup(page) is page


def test_a_tag_with_many_attributes_keeps_only_its_name() -> None:
    attrs = " ".join(f"a{i}" for i in range(MAX_ATTRIBUTES + 1))
    page = f"<div><p {attrs}>{STORY}</p></div>"
    assert bound_markup(page) == f"<div><p>{STORY}</p></div>"


def test_quoted_gt_cannot_hide_attributes() -> None:
    attrs = " ".join(f'b{i}=">"' for i in range(MAX_ATTRIBUTES * 3))
    assert bound_markup(f"<div {attrs}><p>x</p></div>") == "<div><p>x</p></div>"


def test_page_with_300000_attributes_is_extracted() -> None:
    attrs = " ".join(f"a{i}=1" for i in range(300_000))
    page = f"<html><head><title>Ferry</title></head><body><article><p {attrs}>{STORY}</p></article></body>"
    article = extract_html(page, url="https://coast.example/ferry")
    assert article.paragraphs == (STORY.strip(),)


MANY = " ".join(f"a{i}" for i in range(MAX_ATTRIBUTES + 20))
# Markup that changes how libxml2 tokenizes what follows: comments and bogus comments, raw text
# elements (self-closed or not), script escapes, quotes, end tags with attributes.
PIECES = [
    *("<p ", MANY, ">", "<", "</", "<!--", "-->", "--!>", "<!-->", "<!--->", '"', "'", "=", " ", "\xa0"),
    *("<script>", "</script>", "<script ", "</script ", "<style>", "</style>", "<b", "x", "/", "<!", "<?"),
    *("\n", "= ", '="', "='", "</p>", "<textarea>", "</textarea>", "<title>", "</title>", "<![CDATA["),
    *("]]>", "<iframe>", "</iframe>", "<xmp>", "<plaintext>", "-", "--", "<SCRIPT>", "</title x>"),
    *("<script/>", "a=", "<p a=1 ", '</a b=">">'),
]


def most_attributes(html: str) -> int:
    parser = etree.HTMLParser()
    root = etree.fromstring(f"<html><body>{html}</body></html>".encode(), parser)
    return max((len(e.attrib) for e in root.iter() if isinstance(e.tag, str)), default=0)


@pytest.mark.parametrize(
    "trick",
    [
        f"<!--><p {MANY}>-->",  # "<!-->" is a whole comment
        f'<a x= = "> <p {MANY}> ">',  # "=" after "=" starts a name, not a value
        f"<![CDATA[<style><p {MANY}>",  # a bogus comment ends at the first ">"
        f"<script/><p {MANY}>",  # a self-closed script holds no text
        f"<script><!--<script></script><p {MANY}></script>",  # inside: double-escaped script text
        f"<script {MANY}></script>",
    ],
)
def test_known_tricks(trick: str) -> None:
    assert most_attributes(bound_markup(trick)) <= MAX_ATTRIBUTES


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=16).map("".join))
def test_no_tag_reaches_libxml2_with_too_many_attributes(markup: str) -> None:
    """libxml2 itself is the judge: whatever the markup, no element keeps MAX_ATTRIBUTES + 1."""
    assert most_attributes(bound_markup(markup)) <= MAX_ATTRIBUTES


@needs_shared
def test_corpus_pages_are_untouched() -> None:
    pages = sorted((SHARED / "corpus" / "html").rglob("*.htm*"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8", errors="replace")
        assert bound_markup(html) is html, page.name


def parsed(body: str) -> etree._Element:
    return lxml.html.document_fromstring(f"<html><body>{body}</body></html>")


def test_bound_tree_keeps_the_start_of_an_over_long_text() -> None:
    root = parsed("<p>first</p><p>" + "word " * 500_000 + "</p><p>after</p>")
    assert bound_tree(root) == 1  # the paragraph after the cut
    texts = [p.text for p in root.iter("p")]
    assert texts[0] == "first" and len(texts) == 2 and len(texts[1]) == MAX_TEXT - len("first")


def test_bound_tree_caps_children_and_elements() -> None:
    root = parsed("<div>" + "<i>x</i>" * (MAX_CHILDREN + 10) + "</div>")
    bound_tree(root)
    assert len(root.find(".//div")) == MAX_CHILDREN
    root = parsed("".join(f"<div>{'<b>y</b>' * 500}</div>" for _ in range(60)))
    bound_tree(root)
    assert sum(1 for _ in root.iter()) <= MAX_ELEMENTS


def test_real_pages_are_left_whole() -> None:
    root = parsed("".join(f"<p>Paragraph {i} <a href='/x'>link</a></p>" for i in range(300)))
    assert bound_tree(root) == 0 and len(root.findall(".//p")) == 300
