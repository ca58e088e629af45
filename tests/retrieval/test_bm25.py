"""BM25 checked against a naive reference written straight from the formula."""

import math
from collections import Counter

import numpy as np
import pytest

from knowledge.retrieval import bm25
from knowledge.retrieval.index import Doc, InvertedIndex

DOCS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "cats and dogs and cats",
    "a bird in the hand",
    "the mat was red and the cat was black",
]


def reference_scores(
    docs: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75
) -> list[float]:
    n = len(docs)
    avg = sum(len(d) for d in docs) / n
    out = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for q in query:
            df = sum(1 for x in docs if q in x)
            if df == 0 or tf[q] == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(d) / avg))
        out.append(s)
    return out


def test_scalar_matches_reference() -> None:
    docs = [d.split() for d in DOCS]
    ref = reference_scores(docs, ["cat", "mat"])
    n, avg = len(docs), sum(map(len, docs)) / len(docs)
    for d, want in zip(docs, ref, strict=True):
        got = sum(
            bm25.term_score(d.count(t), len(d), avg, bm25.idf(sum(t in x for x in docs), n))
            for t in ("cat", "mat")
        )
        assert got == pytest.approx(want)


def test_vectorised_matches_scalar() -> None:
    tf = np.array([1, 2, 5], dtype=np.uint16)
    lengths = np.array([3, 10, 40], dtype=np.int32)
    got = bm25.term_scores(tf, lengths, 12.0, 1.7)
    want = [bm25.term_score(float(t), float(dl), 12.0, 1.7) for t, dl in zip(tf, lengths, strict=True)]
    assert got.dtype == np.float32
    assert got.tolist() == pytest.approx(want, rel=1e-5)


def test_index_ranks_like_reference() -> None:
    docs = [d.split() for d in DOCS]
    index = InvertedIndex()
    index.add([Doc(i + 1, None, d) for i, d in enumerate(docs)], watermark=len(docs))
    query = ["cat", "mat", "red"]
    ref = reference_scores(docs, query)
    hits = index.search(dict.fromkeys(query, 1.0), k=10, guild=None)
    assert [pid for pid, _ in hits] == sorted(
        (i + 1 for i, s in enumerate(ref) if s > 0), key=lambda pid: -ref[pid - 1]
    )
    for pid, score in hits:
        assert score == pytest.approx(ref[pid - 1], rel=1e-5)


def test_idf_is_positive_even_for_common_terms() -> None:
    assert bm25.idf(10, 10) > 0
    assert bm25.idf(1, 10) > bm25.idf(5, 10)
