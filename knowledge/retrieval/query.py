"""A question as search sees it: weighted index terms for BM25 and concepts for coverage.

A concept is one thing the question asks about (a typed word) together with the words that may
stand in for it (typo corrections, synonyms, expansions of abbreviations). BM25 scores every
alternative at its own weight; coverage counts a concept once, when any alternative is present, so
adding synonyms never makes a passage look less complete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from knowledge.analysis.tokenize import STOPWORDS, query_words, stem
from knowledge.retrieval.synonyms import ABBREVIATIONS, synonyms

log = logging.getLogger(__name__)

SYNONYM_WEIGHT = 0.5
TYPO_RETRIEVAL = 0.8
RARE_DF = 3  # a known word this rare may still be a typo of a common one
RARE_MIN_LENGTH = 6
RARE_SIMILARITY = 0.85
RARE_NEIGHBOUR = 0.5
_WEAK_EXPANSION = frozenset({"new", "unit", "citi", "state", "chief", "south", "north"})


@dataclass(frozen=True, slots=True)
class Concept:
    term: str  # the stem as typed (or its typo correction)
    weight: float
    alternatives: frozenset[str]  # includes ``term``


@dataclass(slots=True)
class Query:
    weights: dict[str, float] = field(default_factory=dict)
    concepts: list[Concept] = field(default_factory=list)

    def add(self, concept: Concept, extra: Mapping[str, float]) -> None:
        if any(c.term == concept.term for c in self.concepts):
            return
        self.concepts.append(concept)
        for term, w in {concept.term: concept.weight, **extra}.items():  # ``extra`` may lower the term
            self.weights[term] = max(self.weights.get(term, 0.0) if term != concept.term else 0.0, w)

    @property
    def stems(self) -> set[str]:
        return {t for c in self.concepts for t in c.alternatives}


def build_query(
    text: str,
    correct: Callable[[str, str], list[tuple[str, float]]],
    known: Callable[[str], bool],
    framing: frozenset[str] = frozenset(),
    scale: float = 1.0,
    into: Query | None = None,
    df: Callable[[str], int] | None = None,
) -> Query:
    """Analyse ``text``: ``known`` says if the index has a term, ``correct(stem, word)`` proposes fixes.

    With ``df``, a rare known word ("allan" typed for "alliance") also gets its close, more common
    neighbour as an alternative; the word itself is kept, since rare words are often names.
    """
    query = into if into is not None else Query()
    for word in query_words(text):
        if word in STOPWORDS:
            continue
        term = stem(word)
        weight = (0.3 if term in framing else 1.0) * scale
        if word in ABBREVIATIONS:
            expansion = [stem(w) for w in ABBREVIATIONS[word].split()]
            alts = {term, *(e for e in expansion if e not in _WEAK_EXPANSION)}
            query.add(Concept(term, weight, frozenset(alts)), {e: SYNONYM_WEIGHT * weight for e in expansion})
            continue
        extra: dict[str, float] = {}
        if not known(term) and not word[0].isdigit():
            fixes = correct(term, word)
            if fixes:
                fixed, similarity = fixes[0]
                # As important to cover as a word typed right, but retrieval trusts it a bit less.
                term, weight = fixed, weight * similarity
                extra = {term: TYPO_RETRIEVAL * weight}
        elif df is not None and len(word) >= RARE_MIN_LENGTH and not word[0].isdigit():
            seen = df(term)
            if 0 < seen <= RARE_DF:
                for fixed, similarity in correct(term, word):
                    if fixed != term and similarity >= RARE_SIMILARITY and df(fixed) >= 2 * seen:
                        extra = {fixed: RARE_NEIGHBOUR * weight}
                        break
        syn = {s for s in synonyms(term) if known(s)} | set(extra)
        query.add(
            Concept(term, weight, frozenset({term, *syn})),
            {**{s: SYNONYM_WEIGHT * weight for s in syn}, **extra},
        )
    return query
