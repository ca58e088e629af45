"""The reader's view of a question: its type, hints and the weight of each concept it asks about.

Computed once per question from retrieval's analysis (``Query``) and the archive's IDF, then shared
by every feature: sentences, spans and confidence all weigh the question's words the same way.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.analysis.tokenize import terms
from knowledge.reader.qtype import QType, question_type, wants
from knowledge.retrieval.query import Query

log = logging.getLogger(__name__)

VALUE_TYPES = frozenset({"when", "how_many", "how_much", "how_long", "how_old"})


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing asked about: the words that may stand for it and its share of the question."""

    term: str
    alternatives: frozenset[str]
    mass: float  # IDF x analysis weight
    idf: float
    numeric: bool


@dataclass(frozen=True, slots=True)
class QuestionView:
    text: str
    qtype: QType
    hints: tuple[str, ...]
    concepts: tuple[Concept, ...]
    total: float  # sum of concept masses (never 0)
    stems: frozenset[str]  # every alternative of every concept
    max_idf: float
    bigrams: frozenset[tuple[str, str]]  # adjacent content words of the question, as stems

    @property
    def wants_value(self) -> bool:
        return self.qtype in VALUE_TYPES

    @property
    def heads(self) -> frozenset[str]:
        """Stems of the noun after which/what ("which lake" -> lake)."""
        return frozenset(h[5:] for h in self.hints if h.startswith("head:"))

    def covered(self, present: frozenset[str] | set[str]) -> float:
        """Share of the question's mass with at least one alternative in ``present``."""
        got = sum(c.mass for c in self.concepts if not c.alternatives.isdisjoint(present))
        return got / self.total


def view(question: str, query: Query, idf: Callable[[str], float]) -> QuestionView:
    """Combine the question's type and hints with retrieval's concepts and their IDF."""
    concepts = tuple(
        Concept(c.term, c.alternatives, idf(c.term) * c.weight, idf(c.term), c.term[:1].isdigit())
        for c in query.concepts
    )
    total = sum(c.mass for c in concepts) or 1.0
    stems = frozenset(t for c in concepts for t in c.alternatives)
    max_idf = max((c.idf for c in concepts), default=0.0)
    typed = terms(question)
    bigrams = frozenset(itertools.pairwise(typed))
    return QuestionView(
        question, question_type(question), wants(question), concepts, total, stems, max_idf, bigrams
    )
