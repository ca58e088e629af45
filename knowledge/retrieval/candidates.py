"""What retrieval hands the reader: the question's analysis, candidate passages and term statistics.

This is the whole interface between the two halves of answering ("candidates in, answer out"): the
reader never sees the index, the store or the engine, only these frozen values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge.models import Passage
from knowledge.retrieval.query import Query


@dataclass(frozen=True, slots=True)
class Candidate:
    """A retrieved passage with its raw BM25 score and the query's best possible score."""

    passage: Passage
    bm25: float
    max_score: float

    @property
    def normalised(self) -> float:
        return min(1.0, self.bm25 / self.max_score) if self.max_score > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Candidates for one query, best BM25 first, with the statistics the reader weighs words by.

    ``idf`` holds the inverse document frequency of every term of the query (each concept's
    alternatives included); a term the archive never saw has the highest IDF there is.
    """

    query: Query
    candidates: tuple[Candidate, ...]
    idf: Mapping[str, float] = field(default_factory=dict)
    documents: int = 0
    unknown: frozenset[str] = frozenset()  # query terms the archive has never seen
    # passage id -> the query's terms its document (text and title) holds, for every passage of the
    # candidates' articles that the index holds; None: the reader reads them off the texts
    terms_held: Mapping[int, frozenset[str]] | None = None
    # the candidates' whole articles by article id, passages in order, read with the candidates
    articles: Mapping[int, Sequence[Passage]] = field(default_factory=dict)

    def idf_of(self, term: str) -> float:
        return self.idf.get(term, 0.0)


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """How far this process's index is behind the database (readiness checks and metrics)."""

    documents: int  # passages the index holds
    pending: int  # changes in the database this index has not applied yet

    @property
    def caught_up(self) -> bool:
        return self.pending == 0
