"""Picking the short answer inside a sentence with the fitted span model (sentences written for the tests)."""

import pytest

from knowledge.reader.model import load
from knowledge.reader.pick import best_span
from knowledge.reader.question import QuestionView, view
from knowledge.retrieval.query import build_query


def _view(question: str) -> QuestionView:
    """The reader's view of ``question`` in an archive where every word is equally rare."""
    return view(question, build_query(question, lambda term, word: [], lambda term: True), lambda term: 3.0)


def _answer(question: str, sentence: str) -> str | None:
    q = _view(question)
    choice = best_span(sentence, q, load().lexical.span)
    return choice.span.text(sentence) if choice else None


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("when did the ferry sink", "The ferry, carrying 312 passengers, sank on March 3.", "March 3"),
        (
            "how many passengers were on the ferry",
            "The ferry, carrying 312 passengers, sank on March 3.",
            "312",
        ),
        (
            "who opened the new library",
            "The new library was opened by Mayor Ana Ortiz on Friday.",
            "Mayor Ana Ortiz",
        ),
        (
            "how old is the winner",
            "The winner, a 19-year-old student from Leeds, was delighted.",
            "19-year-old",
        ),
        (
            "how much did the bridge cost",
            "The bridge, which cost $45 million, carries 12% of traffic.",
            "$45 million",
        ),
        (
            "what percentage of traffic does the bridge carry",
            "The bridge, which cost $45 million, carries 12% of traffic.",
            "12%",
        ),
        ("how long did the storm last", "The storm lasted three days and damaged 40 homes.", "three days"),
        ("what year did the mill close", "The mill closed in 1998 after a fire.", "1998"),
    ],
)
def test_the_span_of_the_kind_asked(question: str, sentence: str, expected: str) -> None:
    assert _answer(question, sentence) == expected


def test_a_name_the_question_already_says_is_not_the_answer() -> None:
    # "Leeds" is in the question: the answer is the other name
    assert _answer("who won the race in leeds", "Sarah Kim won the race in Leeds on Sunday.") == "Sarah Kim"


def test_a_number_in_a_name_is_not_a_count() -> None:
    answer = _answer("how many homes were built", "Residents of Block 9 said 40 new homes were built.")
    assert answer == "40"


def test_a_value_question_finds_no_span_in_a_sentence_without_a_value() -> None:
    assert _answer("when does the harbour festival open", "The harbour festival opens with a parade.") is None


def _phrases(question: str, sentence: str) -> list[str]:
    from knowledge.reader.pick import candidates

    q = _view(question)
    return [s.text(sentence) for s in candidates(sentence, q) if s.kind == "phrase"]


def test_a_what_question_can_be_answered_by_an_ordinary_noun_phrase() -> None:
    sentence = "Doctors said the keeper suffered from a rare bone disease, and he retired in May."
    assert "rare bone disease" in _phrases("what illness did the keeper have", sentence)


def test_phrases_never_repeat_the_question_nor_cross_punctuation() -> None:
    sentence = "The keeper, a rare bone disease patient, retired."
    found = _phrases("what did the keeper retire from", sentence)
    assert all("keeper" not in p and "," not in p for p in found)
    assert "rare bone disease patient" in found


def test_a_glue_word_joins_two_words_but_never_ends_a_phrase() -> None:
    sentence = "It was bought by the Bank of England and then sold."
    found = _phrases("who bought it", sentence)
    assert "Bank of England" in found
    assert not any(p.endswith((" of", " and")) for p in found)


def test_a_when_question_gets_no_phrases() -> None:
    assert _phrases("when did the keeper retire", "The keeper retired with a rare bone disease.") == []


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "where did the ferry sink",
            "The ferry sank near Skye Island in the Inner Hebrides, officials said.",
        ),
        ("who opened the library", "Mayor Ana Ortiz, 51, said the Riverside Library opened after 3 years."),
        (
            "who wrote the report",
            "The Harbour Trust thanked spokesman David Heath and Tom Reyes for the report.",
        ),
        (
            "what did the council approve",
            "The council approved a $2 million plan, dubbed “Green Street”, on May 4.",
        ),
        ("how many people were hurt", "Twelve people were hurt and 40 homes damaged, about 3% of the town."),
        ("why did the mill close", "The mill closed in 1998 because demand for paper collapsed in Europe."),
    ],
)
def test_pruned_search_picks_what_scoring_every_span_in_full_picks(question: str, sentence: str) -> None:
    """Spans whose cheap score plus the most their word features could add falls short are skipped."""
    from knowledge.reader import pick

    q = _view(question)
    model = load().lexical.span
    anchors = pick.anchors_of(sentence, q)
    found = pick.candidates(sentence, q)
    scores = [model.score(pick.features(span, sentence, q, anchors)) for span in found]
    expected = found[scores.index(max(scores))]
    choice = best_span(sentence, q, model)
    assert choice is not None
    assert choice.span == expected
    assert choice.probability == pytest.approx(
        model.probability(pick.features(expected, sentence, q, anchors))
    )


@pytest.mark.parametrize(
    "question", ["who opened the library", "where is the library", "what did the library cost"]
)
def test_candidates_are_those_of_every_pattern_that_suit_the_question(question: str) -> None:
    from knowledge.reader.pick import candidates
    from knowledge.reader.spans import KINDS_FOR, find_spans

    sentence = (
        'Mayor Ana Ortiz, 51, opened the "Reading Room" in Leeds on March 3 for $45 million, 12% over budget.'
    )
    q = _view(question)
    every = [s for s in find_spans.__wrapped__(sentence) if s.kind in KINDS_FOR[q.qtype]]
    found = [s for s in candidates(sentence, q) if s.kind not in ("phrase", "clause")]
    assert found == every


def _feature(question: str, sentence: str, words: str, name: str) -> float:
    """One span feature of the candidate span reading ``words`` in ``sentence``."""
    from knowledge.reader import pick

    q = _view(question)
    spans = [s for s in pick.candidates(sentence, q) if s.text(sentence) == words]
    assert spans, f"no candidate {words!r} among {[s.text(sentence) for s in pick.candidates(sentence, q)]}"
    row = pick.features(spans[0], sentence, q, pick.anchors_of(sentence, q))
    return row[pick.SPAN_FEATURES.index(name)]


def test_a_role_written_before_a_name_marks_a_person() -> None:
    sentence = "The Harbour Trust thanked spokesman David Heath and Tom Reyes for the report."
    assert _feature("who wrote the report", sentence, "David Heath", "role_before") == 1.0
    assert _feature("who wrote the report", sentence, "Tom Reyes", "role_before") == 0.0
    assert _feature("who wrote the report", sentence, "Harbour Trust", "role_before") == 0.0


def test_a_role_before_a_name_says_nothing_to_a_where_question() -> None:
    sentence = "Officials said the minister went to Dr Smith Hall in Leeds."
    assert _feature("who went to leeds", sentence, "Dr Smith Hall", "role_before") == 1.0
    assert _feature("where did the minister go", sentence, "Dr Smith Hall", "role_before") == 0.0


def test_question_words_beside_a_span_count_and_far_ones_do_not() -> None:
    sentence = (
        "In 2019 Sarah Kim arrived from Leeds with her family and two dogs; she opened the bakery in May."
    )
    question = "when was the bakery opened"
    assert _feature(question, sentence, "May", "anchors_around") > 0.0
    assert _feature(question, sentence, "2019", "anchors_around") == 0.0


def test_a_value_hint_the_answer_misses_is_noticed() -> None:
    from knowledge.reader.pick import hint_unmet
    from knowledge.reader.spans import Span

    sentence = "The bridge, which cost $45 million, carries 12% of traffic."
    money = Span(sentence.index("$45"), sentence.index(",", sentence.index("$45")), "money")
    share = Span(sentence.index("12%"), sentence.index("12%") + 3, "percent")
    costly = _view("how much did the bridge cost")
    assert hint_unmet(share, sentence, costly.hints)
    assert not hint_unmet(money, sentence, costly.hints)
    assert hint_unmet(None, sentence, costly.hints)
    # a question that names no kind of value never misses one
    assert not hint_unmet(share, sentence, ("head:bridg",))
    assert not hint_unmet(None, sentence, ())


def test_what_time_wants_a_time_before_a_date() -> None:
    from knowledge.reader.pick import preferred_kinds

    def kinds(question: str) -> tuple[str, ...]:
        return preferred_kinds(_view(question))

    assert kinds("what time does the market open")[0] == "time"
    assert kinds("when does the market open")[0] == "date"
    assert kinds("what year did the mill close")[0] == "year"


def test_a_middle_initial_does_not_make_a_repeated_name_new() -> None:
    sentence = "Hayley N. Hull, 30, was arrested for retail theft."
    question = "what was hayley hull arrested for"
    assert _feature(question, sentence, "Hayley N. Hull", "all_repeated") == 1.0
