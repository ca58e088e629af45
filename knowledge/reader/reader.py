"""Reader: candidates in, answer out.

Takes the question, retrieval's analysis of it and its candidate passages, the candidates' whole
articles and (optionally) sentence vectors; scores every quote window with the fitted window model,
picks the short answer with the fitted span model, resolves dates against the article's publication
date, and estimates the probability that the quote answers (the score shown) and that the archive
answers at all; when the latter is below the fitted threshold it abstains, offering the near misses.
It never touches the index, the store or the engine.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from knowledge.models import Alternative, Answer, Passage, Turn
from knowledge.reader import confidence
from knowledge.reader.dates import resolve
from knowledge.reader.model import Variant, Weights, load
from knowledge.reader.question import QuestionView, view
from knowledge.reader.rank import Ranked, Ranking, rank
from knowledge.reader.semantic import SentenceVectors
from knowledge.retrieval.candidates import Retrieval
from knowledge.retrieval.query import Query

log = logging.getLogger(__name__)

# A follow-up ("when did they buy it?") is about the article the thread's last answer quoted: that
# article is taken to be three times as likely as any other a priori. This is a stated prior of the
# conversation, not a fitted weight (no training question comes with a thread).
FOLLOW_UP_LOG_ODDS = math.log(3.0)
_PRONOUNS = re.compile(r"\b(?:it|its|they|them|their|he|she|him|her|his|this|that|these|those|there)\b", re.I)
_DATE_KINDS = frozenset({"date", "weekday", "time", "relative"})


@dataclass(frozen=True, slots=True)
class Reading:
    """The reader's verdict with what led to it (for logging, evaluation and fitting)."""

    answer: Answer
    ranked: tuple[Ranked, ...]
    qtype: str
    semantic: bool = False
    features: tuple[float, ...] = ()  # the confidence models' input for the best quote
    answerable: float = 0.0  # estimated probability that the archive answers at all


def is_follow_up(question: str, query: Query) -> bool:
    """Pronouns ("when did they buy it?") or an elliptical question with few words of its own."""
    return bool(_PRONOUNS.search(question)) or len(query.concepts) <= 3


class Reader:
    """Chooses the quote and short answer among retrieved candidates; pure, shareable."""

    def __init__(self, weights: Weights | None = None, *, threshold: float | None = None) -> None:
        self.weights = weights or load()
        self._threshold = threshold

    def variant(self, semantic: bool) -> Variant:
        return self.weights.variant(semantic)

    def read(
        self,
        question: str,
        retrieval: Retrieval,
        articles: Mapping[int, Sequence[Passage]],
        context: Sequence[Turn] = (),
        vectors: SentenceVectors | None = None,
    ) -> Reading:
        """Answer ``question`` from ``retrieval``; ``articles``: the candidates' whole articles by id.

        ``vectors`` are used only when they cover every candidate and the semantic model was fitted;
        otherwise the lexical model answers alone.
        """
        q = view(question, retrieval.query, retrieval.idf_of)
        candidates = retrieval.candidates
        semantic = (
            vectors is not None
            and self.weights.semantic is not None
            and vectors.covers([c.passage.id for c in candidates])
        )
        variant = self.variant(semantic)
        ranking = rank(
            q,
            candidates,
            articles,
            variant,
            vectors if semantic else None,
            _thread_boost(question, retrieval, context),
            retrieval.terms_held,
        )
        if not ranking.ranked:
            return Reading(_abstain(question, 0.0, ()), (), q.qtype, semantic)
        best = ranking.ranked[0]
        x = confidence.features(
            q,
            ranking,
            articles.get(best.candidate.passage.article_id, ()),
            retrieval.unknown,
            retrieval.terms_held,
        )
        score = variant.confidence.probability(x)
        answerable = variant.answerable.probability(x)
        threshold = self._threshold if self._threshold is not None else variant.threshold
        near = _distinct(ranking.ranked)
        if answerable < threshold:
            # no quote is given: the number shown is the chance the archive answers at all (a quote can
            # be right only if it does), never the best rejected quote's own, higher-looking score
            answer = _abstain(question, min(score, answerable), near[:3])
        else:
            answer = _build(question, best, score, near[1:4])
        return Reading(answer, ranking.ranked, q.qtype, semantic, tuple(x), answerable)

    def question_view(self, question: str, retrieval: Retrieval) -> QuestionView:
        return view(question, retrieval.query, retrieval.idf_of)

    def ranking(
        self,
        question: str,
        retrieval: Retrieval,
        articles: Mapping[int, Sequence[Passage]],
        vectors: SentenceVectors | None = None,
    ) -> Ranking:
        """The window ranking alone (what ``bench/fit.py`` evaluates)."""
        q = view(question, retrieval.query, retrieval.idf_of)
        variant = self.variant(vectors is not None)
        return rank(q, retrieval.candidates, articles, variant, vectors, held=retrieval.terms_held)


def _thread_boost(question: str, retrieval: Retrieval, context: Sequence[Turn]) -> dict[int, float]:
    """For a follow-up, the prior log-odds for passages of the article the thread's last answer linked."""
    url = next((t.url for t in reversed(context) if t.url), None)
    if url is None or not is_follow_up(question, retrieval.query):
        return {}
    return {i: FOLLOW_UP_LOG_ODDS for i, c in enumerate(retrieval.candidates) if c.passage.url == url}


def _distinct(ranked: Sequence[Ranked]) -> list[Ranked]:
    """Best window per passage, one passage per distinct quote (wire copies say the same thing)."""
    seen: set[str] = set()
    out = []
    for r in ranked:
        key = " ".join(r.quote.split()).lower()
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _alternatives(ranked: Sequence[Ranked]) -> tuple[Alternative, ...]:
    return tuple(
        Alternative(r.quote, r.candidate.passage.url, r.candidate.passage.title, round(r.mass, 4))
        for r in ranked
    )


def _abstain(question: str, score: float, near: Sequence[Ranked]) -> Answer:
    return Answer(
        question=question,
        answer=None,
        quote=None,
        passage=None,
        url=None,
        title=None,
        published=None,
        score=score,
        abstained=True,
        alternatives=_alternatives(near),
    )


def _build(question: str, best: Ranked, score: float, others: Sequence[Ranked]) -> Answer:
    passage = best.candidate.passage
    quote = best.quote
    span = best.span
    short = quote[span.start : span.end] if span else None
    answer_date = None
    if span is not None and span.kind in _DATE_KINDS:
        answer_date = resolve(short or "", passage.published.date() if passage.published else None, quote)
    return Answer(
        question=question,
        answer=short,
        quote=quote,
        passage=passage.text,
        url=passage.url,
        title=passage.title,
        published=passage.published,
        score=score,
        abstained=False,
        site=passage.site,
        span=(span.start, span.end) if span else None,
        answer_date=answer_date,
        alternatives=_alternatives(others),
    )
