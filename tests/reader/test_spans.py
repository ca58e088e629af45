import pytest

from knowledge.reader.pick import best_span
from knowledge.reader.qtype import question_type, wants
from knowledge.retrieval.query import build_query


def _answer(question: str, sentence: str) -> str | None:
    stems = build_query(question, lambda term, word: [], lambda term: True).stems
    found = best_span(sentence, question_type(question), wants(question), stems)
    span = found[0] if found else None
    return sentence[span.start : span.end] if span else None


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "when was the shutdown deadline?",
            "BlackBerry was allowed to continue operations, extending the shutdown order to Dec. 30.",
            "Dec. 30",
        ),
        (
            "How many fires were detected in Amazonas?",
            "According to the database, 8,668 fires have been detected in Amazonas as of Monday.",
            "8,668",
        ),
        (
            "whats the street value of the drugs",
            "The estimated value of the drugs is $4.3 million.",
            "$4.3 million",
        ),
        (
            "who is the COO of blackberry",
            "Marty Beard, Chief Operating Officer at BlackBerry, wrote in a blog post.",
            "Marty Beard",
        ),
        (
            "which hospital was the body taken to?",
            "The body was taken to Suddie Public Hospital for observation.",
            "Suddie Public Hospital",
        ),
        (
            "how long does the note give you",
            "The ransom note warns that data will be lost after 72 hours.",
            "72 hours",
        ),
        ("How old was she when first elected?", "She was elected at age 23 in 2019.", "age 23"),
        (
            "what time did the crash happen",
            "The crash happened at around 3 a.m., Wednesday.",
            "3 a.m., Wednesday",
        ),
        (
            "what was the overall success rate",
            "The robot had an overall success rate of 87% in the trial.",
            "87%",
        ),
        ("by what year does it want to be carbon negative", "It aims to be carbon negative by 2030.", "2030"),
        (
            "what does HAMR stand for",
            "SDK improved Heat Assisted Magnetic Recording (HAMR) technology.",
            "Heat Assisted Magnetic Recording",
        ),
        (
            "what's the name of the new ransomware",
            "The ransomware, dubbed Android/Filecoder.C, spread fast.",
            "Android/Filecoder.C",
        ),
        (
            "Which lake is the resort planned for?",
            "It would be located at Lake Berryessa in Napa County.",
            "Lake Berryessa",
        ),
        (
            "which german encryption company did blackberry buy",
            "BlackBerry acquired German firm Secusmart.",
            "Secusmart",
        ),
        (
            "What kind of traffic did Pakistan want to monitor?",
            "It wanted to monitor all BlackBerry Enterprise Service traffic in the country.",
            "BlackBerry Enterprise Service traffic",
        ),
        (
            "why is blackberry staying in pakistan",
            "After productive discussions, the government has rescinded its shutdown order, and it stays.",
            "the government has rescinded its shutdown order",
        ),
        (
            "where was the coldest temperature",
            "Cheorwon in Gangwon Province claimed the coldest temperature.",
            "Cheorwon",
        ),
        ("how many of the boxes went missing?", "Four of the 12 boxes of masks were gone.", "Four"),
        (
            "how much did the telescope cost",
            "The 1.2-billion-yuan (US$171-million) telescope took years.",
            "1.2-billion-yuan (US$171-million)",
        ),
        (
            "when did it open",
            "It opened 30 years ago to serve women. On Tuesday, a man came in.",
            "30 years ago",
        ),
        (
            "how long will the effects last",
            "Effects persist until April 2024, and 2016 was 0.1°C cooler.",
            "April 2024",
        ),
        ("how old is the new judge", "The governor appointed Jane Roe, 51, to the court.", "51"),
        (
            "how old do you have to be to vote",
            "Thousands of tenants who are at least 18 years old can vote.",
            "at least 18 years old",
        ),
        (
            "how old is the tool",
            "One side was sharp; dating showed it to be about 50,000 years old.",
            "about 50,000 years old",
        ),
        (
            "when was the salon founded",
            "The salon was founded 30 years ago to create a safe space.",
            "30 years ago",
        ),
        (
            "which law did lawmakers pass",
            "Voters approved it after lawmakers passed Senate Bill 10 in May.",
            "Senate Bill 10",
        ),
        (
            "which court ruled on it",
            "On Thursday, the 4th District Court of Appeal in Santa Ana found it liable.",
            "4th District Court of Appeal",
        ),
        (
            "how much did clients pay",
            "Clients paid up to $600 an hour for the service.",
            "$600 an hour",
        ),
        ("how much warmer was october", "October was the warmest ever, with a 1.7°C increase.", "1.7°C"),
    ],
)
def test_span_by_question_type(question: str, sentence: str, expected: str) -> None:
    assert _answer(question, sentence) == expected


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("when was the shutdown deadline?", "when"),
        ("how many boxes went missing", "how_many"),
        ("how much did it cost", "how_much"),
        ("who's the coo of blackberry", "who"),
        ("which city went dark", "where"),
        ("how long do the talks last", "how_long"),
        ("How old was Mohamed", "how_old"),
        ("why is blackberry staying", "why"),
        ("what does HAMR stand for", "what"),
    ],
)
def test_question_type(question: str, qtype: str) -> None:
    assert question_type(question) == qtype


def test_a_number_labelling_a_name_is_not_a_count() -> None:
    assert (
        _answer("how many homes were built", "Residents of Section 9 housing said 40 homes were built.")
        == "40"
    )
