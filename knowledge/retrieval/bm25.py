"""BM25 as pure functions, the way tantivy scores (k1 = 1.2, b = 0.75, Lucene's always-positive idf).

The index itself scores inside tantivy; these are for what the engine computes around it (IDF of
query terms for the reader, the ideal score that normalises hits to [0, 1]) and for tests that
check tantivy's ranking against a brute-force reference.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75


DEFAULT = BM25Params()


def idf(df: int | float, n_docs: int | float) -> float:
    """Inverse document frequency, ln(1 + (N - df + 0.5) / (df + 0.5)); always positive."""
    return math.log1p((n_docs - df + 0.5) / (df + 0.5))


def term_score(tf: float, doc_len: float, avg_len: float, term_idf: float, p: BM25Params = DEFAULT) -> float:
    """One term's contribution to one document."""
    if tf <= 0:
        return 0.0
    norm = p.k1 * (1.0 - p.b + p.b * doc_len / avg_len)
    return term_idf * tf * (p.k1 + 1.0) / (tf + norm)
