"""Answer a question from the archive: retrieval finds candidates, the reader answers from them.

``Answerer`` is the wiring between the two halves: it checks the question, has the engine analyse
it (with a follow-up's earlier turns) and retrieve candidates, fetches the candidates' whole
articles from the store, and hands all of it to the ``Reader``. One log line per question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from knowledge.analysis.tokenize import stem, wordlist
from knowledge.errors import InvalidInput, QuestionTooLong
from knowledge.models import Answer, Passage, Turn
from knowledge.reader import Reader, Reading, is_follow_up
from knowledge.retrieval.candidates import Retrieval
from knowledge.retrieval.engine import SearchEngine
from knowledge.retrieval.query import Query
from knowledge.semantic.vectors import SemanticIndex

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEPTH = 24
ARTICLE_CACHE = 1024
# Words that frame a question more than they describe the answer; they still count, a little.
FRAMING = frozenset(
    stem(w)
    for w in wordlist("""much many time date year years called call thing kind happen happened name named make
    made want get got actually say said new one first really exactly currently
    deadline amount number total figure age long old far big cost price percentage stand""")
)


class ArticleSource(Protocol):
    """Whole articles by id (``knowledge.store.Store`` is one)."""

    async def articles_passages(self, article_ids: Sequence[int]) -> dict[int, list[Passage]]: ...


def check_question(question: str) -> str:
    """Reject empty and over-long questions with messages fit for the person asking."""
    text = question.strip()
    if not text:
        raise InvalidInput("Please ask a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text), MAX_QUESTION_CHARS)
    return text


class Answerer:
    """Answers questions over one engine and store; keeps an article cache, so share one per engine."""

    def __init__(
        self,
        engine: SearchEngine,
        articles: ArticleSource | None = None,
        *,
        reader: Reader | None = None,
        semantic: SemanticIndex | None = None,
        depth: int = DEPTH,
    ) -> None:
        self.engine = engine
        self.semantic = semantic
        self.articles: ArticleSource = articles or engine.store  # type: ignore[assignment]
        self.reader = reader or Reader()
        self.depth = depth
        # article id -> (the passage ids it had when read, its passages); an update changes the ids.
        self._cache: dict[int, list[Passage]] = {}

    def query(self, question: str, context: Sequence[Turn] = ()) -> Query:
        """The question's concepts, then (for follow-ups) earlier turns' words at lower weight."""
        query = self.engine.analyse(question, FRAMING)
        if context and is_follow_up(question, query):
            for age, turn in enumerate(reversed(context[-3:])):
                text = turn.question + " " + (turn.answer or "")
                self.engine.analyse(text, FRAMING, scale=0.6 / (age + 1), into=query)
        return query

    async def retrieve(
        self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()
    ) -> Retrieval:
        """Candidates for an already checked question (the engine catches up first)."""
        await self.engine.catch_up()  # before analysis: typo correction needs the current vocabulary
        return await self.engine.retrieve(self.query(question, context), self.depth, guild=guild)

    async def read(self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()) -> Reading:
        """The reader's verdict with its ranked candidates (what evaluation looks at)."""
        text = check_question(question)
        started = time.perf_counter()
        retrieval = await self.retrieve(text, guild=guild, context=context)
        articles = await self.articles_for(retrieval)
        vectors = None
        if self.semantic is not None:
            vectors = await self.semantic.for_question(text, [c.passage for c in retrieval.candidates])
        reading = self.reader.read(text, retrieval, articles, context, vectors)
        answer = reading.answer
        best = reading.ranked[0].candidate.passage.id if reading.ranked and not answer.abstained else None
        log.info(
            "question type=%s semantic=%s passage=%s confidence=%.3f abstained=%s ms=%.1f",
            reading.qtype,
            reading.semantic,
            best,
            answer.score,
            answer.abstained,
            (time.perf_counter() - started) * 1000,
        )
        return reading

    async def answer(
        self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()
    ) -> Answer:
        """Answer ``question`` from passages visible to ``guild``; abstain when unsure."""
        return (await self.read(question, guild=guild, context=context)).answer

    async def articles_for(self, retrieval: Retrieval) -> Mapping[int, Sequence[Passage]]:
        """The whole articles of the candidates, from the cache where it is still current."""
        wanted = {c.passage.article_id: c.passage.id for c in retrieval.candidates}
        missing = [
            aid for aid, pid in wanted.items() if not any(p.id == pid for p in self._cache.get(aid, ()))
        ]
        if missing:
            fetched = await self.articles.articles_passages(missing)
            if len(self._cache) + len(fetched) > ARTICLE_CACHE:
                self._cache.clear()
            self._cache.update(fetched)
        return {aid: self._cache.get(aid, []) for aid in wanted}


__all__ = ["MAX_QUESTION_CHARS", "Answerer", "check_question"]
