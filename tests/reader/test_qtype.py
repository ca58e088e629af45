"""What kind of answer a question wants, from questions written for the tests."""

import pytest

from knowledge.reader.qtype import question_type, wants


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a money word further on ("charge", "pay") must not outvote the opening wh-word
        ("who's in charge of the harbour authority", "who"),
        ("whos in charge at the port now", "who"),
        ("Who’s paying for the new stadium?", "who"),
        ("when did the club pay off its debts", "when"),
        ("where do they charge for parking", "where"),
        # ...but without an opening wh-word the money word still says what is wanted
        ("how much does the port charge per ship", "how_much"),
        ("the parking fee, what is it", "how_much"),
    ],
)
def test_the_opening_wh_word_says_what_is_wanted(question: str, expected: str) -> None:
    assert question_type(question) == expected


@pytest.mark.parametrize(
    "question",
    ["how quickly did the tickets sell out", "how often do the night trains run", "how soon can it open"],
)
def test_how_quickly_and_how_often_want_a_span_of_time(question: str) -> None:
    assert question_type(question) == "how_long"


def test_how_rich_asks_for_money() -> None:
    assert question_type("how rich is the club's owner") == "how_much"
    assert "money" in wants("how rich is the club's owner")


def test_a_who_question_about_a_place_word_is_still_who() -> None:
    # "which city" makes a where question, but an opening "who" is not overruled by it
    assert question_type("who runs the city council") == "who"
    assert question_type("which city hosts the final") == "where"
