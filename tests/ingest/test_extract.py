"""Extraction: the seed article, hand-made pages, bad input, and the shared corpus bars."""

from __future__ import annotations

import contextlib
import importlib.util
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.errors import ExtractionError
from knowledge.ingest.boilerplate import is_boilerplate
from knowledge.ingest.extract import (
    decode_html,
    dedupe_paragraphs,
    extract_html,
    extract_text,
    paragraph_key,
    split_paragraphs,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"
SEED = FIXTURES / "seed" / "blackberry-pakistan.txt"
SEED_URL = "https://www.securityweek.com/blackberry-continue-operating-pakistan"
LEDE = "After saying that it would cease offering services in Pakistan"
ROOT = Path(__file__).resolve().parents[2]


def joined(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(paragraphs)


# --- the seed article --------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> object:
    return extract_text(SEED.read_text(encoding="utf-8"), url=SEED_URL)


def test_seed_title_url_and_site(seed) -> None:
    assert seed.title == "BlackBerry to Continue Operating in Pakistan"
    assert seed.url == SEED_URL
    assert seed.site == "securityweek.com"


def test_seed_lede_once_and_no_tags(seed) -> None:
    text = joined(seed.paragraphs)
    assert text.count(LEDE) == 1
    assert seed.paragraphs[0].startswith(LEDE)
    assert "<" not in text and ">" not in text and "&" not in text


def test_seed_has_no_boilerplate(seed) -> None:
    text = joined(seed.paragraphs)
    for junk in ("Mobile & Wireless", "Related Content", "Copyright", "Exit mobile version"):
        assert junk not in text
    assert seed.title not in seed.paragraphs


def test_seed_keeps_every_real_paragraph(seed) -> None:
    text = joined(seed.paragraphs)
    assert "extending the shutdown order to Dec. 30." in text
    assert text.count("Marty Beard") == 1
    assert "rival that of the United States." in text
    assert len(seed.paragraphs) == 6


def test_text_title_argument_wins() -> None:
    article = extract_text(SEED.read_text(encoding="utf-8"), title="BlackBerry stays")
    assert article.title == "BlackBerry stays"
    assert article.url == ""
    assert joined(article.paragraphs).count(LEDE) == 1


# --- hand-made HTML pages ---------------------------------------------------------------


@pytest.fixture(scope="module")
def ferry() -> object:
    return extract_html((PAGES / "article.html").read_bytes())


def test_html_metadata(ferry) -> None:
    assert ferry.title == "Harbour Council Approves New Ferry Route"
    assert ferry.url == "https://www.coastal-ledger.example/news/2024/03/05/ferry-route"  # canonical wins
    assert ferry.site == "coastal-ledger.example"
    assert ferry.published == datetime(2024, 3, 5, 18, 30, tzinfo=timezone(timedelta(hours=1)))


def test_html_explicit_url_wins() -> None:
    article = extract_html((PAGES / "article.html").read_bytes(), url="https://example.org/given")
    assert article.url == "https://example.org/given"
    assert article.site == "example.org"


def test_html_keeps_article_once_and_drops_boilerplate(ferry) -> None:
    text = joined(ferry.paragraphs)
    assert text.count("The harbour council voted seven to two") == 1
    assert "most important decision for the island in a generation" in text
    assert "The first crossings are planned for the first week of June." in text
    assert "A second ferry will link the north pier" in text  # the standfirst
    for junk in (
        "Share this article",
        "Sign up for our daily newsletter",
        "Tagged:",
        "Leave a comment",
        "All rights reserved",
        "By Maria Lindqvist",
        "Photo: Jonas Berg",
        "Bridge plan shelved",
        "Advertise",
    ):
        assert junk not in text, junk
    assert all("<" not in p and "  " not in p and p == p.strip() for p in ferry.paragraphs)


def test_legacy_encoding_page() -> None:
    data = (PAGES / "legacy-cp1252.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = extract_html(data)
    text = joined(article.paragraphs)
    assert "the city’s new parking rules would “empty the street”" in text
    assert "Hélène Dubois" in text and "décor" in text and "Café Müller" in text
    assert article.title == "Café owners say “no” to the new parking rules"


def test_legacy_encoding_declared_wrongly_as_utf8() -> None:
    data = (PAGES / "legacy-cp1252.html").read_bytes()
    assert "Hélène" in decode_html(data, "utf-8")


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251"])
def test_declared_cyrillic_charsets(charset: str) -> None:
    body = "Москва и Санкт-Петербург"
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    assert body in decode_html(f"{meta}<p>{body}</p>".encode(charset))
    assert body in decode_html(f"<p>{body}</p>".encode(charset), declared_charset=charset)


def test_latin1_label_reads_as_windows_1252() -> None:
    body = "Zürich et Genève, “déjà”"  # curly quotes exist only in windows-1252, as browsers assume
    raw = f'<meta charset="iso-8859-1"><p>{body}</p>'.encode("cp1252")
    assert body in decode_html(raw)
    assert body in decode_html(raw, declared_charset="latin-1")


def test_undeclared_cyrillic_is_detected() -> None:
    body = "Президент заявил, что переговоры продолжатся на следующей неделе, несмотря на разногласия."
    assert body in decode_html(f"<p>{body}</p>".encode("koi8-r"))


def test_byte_order_marks() -> None:
    text = "<p>“BOM” café</p>"
    assert decode_html(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode_html("\ufeff".encode("utf-16-le") + text.encode("utf-16-le")) == text


@pytest.mark.parametrize("name", ["login.html", "links.html", "empty.html"])
def test_pages_without_an_article(name: str) -> None:
    with pytest.raises(ExtractionError, match="no article text"):
        extract_html((PAGES / name).read_bytes())


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", b""])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_html(data)
    with pytest.raises(ExtractionError):
        extract_text(data.decode())


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        bytes(range(256)) * 8,
    ],
)
def test_binary_input(data: bytes) -> None:
    with pytest.raises(ExtractionError, match="binary") as info:
        extract_html(data)
    assert "\n" not in str(info.value)
    with pytest.raises(ExtractionError, match="binary"):
        decode_html(data)


def test_binary_text_refused() -> None:
    with pytest.raises(ExtractionError, match="binary"):
        extract_text("abc\x00\x01\x02" * 50)


# --- paragraphs, dedupe and boilerplate rules --------------------------------------------


def test_split_paragraphs_blank_lines_and_single_lines() -> None:
    assert split_paragraphs("One line\nwrapped here.\n\n  Two <b>bold</b>  &amp; more.\r\n\r\n\n") == [
        "One line wrapped here.",
        "Two bold & more.",
    ]
    assert split_paragraphs("First.\nSecond.\n") == ["First.", "Second."]
    assert split_paragraphs("") == []


def test_split_paragraphs_hard_wrapped_text() -> None:
    wrapped = (
        "The harbour council voted seven to two on Tuesday to approve a\n"
        "second ferry route between the north pier and Holm Island.\n"
        "Island residents, who currently rely on a single boat that\n"
        "breaks down several times each winter, welcomed the vote.\n"
    )
    assert split_paragraphs(wrapped) == [
        "The harbour council voted seven to two on Tuesday to approve a second ferry route between "
        "the north pier and Holm Island.",
        "Island residents, who currently rely on a single boat that breaks down several times each "
        "winter, welcomed the vote.",
    ]


def test_text_keeps_subheads_and_drops_menus() -> None:
    body = "The council said the ferry would run every forty minutes in the summer season this year."
    more = "Tickets go on sale in May."
    lines = ["Home", "News", "Ferry Route Approved By Council", body, body.upper() + "!"]
    text = "\n".join([*lines, "What happens next", more, "Share", "Tweet"])
    article = extract_text(text)
    assert article.title == "Ferry Route Approved By Council"
    assert article.paragraphs == (body, "What happens next", more)


def test_repeated_paragraphs_stored_once() -> None:
    paragraphs = [
        "The mayor said the bridge will open in May.",
        "<p><strong>The mayor said the bridge will open in <a href='/x'>May</a></strong></p>",
        "the mayor said  the bridge will open in May!",
        "THE MAYOR SAID THE BRIDGE WILL OPEN IN MAY",
        "The bridge cost 40 million.",
        "The mayor said the bridge will open in May.",
    ]
    assert dedupe_paragraphs(split_paragraphs("\n\n".join(paragraphs))) == [
        "The mayor said the bridge will open in May.",
        "The bridge cost 40 million.",
    ]
    text = extract_text(
        "Bridge to open in May\n\n"
        + "\n\n".join(paragraphs * 3)
        + "\n\nThe council will meet again next week to discuss the opening ceremony."
    )
    assert joined(text.paragraphs).count("bridge will open") == 1


def test_paragraph_key_ignores_markup_case_punctuation_and_look_alikes() -> None:
    assert paragraph_key("<em>Hello</em>,   World!") == paragraph_key("hello world")
    assert paragraph_key("Аdvеrtіѕе with us") == paragraph_key("Advertise with us")  # Cyrillic look-alikes
    assert paragraph_key("Москва") == "москва"


@pytest.mark.parametrize(
    "line",
    [
        "Share this article:",
        "Sign up for our newsletter to get the latest news in your inbox.",
        "Never miss a story: subscribe now.",
        "Tagged: politics, elections",
        "By Jane Doe",
        "Written by: Jane Doe",
        "Posted: Monday, May 2, 2022, 10:11 am",
        "Leave a comment",
        "Related",
        "Related: Council delays vote again",
        "Read more: Ten things to know about the budget",
        "(Photo: Jane Doe/Reuters)",
        "Photo credit: Jane Doe",
        "© 2023 Example Media Ltd. All rights reserved.",
        "This material may not be published, broadcast, rewritten or redistributed.",
        "Follow us on Twitter and Facebook for updates.",
        "Download our app for iOS and Android.",
        "Submit a letter to the editor.",
        "Exit mobile version",
        "www.example.com",
        "The next story teaser ends like this [...]",
        "Story continues below advertisement",
        "Image copyright Getty Images",
        "12 Comments",
        "Got a news tip? Email us.",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "More than 2 million people registered to vote, officials said today.",
        "The bill, sponsored by Senator Jane Doe, passed on Tuesday.",
        "Fans follow the team on Twitter, where it has a million followers.",
        "The soldiers entered the building without permission, the report said.",
        "By 2030, the city plans to plant ten thousand trees.",
        "according to an invitation obtained by POLITICO.",
        "Users were told to download the contact-tracing app before the trip.",
        "Copyright law in the EU changed in 2019, the court noted.",
        "Smith, who joined the company in 2010, said subscribers would not see price rises.",
        "In letters to the editor, residents complained about the noise from the new port.",
        "The names of the victims may not be published under a court order, the judge said.",
        "Sponsored content now makes up half of the publisher's revenue, the report found.",
        "The exhibition features photos by local artists and runs until May.",
        "Getty Images reported higher revenue in the third quarter.",
        "LOS ANGELES (Reuters) - The actors' union said on Sunday it had reached a deal.",
        "Reporting by Jane Doe; Editing by John Smith",
    ],
)
def test_article_sentences_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


def test_paywall_pitch_after_teaser_dropped_but_banner_before_text_is_not() -> None:
    story = "<p>The harbour council voted seven to two on Tuesday to approve a second ferry route.</p>"
    story += "<p>Island residents, who rely on a single boat that breaks down often, welcomed the vote.</p>"
    notice = "<p>To read the full story, please subscribe. Already a subscriber? Log in.</p>"
    pitch = "<p>Members get a tote bag and the satisfaction of backing independent reporting.</p>"
    after = extract_html(f"<html><body><article>{story}{notice}{pitch}</article></body></html>")
    assert not any("subscribe" in p or "tote bag" in p for p in after.paragraphs)
    before = extract_html(f"<html><body><article>{notice}{story}</article></body></html>")
    assert any("Island residents" in p for p in before.paragraphs)
    assert not any("subscribe" in p for p in before.paragraphs)


# --- never anything but ExtractionError ---------------------------------------------------

_HTML_BITS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<a href='x'>",
        "</a>",
        "<h1>",
        "</h1>",
        "<br>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "&amp;",
        "&#0;",
        "<meta charset='koi8-r'>",
        "<table><tr><td>",
        "\x00",
        "<?xml version='1.0'?>",
        "<![CDATA[",
        "]]>",
        "<html>",
        "<body>",
        "Read more:",
        "©",
        "\n\n",
    ]
)
_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.lists(st.one_of(_HTML_BITS, st.text(max_size=40)), max_size=40))
def test_extract_html_only_raises_extraction_error(parts: list[str]) -> None:
    html = "".join(parts)
    for source in (html, html.encode("utf-8", "surrogatepass")):
        try:
            article = extract_html(source)
        except ExtractionError:
            continue
        assert all(p and p == p.strip() for p in article.paragraphs)


@_FUZZ
@given(st.binary(max_size=300))
def test_extract_html_bytes_only_raises_extraction_error(data: bytes) -> None:
    with contextlib.suppress(ExtractionError):
        extract_html(data)


@_FUZZ
@given(st.text(max_size=400))
def test_extract_text_and_split_never_fail(text: str) -> None:
    paragraphs = split_paragraphs(text)
    assert all(p and not re.search(r"\s\s", p) for p in paragraphs)
    try:
        article = extract_text(text)
    except ExtractionError:
        return
    assert len({paragraph_key(p) for p in article.paragraphs}) == len(article.paragraphs)


# --- the shared corpus --------------------------------------------------------------------


def _shared() -> Path:
    import os

    return Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))


@pytest.mark.corpus
@pytest.mark.skipif(
    not (_shared() / "corpus" / "manifest.jsonl").is_file(),
    reason="../shared/corpus not found (set NEWSDESK_SHARED); the bars are measured on it",
)
def test_corpus_keep_and_leak_bars() -> None:
    spec = importlib.util.spec_from_file_location("bench_extraction", ROOT / "bench" / "extraction.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    corpus = _shared() / "corpus"
    result = bench.score(bench.load_manifest(corpus), corpus, bench.ours)
    assert result["kept_pct"] >= 98.0, result["pages"]
    assert result["leaked_pct"] <= 5.0, result["pages"]
