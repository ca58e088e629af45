"""The BM25 helpers the engine computes around tantivy (IDF for the reader, the ideal score)."""

import math

from knowledge.retrieval import bm25


def test_idf_is_lucenes_and_always_positive() -> None:
    assert bm25.idf(3, 100) == math.log(1 + (100 - 3 + 0.5) / (3 + 0.5))
    assert bm25.idf(100, 100) > 0  # a term in every document still counts a little
    assert bm25.idf(0, 100) > bm25.idf(1, 100) > bm25.idf(50, 100)  # never seen: the highest


def test_term_score_saturates_and_prefers_short_documents() -> None:
    one, many = bm25.term_score(1, 10, 10, 2.0), bm25.term_score(50, 10, 10, 2.0)
    assert 0 < one < many < 2.0 * (bm25.DEFAULT.k1 + 1)  # bounded by idf * (k1 + 1): the ideal score
    assert bm25.term_score(1, 5, 10, 2.0) > bm25.term_score(1, 20, 10, 2.0)
    assert bm25.term_score(0, 10, 10, 2.0) == 0.0
