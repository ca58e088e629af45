"""How likely the chosen quote holds the answer: a probability from the fitted confidence model.

The window model says which quote is best; whether the archive can answer at all is told by other
things: how much of the belief that quote holds against its rivals, whether the question's rarest
words and the names and numbers it asks about appear anywhere in the quote's article, whether a
value question found a value. ``bench/fit.py`` fits the weights (a logistic regression on held-out
predictions, so the number is calibrated) and picks the abstention threshold on that curve.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence

from knowledge.analysis.sentences import quote_sentences
from knowledge.analysis.tokenize import STOPWORDS, stem, word_spans, words
from knowledge.models import Passage
from knowledge.reader import pick
from knowledge.reader.features import WINDOW_FEATURES, Window, analyse, question_terms, term_set
from knowledge.reader.question import QuestionView
from knowledge.reader.rank import Ranking

log = logging.getLogger(__name__)

CONFIDENCE_FEATURES: tuple[str, ...] = (
    "window_score",
    "passage_mass",
    "article_mass",
    "margin",
    "sent_cov",
    "pass_cov",
    "art_cov",
    "bm25",
    "span_p",
    "untyped_value",
    "junk_answer",
    "missing_numbers",
    "missing_names",
    "missing_rarest",
    "window_missing_rarest",
    "focus_cov",
    "unknown_mass",
    "concepts",
    "value_question",
    "what_question",
    "hint_unmet",
    "kind_first",
    "sem_window",
    "sem_pass",
    "sem_gap",
)
_FROM_WINDOW = (
    "focus_cov",
    "sent_cov",
    "pass_cov",
    "art_cov",
    "bm25",
    "span_p",
    "missing_numbers",
    "sem_window",
    "sem_pass",
    "sem_gap",
)


def named_terms(texts: Iterable[str], wanted: Collection[str]) -> frozenset[str]:
    """The stems among ``wanted`` that ``texts`` write capitalised mid-sentence more often than not.

    Questions are typed in lower case, so whether "canada" is a name is read off how the retrieved
    passages write it; a word opening a sentence (or a quote) says nothing either way, nor does one
    ending a longer name ("Wall Street": "street" is an ordinary word). A text none of whose content
    words stem to one of ``wanted`` is not walked word by word: ``analyse`` holds the same tokens'
    stems, and the reader has already analysed every candidate's text.
    """
    capital: dict[str, int] = {}
    lower: dict[str, int] = {}
    for text in texts:
        if {term for sentence in analyse(text) for term, _ in sentence}.isdisjoint(wanted):
            continue
        previous_capital = False
        for word, start, _ in word_spans(text):
            upper = text[start].isupper()
            after_capital, previous_capital = previous_capital, upper
            if not word or word[0].isdigit() or word in STOPWORDS:
                continue
            term = stem(word)
            if term not in wanted:
                continue
            before = text[:start].rstrip()
            if not upper:
                lower[term] = lower.get(term, 0) + 1
            elif before and before[-1] not in ".!?:;\"“‘'(—–-" and not after_capital:
                capital[term] = capital.get(term, 0) + 1
    return frozenset(t for t, n in capital.items() if n > lower.get(t, 0))


def is_junk(answer: str | None) -> bool:
    """An extracted answer made only of function words ("into", "the") answers nothing."""
    if answer is None:
        return False
    tokens = words(answer)
    return bool(tokens) and all(w in STOPWORDS for w in tokens)


def features(
    q: QuestionView,
    ranking: Ranking,
    article: Sequence[Passage],
    unknown: Collection[str] = frozenset(),
    held: Mapping[int, frozenset[str]] | None = None,
) -> list[float]:
    """The ``CONFIDENCE_FEATURES`` of the best quote of ``ranking``.

    ``article``: the best passage's whole article; ``unknown``: query terms the archive never saw;
    ``held``: retrieval's reading of which question terms passages hold (``question_terms``).
    """
    best = ranking.ranked[0]
    passage = best.candidate.passage
    holds = question_terms(q, held)
    present = frozenset().union(holds(passage), *(holds(p) for p in article))
    window = dict(zip(WINDOW_FEATURES, best.window.x, strict=True))
    absent = [c for c in q.concepts if c.alternatives.isdisjoint(present)]
    absent_terms = {t for c in absent for t in c.alternatives}
    named = (
        named_terms((r.candidate.passage.text for r in ranking.ranked), absent_terms)
        if absent
        else frozenset()
    )
    rarest = max((c.idf for c in absent), default=0.0)
    answer = best.quote[best.span.start : best.span.end] if best.span else None
    junk = is_junk(answer)
    row = {
        **{name: window[name] for name in _FROM_WINDOW},
        "window_score": best.score,
        "passage_mass": ranking.passage_mass,
        "article_mass": ranking.article_mass,
        "margin": ranking.margin,
        "untyped_value": float(q.wants_value and (best.span is None or junk)),
        "junk_answer": float(junk),
        "missing_names": float(sum(1 for c in absent if c.mass > 0 and not c.alternatives.isdisjoint(named))),
        "missing_rarest": rarest / q.max_idf if q.max_idf > 0 else 0.0,
        "window_missing_rarest": _window_missing_rarest(q, best.window, passage.text),
        "unknown_mass": sum(c.mass for c in q.concepts if c.term in unknown) / q.total,
        "concepts": min(len(q.concepts), 10) / 10,
        "value_question": float(q.wants_value),
        "what_question": float(q.qtype == "what"),
        "hint_unmet": float(pick.hint_unmet(best.span, best.quote, q.hints)),
        "kind_first": float(best.span is not None and best.span.kind == pick.preferred_kinds(q)[0]),
    }
    if junk:
        row["span_p"] = 0.0
    return [row.get(name, 0.0) for name in CONFIDENCE_FEATURES]


def _window_missing_rarest(q: QuestionView, window: Window, text: str) -> float:
    """The IDF of the rarest question concept the quote leaves out, over the question's rarest."""
    present = set().union(
        *(term_set(text[a:b]) for a, b in quote_sentences(text)[window.first : window.last + 1])
    )
    missing = [c.idf for c in q.concepts if c.alternatives.isdisjoint(present)]
    return max(missing, default=0.0) / q.max_idf if q.max_idf > 0 else 0.0
