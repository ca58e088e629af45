"""Answer a question from the archive: retrieval finds candidates, the reader answers from them.

``Answerer`` is the wiring between the two halves: it checks the question, has the engine analyse
it (with a follow-up's earlier turns) and retrieve candidates with their whole articles, and hands
all of it to the ``Reader``. One log line per question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from knowledge.analysis.tokenize import stem, wordlist
from knowledge.errors import InvalidInput, QuestionTooLong
from knowledge.models import Answer, Turn
from knowledge.reader import Reader, Reading, is_follow_up
from knowledge.retrieval.candidates import Retrieval
from knowledge.retrieval.engine import SearchEngine
from knowledge.retrieval.query import Query
from knowledge.semantic.vectors import SemanticIndex

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEPTH = 24
# Words that frame a question more than they describe the answer; they still count, a little.
FRAMING = frozenset(
    stem(w)
    for w in wordlist("""much many time date year years called call thing kind happen happened name named make
    made want get got actually say said new one first really exactly currently
    deadline amount number total figure age long old far big cost price percentage stand""")
)


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
        *,
        reader: Reader | None = None,
        semantic: SemanticIndex | None = None,
        depth: int = DEPTH,
    ) -> None:
        self.engine = engine
        self.semantic = semantic
        self.reader = reader or Reader()
        self.depth = depth

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
        vectors = None
        if self.semantic is not None:
            vectors = await self.semantic.for_question(text, [c.passage for c in retrieval.candidates])
        reading = self.reader.read(text, retrieval, retrieval.articles, context, vectors)
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


__all__ = ["MAX_QUESTION_CHARS", "Answerer", "check_question"]
