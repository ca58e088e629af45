"""Ordering quote windows: which passage wins and which sentence a two-sentence quote answers from."""

from knowledge.models import Passage
from knowledge.reader.features import Window
from knowledge.reader.pick import SpanChoice
from knowledge.reader.rank import order
from knowledge.reader.spans import Span
from knowledge.retrieval.candidates import Candidate

TEXT = "Sega now publishes the game. Eidos kept the old code, Marta Ruiz said."
SECOND = TEXT.index("Eidos")


def _window(first: int, last: int, span: Span, p: float) -> Window:
    start = 0 if first == 0 else SECOND
    end = SECOND - 1 if last == 0 else len(TEXT)
    return Window(0, first, last, start, end, SpanChoice(span, p), ())


def _candidate() -> Candidate:
    return Candidate(Passage(1, 1, 0, TEXT, "https://games.example/a", "Publishers"), 3.0, 5.0)


def test_a_two_sentence_quote_answers_from_the_sentence_that_scores_higher_alone() -> None:
    sega = _window(0, 0, Span(0, 4, "name"), 0.3)
    marta = _window(1, 1, Span(TEXT.index("Marta") - SECOND, TEXT.index(" said") - SECOND, "name"), 0.8)
    # the span model prefers Marta Ruiz (0.8) inside the pair; the first sentence alone scores higher
    pair = _window(0, 1, Span(TEXT.index("Marta"), TEXT.index(" said"), "name"), 0.8)
    ranking = order([_candidate()], [sega, marta, pair], [4.0, 1.0, 5.0])
    best = ranking.ranked[0]
    assert best.quote == TEXT
    assert best.span is not None and best.quote[best.span.start : best.span.end] == "Sega"


def test_the_second_sentence_answers_when_it_scores_higher_alone() -> None:
    sega = _window(0, 0, Span(0, 4, "name"), 0.9)
    marta = _window(1, 1, Span(TEXT.index("Marta") - SECOND, TEXT.index(" said") - SECOND, "name"), 0.4)
    pair = _window(0, 1, Span(0, 4, "name"), 0.9)
    ranking = order([_candidate()], [sega, marta, pair], [1.0, 4.0, 5.0])
    best = ranking.ranked[0]
    assert best.span is not None and best.quote[best.span.start : best.span.end] == "Marta Ruiz"
