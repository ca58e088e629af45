"""Rendering answers, search pages and digests within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot import ui
from knowledge.models import Alternative, Answer, Digest, DigestItem, Passage, SearchHit

QUOTE = "The Pakistan Telecommunication Authority set a shutdown deadline of Dec. 30 for BlackBerry services."


def make_answer(**changes: object) -> Answer:
    start = QUOTE.index("Dec. 30")
    values: dict[str, object] = {
        "question": "when was the shutdown deadline?",
        "answer": "Dec. 30",
        "quote": QUOTE,
        "passage": QUOTE,
        "url": "https://www.securityweek.com/blackberry-continue-operating-pakistan",
        "title": "BlackBerry to Continue Operating in Pakistan",
        "published": datetime(2015, 12, 31, 12, 0, tzinfo=UTC),
        "score": 0.82,
        "abstained": False,
        "site": "securityweek.com",
        "span": (start, start + len("Dec. 30")),
        "alternatives": (Alternative("Another quote.", "https://example.com/a", "Other", 0.4),),
    }
    values.update(changes)
    return Answer(**values)  # type: ignore[arg-type]


def test_answer_embed_bolds_span_links_title_and_dates() -> None:
    embed = ui.answer_embed(make_answer())
    assert embed.url == "https://www.securityweek.com/blackberry-continue-operating-pakistan"
    assert embed.title == "BlackBerry to Continue Operating in Pakistan"
    assert "**Dec. 30**" in (embed.description or "")
    assert (embed.description or "").startswith("> ")
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Answer"] == "Dec. 30"
    assert fields["Site"] == "securityweek.com"
    assert fields["Published"] == f"<t:{int(datetime(2015, 12, 31, 12, tzinfo=UTC).timestamp())}:D>"
    assert "high confidence" in (embed.footer.text or "")


def test_markdown_and_mentions_in_source_text_are_neutralised() -> None:
    quote = "Ping @everyone and <@&123456789012345678> about *this* __now__ on Dec. 30 `code`"
    start = quote.index("Dec. 30")
    embed = ui.answer_embed(make_answer(quote=quote, span=(start, start + 7)))
    text = embed.description or ""
    assert "@everyone" not in text and "<@&123456789012345678>" not in text
    assert r"\*this\*" in text and r"\_\_now\_\_" in text and r"\`code\`" in text
    assert "**Dec. 30**" in text


def test_long_quote_is_trimmed_around_the_span() -> None:
    quote = "x" * 5000 + " Dec. 30 " + "y" * 5000
    start = quote.index("Dec. 30")
    embed = ui.answer_embed(make_answer(quote=quote, span=(start, start + 7)))
    assert len(embed.description or "") <= ui.DESCRIPTION_LIMIT
    assert "**Dec. 30**" in (embed.description or "")
    assert len(embed) <= ui.MESSAGE_EMBED_TOTAL


def test_long_title_and_bad_span_fit() -> None:
    embed = ui.answer_embed(make_answer(title="T" * 400, span=(50, 10_000)))
    assert embed.title is not None and len(embed.title) == ui.TITLE_LIMIT and embed.title.endswith("…")
    assert "**" not in (embed.description or "")


def test_clip_never_leaves_a_dangling_escape() -> None:
    assert ui.clip("ab\\*cd", 4) == "ab…"
    assert ui.clip("short", 10) == "short"


def test_abstention_is_kind_and_hides_quotes_behind_a_button() -> None:
    answer = make_answer(
        answer=None, quote=None, passage=None, url=None, title=None, abstained=True, score=0.1
    )
    embed, view = ui.answer_message(answer)
    assert "rather not guess" in (embed.description or "")
    assert embed.url is None
    assert view is not None and view.show.label == "Closest matches"
    no_alternatives = make_answer(abstained=True, alternatives=())
    assert ui.answer_message(no_alternatives)[1] is None


def test_alternatives_embed_links_each_passage() -> None:
    alts = [Alternative(f"quote {i} @here", f"https://e.com/{i}", f"Title [{i}]", 0.5) for i in range(40)]
    embed = ui.alternatives_embed(alts)
    text = embed.description or ""
    assert len(text) <= ui.DESCRIPTION_LIMIT
    assert "[Title (0)](https://e.com/0)" in text
    assert "@here" not in text


def _hit(i: int, text: str = "passage text") -> SearchHit:
    return SearchHit(Passage(i, i, 0, text, f"https://e.com/{i}", f"Title {i}"), 1.0 / (i + 1))


def test_search_pages_split_and_fit() -> None:
    pages = ui.search_pages("deadline", [_hit(i, "w " * 3000) for i in range(7)])
    assert len(pages) == 3
    assert all(
        len(p.description or "") <= ui.DESCRIPTION_LIMIT and len(p) <= ui.MESSAGE_EMBED_TOTAL for p in pages
    )
    assert pages[0].footer.text == "Page 1/3 · 7 passages"
    assert "**7." in (pages[2].description or "")
    assert ui.search_pages("nothing", [])[0].description == "Nothing in the coverage matches that."


def _item(
    i: int, site: str, lede: str = "A lede sentence that is long enough to count. Second sentence."
) -> DigestItem:
    return DigestItem(f"Article {i} *bold*", f"https://{site}/a/{i}", site, None, lede)


def test_digest_groups_by_site_with_linked_title_and_one_sentence() -> None:
    digest = Digest(None, datetime.now(UTC), (_item(1, "a.com"), _item(2, "b.com"), _item(3, "a.com")))
    messages = ui.digest_messages(digest)
    assert len(messages) == 1
    embeds = messages[0]["embeds"]
    assert [e.title for e in embeds] == ["a.com", "b.com"]
    assert "[Article 1 \\*bold\\*](https://a.com/a/1)" in embeds[0].description
    assert "Second sentence" not in embeds[0].description
    assert messages[0]["content"].endswith("3 new articles")
    assert messages[0]["allowed_mentions"].to_dict() == {"parse": []}


def test_digest_splits_within_ten_embeds_and_six_thousand_characters() -> None:
    long_lede = "word " * 200
    items = tuple(_item(i, f"site{i % 30}.com", long_lede) for i in range(300))
    messages = ui.digest_messages(Digest(None, datetime.now(UTC), items))
    assert len(messages) > 1
    seen = 0
    for message in messages:
        embeds: list[discord.Embed] = message["embeds"]
        assert 1 <= len(embeds) <= ui.EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in embeds) <= ui.MESSAGE_EMBED_TOTAL
        for embed in embeds:
            assert len(embed.description or "") <= ui.DESCRIPTION_LIMIT
            assert len(embed.title or "") <= ui.TITLE_LIMIT
            seen += (embed.description or "").count("](https://")
    assert seen == 300
    assert messages[1]["content"] is None


def test_one_huge_site_continues_in_more_embeds() -> None:
    items = tuple(_item(i, "big.com", "word " * 100) for i in range(60))
    embeds = ui.digest_embeds(Digest(None, datetime.now(UTC), items))
    assert len(embeds) > 1 and embeds[1].title == "big.com (cont.)"


def test_timestamp_treats_naive_as_utc() -> None:
    assert ui.timestamp(datetime(1970, 1, 2)) == "<t:86400:D>"


def _fits(embed: discord.Embed) -> bool:
    return (
        len(embed.title or "") <= ui.TITLE_LIMIT
        and len(embed.description or "") <= ui.DESCRIPTION_LIMIT
        and all(len(f.value or "") <= ui.FIELD_VALUE_LIMIT and len(f.name or "") <= 256 for f in embed.fields)
        and len(embed) <= ui.MESSAGE_EMBED_TOTAL
    )


@pytest.mark.parametrize("length", [5_000, 100_000])
def test_digest_with_a_huge_url_stays_within_every_limit(length: int) -> None:
    huge = "https://big.example/" + "a" * length
    items = (
        DigestItem(
            "Normal story", "https://a.com/1", "a.com", None, "A lede sentence that is long enough here."
        ),
        DigestItem("Huge link", huge, "a.com", None, "Another lede sentence that is long enough here."),
        DigestItem("", huge, "b.com", None, "x" * 20_000),
    )
    messages = ui.digest_messages(Digest(None, datetime.now(UTC), items))
    for message in messages:
        assert len(message["embeds"]) <= ui.EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in message["embeds"]) <= ui.MESSAGE_EMBED_TOTAL
        assert all(_fits(e) for e in message["embeds"])
    text = "".join(e.description or "" for m in messages for e in m["embeds"])
    assert "[Normal story](https://a.com/1)" in text
    assert "Huge link" in text and huge not in text  # shown as a plain title, not a 100k link


def test_only_http_links_reach_discord() -> None:
    local = make_answer(url="file:///home/me/story.html", title="Saved story")
    embed = ui.answer_embed(local)
    assert embed.url is None and embed.title == "Saved story"
    assert ui.link("Saved story", "file:///home/me/story.html") == "Saved story"
    assert ui.link("x", "javascript:alert(1)") == "x"
    assert ui.answer_embed(make_answer(url="https://e.com/" + "a" * 3000)).url is None
    alternatives = ui.alternatives_embed([Alternative("q", "file:///tmp/a.txt", "Local [1]", 0.5)])
    assert "file://" not in (alternatives.description or "")


def test_every_embed_is_fitted_whatever_it_holds() -> None:
    embed = discord.Embed(title="t" * 1000, description="d" * 10_000)
    for _ in range(30):
        embed.add_field(name="n" * 500, value="v" * 3000)
    embed.set_footer(text="f" * 5000)
    fitted = ui.fit(embed)
    assert _fits(fitted) and len(fitted.fields) <= 25


def test_message_content_is_cut_to_two_thousand_characters() -> None:
    kwargs = ui.within_limits({"content": "x" * 5000, "embeds": [discord.Embed(description="y" * 9000)] * 12})
    assert len(kwargs["content"]) == ui.CONTENT_LIMIT
    assert len(kwargs["embeds"]) == ui.EMBEDS_PER_MESSAGE and all(_fits(e) for e in kwargs["embeds"])
