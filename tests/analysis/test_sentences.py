import pytest

from knowledge.analysis.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "BlackBerry extended the shutdown order to Dec. 30. It later stayed.",
            ["BlackBerry extended the shutdown order to Dec. 30.", "It later stayed."],
        ),
        (
            "Microsoft sold services to U.S. energy giant Chevron Corp. It said so.",
            ["Microsoft sold services to U.S. energy giant Chevron Corp.", "It said so."],
        ),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        (
            "At 6:36 p.m. Friday the ISO acted. Power failed.",
            ["At 6:36 p.m. Friday the ISO acted.", "Power failed."],
        ),
        ("It happened at 3 a.m. Police said so.", ["It happened at 3 a.m.", "Police said so."]),
        ("J. K. Rowling wrote it. Fans cheered!", ["J. K. Rowling wrote it.", "Fans cheered!"]),
        ("Is it true? “Yes,” she said.", ["Is it true?", "“Yes,” she said."]),
        ("No full stop at the end", ["No full stop at the end"]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_are_offsets_into_the_text() -> None:
    text = "  One. Two.  "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One.", "Two."]


def test_time_zone_after_am_does_not_end_the_sentence() -> None:
    text = "It begins at 10:00 a.m. PDT (5 p.m. UTC) on August 28. It ends at 10 a.m. It costs $10."
    assert split_sentences(text) == [
        "It begins at 10:00 a.m. PDT (5 p.m. UTC) on August 28.",
        "It ends at 10 a.m.",
        "It costs $10.",
    ]
