"""Re-rank retrieved passages by their best quote window, with the fitted window model.

Every window of every candidate is scored; the scores are treated as a softmax over the candidates
(the model was fitted that way: which window of all holds the answer), so besides an order they give
how much of the belief the best passage and its article hold, which the confidence model reads.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from knowledge.models import Passage
from knowledge.reader.features import Window, windows
from knowledge.reader.model import Variant
from knowledge.reader.pick import SpanChoice
from knowledge.reader.question import QuestionView
from knowledge.reader.semantic import SentenceVectors
from knowledge.reader.spans import Span
from knowledge.retrieval.candidates import Candidate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate passage with its best window: the quote, the short answer inside it, the score."""

    candidate: Candidate
    quote_start: int  # character offsets of the quote in the passage text
    quote_end: int
    span: Span | None  # offsets relative to the quote
    span_probability: float
    window: Window
    score: float  # the window model's score (log-odds scale, comparable within one question)
    mass: float  # share of the softmax over all windows held by this passage's windows

    @property
    def quote(self) -> str:
        return self.candidate.passage.text[self.quote_start : self.quote_end]


@dataclass(frozen=True, slots=True)
class Ranking:
    """Passages best first, and the softmax mass of the best passage and of its whole article."""

    ranked: tuple[Ranked, ...]
    passage_mass: float
    article_mass: float
    margin: float  # best score minus the best score from another article (large when unrivalled)


MARGIN_CAP = 10.0


def rank(
    q: QuestionView,
    candidates: Sequence[Candidate],
    articles: Mapping[int, Sequence[Passage]],
    variant: Variant,
    vectors: SentenceVectors | None = None,
    boost: Mapping[int, float] | None = None,
    held: Mapping[int, frozenset[str]] | None = None,
) -> Ranking:
    """Score every window; ``boost``: extra log-odds per candidate index (a thread's article).

    ``held``: which question terms passages hold, as retrieval read them off the index (see
    ``features.question_terms``).
    """
    found = windows(q, candidates, articles, variant.span, vectors, held)
    boost = boost or {}
    scores = [variant.window.score(w.x) + boost.get(w.index, 0.0) for w in found]
    return order(candidates, found, scores)


def order(candidates: Sequence[Candidate], found: Sequence[Window], scores: Sequence[float]) -> Ranking:
    """Passages by their best window's score, with the softmax masses the confidence model reads."""
    if not found:
        return Ranking((), 0.0, 0.0, 0.0)
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    total = sum(exp)
    best_by_passage: dict[int, int] = {}
    for k, w in enumerate(found):
        if w.index not in best_by_passage or scores[k] > scores[best_by_passage[w.index]]:
            best_by_passage[w.index] = k
    order = sorted(best_by_passage.values(), key=lambda k: scores[k], reverse=True)
    masses: dict[int, float] = {}
    for e, w in zip(exp, found, strict=True):
        masses[w.index] = masses.get(w.index, 0.0) + e / total
    single = {(w.index, w.first): k for k, w in enumerate(found) if w.first == w.last}
    ranked = tuple(
        _ranked(
            candidates[found[k].index],
            _with_sentence_span(found, k, scores, single),
            scores[k],
            masses[found[k].index],
        )
        for k in order
    )
    best = found[order[0]]
    best_article = candidates[best.index].passage.article_id
    passage_mass = masses[best.index]
    article_mass = (
        sum(
            e
            for e, w in zip(exp, found, strict=True)
            if candidates[w.index].passage.article_id == best_article
        )
        / total
    )
    rivals = [
        s
        for s, w in zip(scores, found, strict=True)
        if candidates[w.index].passage.article_id != best_article
    ]
    margin = min(scores[order[0]] - max(rivals), MARGIN_CAP) if rivals else MARGIN_CAP
    return Ranking(ranked, passage_mass, article_mass, margin)


def _with_sentence_span(
    found: Sequence[Window], k: int, scores: Sequence[float], single: Mapping[tuple[int, int], int]
) -> Window:
    """A two-sentence quote's short answer comes from the sentence that, alone, scores higher.

    The span model ranks spans within a sentence that holds the answer; across two sentences its
    probabilities do not say which one holds it, the window model's score of each sentence does.
    """
    w = found[k]
    if w.first == w.last:
        return w
    a, b = single.get((w.index, w.first)), single.get((w.index, w.last))
    if a is None or b is None:
        return w
    better = found[b] if scores[b] > scores[a] else found[a]
    if better.span is None:
        return w
    shift = better.start - w.start
    return replace(w, span=SpanChoice(better.span.span.shifted(shift), better.span.probability))


def _ranked(candidate: Candidate, w: Window, score: float, mass: float) -> Ranked:
    span = w.span.span if w.span else None
    probability = w.span.probability if w.span else 0.0
    return Ranked(candidate, w.start, w.end, span, probability, w, score, mass)
