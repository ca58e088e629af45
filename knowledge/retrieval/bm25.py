"""BM25 scoring as pure functions (Lucene variant: idf = ln(1 + (N - df + 0.5) / (df + 0.5))).

Kept free of any index structure so a test can check it against a naive reference, and so the
vectorised path (numpy arrays of postings) and the scalar path (sentence scoring) share one formula.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75


DEFAULT = BM25Params()


def idf(df: int | float, n_docs: int | float) -> float:
    """Inverse document frequency; always positive, even for terms in most documents."""
    return math.log1p((n_docs - df + 0.5) / (df + 0.5))


def term_score(tf: float, doc_len: float, avg_len: float, term_idf: float, p: BM25Params = DEFAULT) -> float:
    """One term's contribution to one document."""
    if tf <= 0:
        return 0.0
    norm = p.k1 * (1.0 - p.b + p.b * doc_len / avg_len)
    return term_idf * tf * (p.k1 + 1.0) / (tf + norm)


def term_scores(
    tf: npt.NDArray[np.uint16],
    doc_len: npt.NDArray[np.integer],
    avg_len: float,
    term_idf: float,
    p: BM25Params = DEFAULT,
) -> npt.NDArray[np.float32]:
    """``term_score`` for one term over all its postings at once (float32 to keep memory low)."""
    tf32 = tf.astype(np.float32)
    norm = np.float32(p.k1 * (1.0 - p.b)) + np.float32(p.k1 * p.b / avg_len) * doc_len.astype(np.float32)
    out = (np.float32(term_idf * (p.k1 + 1.0)) * tf32) / (tf32 + norm)
    return out.astype(np.float32, copy=False)
