"""Answer a question from the archive: best passage, the sentence to quote, the short answer.

``Answerer`` asks the search engine for candidate passages, re-ranks them sentence by sentence
(``knowledge.search.rank``), extracts a typed answer span, resolves dates against the article's
publication date, and turns the evidence into a calibrated confidence. Below the threshold it
abstains rather than quote something wrong with confidence, offering the near misses instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from knowledge.errors import InvalidInput, QuestionTooLong
from knowledge.models import Alternative, Answer, Turn
from knowledge.search.confidence import Evidence, article_evidence, article_terms, confidence, named_terms
from knowledge.search.dates import resolve
from knowledge.search.engine import SearchEngine
from knowledge.search.qtype import question_type, wants
from knowledge.search.query import Query, build_query
from knowledge.search.rank import VALUE_TYPES, Ranked, rank
from knowledge.search.tokenize import stem, wordlist

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEPTH = 24
# Words that frame a question more than they describe the answer; they still count, a little.
_FRAMING = frozenset(
    stem(w)
    for w in wordlist("""much many time date year years called call thing kind happen happened name named make
    made want get got actually say said new one first really exactly currently
    deadline amount number total figure age long old far big cost price percentage stand""")
)
_PRONOUNS = re.compile(r"\b(?:it|its|they|them|their|he|she|him|her|his|this|that|these|those|there)\b", re.I)
_DATE_KINDS = frozenset({"date", "weekday", "time", "relative"})

THRESHOLD = 0.5
FOLLOW_UP_BOOST = 0.15  # re-rank bonus for passages of the article a follow-up refers back to


def check_question(question: str) -> str:
    """Reject empty and over-long questions with messages fit for the person asking."""
    text = question.strip()
    if not text:
        raise InvalidInput("Please ask a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text), MAX_QUESTION_CHARS)
    return text


class Answerer:
    """Answers questions over one engine; keeps small per-article caches, so share one per engine."""

    def __init__(self, engine: SearchEngine, *, depth: int = DEPTH, threshold: float = THRESHOLD) -> None:
        self.engine = engine
        self.depth = depth
        self.threshold = threshold
        # article id -> (its passage ids, its terms); an update gives new passage ids, which misses.
        self._articles: dict[int, tuple[set[int], frozenset[str]]] = {}

    def query(self, question: str, context: Sequence[Turn]) -> Query:
        """The question's concepts, then (for follow-ups) earlier turns' words at lower weight."""
        engine = self.engine
        query = build_query(question, engine.corrections, engine.known, _FRAMING, df=engine.index.term_df)
        if context and _is_follow_up(question, query):
            for age, turn in enumerate(reversed(context[-3:])):
                text = turn.question + " " + (turn.answer or "")
                build_query(
                    text,
                    engine.corrections,
                    engine.known,
                    _FRAMING,
                    0.6 / (age + 1),
                    query,
                    engine.index.term_df,
                )
        return query

    async def ranked(
        self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()
    ) -> list[Ranked]:
        """Candidate passages re-ranked for ``question``, best first (what ``answer`` builds on)."""
        text = check_question(question)
        await self.engine.catch_up()
        return await self._rank(text, self.query(text, context), guild, context)

    async def _rank(
        self, text: str, query: Query, guild: int | None, context: Sequence[Turn] = ()
    ) -> list[Ranked]:
        qtype, hints = question_type(text), wants(text)
        candidates = await self.engine.retrieve(query.weights, self.depth, guild=guild)
        ranked = await asyncio.to_thread(rank, candidates, query, self.engine.idf, qtype, hints)
        return _prefer_thread_article(ranked, text, query, context)

    async def evidence(
        self, question: str, query: Query, best: Ranked, ranked: Sequence[Ranked] = ()
    ) -> Evidence:
        """Features of the best passage plus coverage over its whole article.

        ``ranked``: the other candidates, whose text tells which question words are names.
        """
        passage = best.candidate.passage
        cached = self._articles.get(passage.article_id)
        if cached is None or passage.id not in cached[0]:
            article = await self.engine.store.article_passages(passage.article_id)
            texts = [passage.title or "", passage.text, *(p.text for p in article)]
            cached = ({p.id for p in article} | {passage.id}, article_terms(texts))
            if len(self._articles) > 2048:
                self._articles.clear()
            self._articles[passage.article_id] = cached
        wants_value = question_type(question) in VALUE_TYPES
        absent = {t for c in query.concepts if c.alternatives.isdisjoint(cached[1]) for t in c.alternatives}
        named = named_terms((r.candidate.passage.text for r in ranked), absent) if absent else frozenset()
        span = best.span
        short = _quote(best)[span.start : span.end] if span else None
        return article_evidence(best.features, query, self.engine.idf, cached[1], wants_value, named, short)

    async def answer(
        self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()
    ) -> Answer:
        """Answer ``question`` from passages visible to ``guild``; abstain when unsure."""
        text = check_question(question)
        await self.engine.catch_up()
        query = self.query(text, context)
        ranked = await self._rank(text, query, guild, context)
        if not ranked:
            return _abstain(question, 0.0, [])
        best = ranked[0]
        score = confidence(await self.evidence(text, query, best, ranked))
        if score < self.threshold:
            return _abstain(question, score, ranked[:3])
        return _build(question, best, score, ranked[1:4])


async def answer(
    engine: SearchEngine, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()
) -> Answer:
    """``Answerer(engine).answer(...)``, reusing one answerer (and its caches) per engine."""
    answerer = getattr(engine, "_answerer", None)
    if not isinstance(answerer, Answerer):
        answerer = Answerer(engine)
        setattr(engine, "_answerer", answerer)  # noqa: B010 - lives and dies with the engine
    return await answerer.answer(question, guild=guild, context=context)


def _is_follow_up(question: str, query: Query) -> bool:
    """Pronouns ("when did they buy it?") or an elliptical question with few words of its own."""
    return bool(_PRONOUNS.search(question)) or len(query.concepts) <= 3


def _prefer_thread_article(
    ranked: list[Ranked], question: str, query: Query, context: Sequence[Turn]
) -> list[Ranked]:
    """For a follow-up, boost (not filter) passages of the article the thread's last answer linked."""
    url = next((t.url for t in reversed(context) if t.url), None)
    if url is None or not ranked or not _is_follow_up(question, query):
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


answer_question = answer  # the name knowledge.service imports

__all__ = ["Answerer", "answer", "answer_question", "check_question", "confidence"]
