"""Reader: candidates in, answer out.

Takes the question, retrieval's analysis of it, the candidate passages and the whole articles they
come from; re-ranks sentence by sentence, extracts a typed answer span, resolves dates against the
article's publication date, and turns the evidence into a confidence. Below the threshold it
abstains, offering the near misses instead. It never touches the index, the store or the engine.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from knowledge.models import Alternative, Answer, Passage, Turn
from knowledge.reader.confidence import Evidence, article_evidence, article_terms, confidence, named_terms
from knowledge.reader.dates import resolve
from knowledge.reader.qtype import question_type, wants
from knowledge.reader.rank import VALUE_TYPES, Ranked, rank
from knowledge.retrieval.candidates import Retrieval
from knowledge.retrieval.query import Query

log = logging.getLogger(__name__)

THRESHOLD = 0.5
FOLLOW_UP_BOOST = 0.15  # re-rank bonus for passages of the article a follow-up refers back to
_PRONOUNS = re.compile(r"\b(?:it|its|they|them|their|he|she|him|her|his|this|that|these|those|there)\b", re.I)
_DATE_KINDS = frozenset({"date", "weekday", "time", "relative"})


@dataclass(frozen=True, slots=True)
class Reading:
    """The reader's verdict with what led to it (for logging and evaluation)."""

    answer: Answer
    ranked: tuple[Ranked, ...]
    qtype: str


def is_follow_up(question: str, query: Query) -> bool:
    """Pronouns ("when did they buy it?") or an elliptical question with few words of its own."""
    return bool(_PRONOUNS.search(question)) or len(query.concepts) <= 3


class Reader:
    """Chooses the quote and short answer among retrieved candidates; pure apart from its caches."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._article_terms: dict[tuple[int, int], frozenset[str]] = {}

    def rank(self, question: str, retrieval: Retrieval, context: Sequence[Turn] = ()) -> list[Ranked]:
        """Candidates re-ranked for ``question``, best first."""
        qtype, hints = question_type(question), wants(question)
        ranked = rank(list(retrieval.candidates), retrieval.query, retrieval.idf_of, qtype, hints)
        return _prefer_thread_article(ranked, question, retrieval.query, context)

    def read(
        self,
        question: str,
        retrieval: Retrieval,
        articles: Mapping[int, Sequence[Passage]],
        context: Sequence[Turn] = (),
    ) -> Reading:
        """Answer ``question`` from ``retrieval``; ``articles``: the candidates' whole articles by id."""
        qtype = question_type(question)
        ranked = self.rank(question, retrieval, context)
        if not ranked:
            return Reading(_abstain(question, 0.0, []), (), qtype)
        best = ranked[0]
        article = articles.get(best.candidate.passage.article_id, ())
        score = confidence(self.evidence(question, retrieval, best, article, ranked))
        if score < self.threshold:
            return Reading(_abstain(question, score, ranked[:3]), tuple(ranked), qtype)
        return Reading(_build(question, best, score, ranked[1:4]), tuple(ranked), qtype)

    def evidence(
        self,
        question: str,
        retrieval: Retrieval,
        best: Ranked,
        article: Sequence[Passage],
        ranked: Sequence[Ranked] = (),
    ) -> Evidence:
        """Features of the best passage plus coverage over its whole article.

        ``ranked``: the other candidates, whose text tells which question words are names.
        """
        passage = best.candidate.passage
        key = (passage.article_id, passage.id)
        present = self._article_terms.get(key)
        if present is None:
            present = article_terms([passage.title or "", passage.text, *(p.text for p in article)])
            if len(self._article_terms) > 2048:
                self._article_terms.clear()
            self._article_terms[key] = present
        query = retrieval.query
        wants_value = question_type(question) in VALUE_TYPES
        absent = {t for c in query.concepts if c.alternatives.isdisjoint(present) for t in c.alternatives}
        named = named_terms((r.candidate.passage.text for r in ranked), absent) if absent else frozenset()
        span = best.span
        short = _quote(best)[span.start : span.end] if span else None
        return article_evidence(best.features, query, retrieval.idf_of, present, wants_value, named, short)


def _prefer_thread_article(
    ranked: list[Ranked], question: str, query: Query, context: Sequence[Turn]
) -> list[Ranked]:
    """For a follow-up, boost (not filter) passages of the article the thread's last answer linked."""
    url = next((t.url for t in reversed(context) if t.url), None)
    if url is None or not ranked or not is_follow_up(question, query):
        return ranked
    boosted = [
        replace(r, score=r.score + FOLLOW_UP_BOOST) if r.candidate.passage.url == url else r for r in ranked
    ]
    boosted.sort(key=lambda r: r.score, reverse=True)
    return boosted


def _quote(r: Ranked) -> str:
    return r.candidate.passage.text[r.quote_start : r.quote_end]


def _alternatives(ranked: Sequence[Ranked]) -> tuple[Alternative, ...]:
    return tuple(
        Alternative(_quote(r), r.candidate.passage.url, r.candidate.passage.title, round(r.score, 4))
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
    quote = _quote(best)
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
