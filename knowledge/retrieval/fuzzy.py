"""Typo tolerance: map query words the archive does not know onto words it does.

Only words absent from the index are touched (a known word is never "corrected" into a more common
one, which would break names), and words of three letters or fewer are left alone. Candidates come
from a bucket of vocabulary terms with the same first letter and a similar length, so a lookup
compares against a few thousand strings, not the whole vocabulary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

log = logging.getLogger(__name__)

MIN_LENGTH = 4
CUTOFF = 80.0
PREFIX_DISCOUNT = 0.9
SHORT_CUTOFF = 85.0  # four- and five-letter words need a closer match


class TypoCorrector:
    """Buckets over an append-only vocabulary, refreshed lazily as the vocabulary grows."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self._vocabulary = vocabulary
        self._seen = 0
        self._buckets: dict[tuple[str, int], list[str]] = {}

    def _refresh(self) -> None:
        vocab = self._vocabulary
        for term in vocab[self._seen : len(vocab)]:
            if len(term) >= MIN_LENGTH - 1 and not term[0].isdigit():
                self._buckets.setdefault((term[0], len(term)), []).append(term)
        self._seen = len(vocab)

    def candidates(
        self, term: str, df: Callable[[str], int], limit: int = 2, word: str | None = None
    ) -> list[tuple[str, float]]:
        """Known terms close to ``term`` as (term, similarity 0..1), best first.

        ``word`` is the unstemmed typed word: a typo often defeats the stemmer ("hspital" stays
        whole while "hospital" became "hospit"), so its prefixes are compared too. ``df`` breaks
        near-ties in favour of terms that occur in more documents.
        """
        if len(term) < MIN_LENGTH or term[0].isdigit():
            return []
        self._refresh()
        pool: list[str] = []
        lengths = {len(term), *((len(word), len(word) - 2) if word else ())}
        for length in range(min(lengths) - 2, max(lengths) + 3):
            pool.extend(self._buckets.get((term[0], length), ()))
        if not pool:
            return []
        cutoff = CUTOFF if len(word or term) > 5 else SHORT_CUTOFF
        best: dict[str, float] = {}
        probes = {term: 1.0}
        if word and len(word) > MIN_LENGTH + 1:
            probes |= {word: 1.0, word[:-2]: PREFIX_DISCOUNT}  # a prefix match is weaker evidence
        for probe, discount in probes.items():
            for cand, score, _ in process.extract(
                probe, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8
            ):
                best[cand] = max(best.get(cand, 0.0), discount * score / 100.0)
        ranked = sorted(
            ((cand, sim) for cand, sim in best.items() if df(cand) > 0),
            key=lambda cs: (-round(cs[1], 2), -df(cs[0])),
        )
        return ranked[:limit]
