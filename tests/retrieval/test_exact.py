"""tantivy's top k equals brute-force BM25 over the same terms, and deletes leave no trace in statistics.

The reference scores the way tantivy does: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.2,
b = 0.75, average length = all terms / documents, each term scaled by its query weight. Documents
have at most 40 terms, where tantivy's one-byte length encoding (fieldnorm) is exact.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict

import pytest

from knowledge.analysis.tokenize import terms
from knowledge.retrieval import bm25
from knowledge.retrieval.engine import SearchEngine
from tests.retrieval.fakes import MemoryStore

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "da", "fo"]


def _vocabulary(n: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def _archive(passages: int, seed: int = 3) -> tuple[MemoryStore, list[str]]:
    """Articles of 1-6 paragraphs of 3-24 words drawn from a Zipf-like vocabulary; a few per guild."""
    rng = random.Random(seed)
    vocab = _vocabulary(3000, rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    store = MemoryStore()
    made = 0
    while made < passages:
        count = min(rng.randint(1, 6), passages - made)
        paragraphs = [" ".join(rng.choices(vocab, weights, k=rng.randint(3, 24))) for _ in range(count)]
        guild = rng.choice([1, 2]) if rng.random() < 0.02 else None
        store.add_article("", paragraphs, guild=guild)
        made += count
    return store, vocab


class Reference:
    """Brute-force BM25 over every document's analysed terms (each term's documents listed once)."""

    def __init__(self, store: MemoryStore) -> None:
        self.docs = {pid: Counter(terms(p.text)) for pid, p in store.passages.items()}
        self.lengths = {pid: sum(c.values()) for pid, c in self.docs.items()}
        self.guilds = {pid: p.guild for pid, p in store.passages.items()}
        self.holding: dict[str, list[int]] = defaultdict(list)
        for pid, counts in self.docs.items():
            for term in counts:
                self.holding[term].append(pid)
        self.df = Counter({t: len(pids) for t, pids in self.holding.items()})
        self.n = len(self.docs)
        self.avg = sum(self.lengths.values()) / self.n
        assert max(self.lengths.values()) <= 40  # fieldnorms are exact up to here

    def scores(self, weights: dict[str, float], guild: int | None) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term, w in weights.items():
            idf = bm25.idf(self.df[term], self.n)
            for pid in self.holding[term]:
                if self.guilds[pid] in (None, guild):
                    tf = self.docs[pid][term]
                    out[pid] += w * bm25.term_score(tf, self.lengths[pid], self.avg, idf)
        return out


@pytest.fixture(scope="module")
def built() -> tuple[SearchEngine, Reference, list[str]]:
    store, vocab = _archive(60_500)
    engine = SearchEngine(store)
    asyncio.run(engine.catch_up())
    return engine, Reference(store), vocab


def test_top_k_equals_brute_force_bm25(built: tuple[SearchEngine, Reference, list[str]]) -> None:
    engine, reference, vocab = built
    assert engine.index.n_docs == reference.n >= 60_000
    rng = random.Random(11)
    checked = 0
    for q in range(40):
        picked = rng.sample(vocab[:40], 2) + rng.sample(vocab[40:], rng.randint(1, 4))
        weights = {t: rng.choice([1.0, 0.8, 0.5, 0.3]) for s in picked for t in terms(s)}
        guild = [None, 1, 2][q % 3]
        got = engine.index.search(weights, 10, guild)
        scores = reference.scores(weights, guild)
        want = sorted(scores.items(), key=lambda x: -x[1])[:10]
        assert len(got) == len(want)
        for (pid, score), (_, best) in zip(got, want, strict=True):
            assert reference.guilds[pid] in (None, guild)
            assert scores[pid] == pytest.approx(best, rel=1e-5)  # equal scores may come in any order
            assert score == pytest.approx(best, rel=1e-4)
        checked += 1
    assert checked == 40


def test_idf_is_the_reference_idf(built: tuple[SearchEngine, Reference, list[str]]) -> None:
    engine, reference, vocab = built
    for word in vocab[:5] + vocab[-5:]:
        term = terms(word)[0]
        assert engine.idf(term) == pytest.approx(bm25.idf(reference.df[term], reference.n))
    assert engine.idf("neverseenword") > max(engine.idf(terms(w)[0]) for w in vocab)


def _stats(engine: SearchEngine, vocabulary: list[str]) -> tuple[int, dict[str, int]]:
    """Live documents, and tantivy's own document frequency of every term (deleted documents included)."""
    searcher = engine.index._searcher
    return engine.index.n_docs, {t: searcher.doc_freq("terms", t) for t in vocabulary}


async def _fresh_stats(store: MemoryStore, vocabulary: list[str]) -> tuple[int, dict[str, int]]:
    fresh = MemoryStore()
    for aid in sorted(store.by_article):
        fresh.add_article("", [store.passages[p].text for p in store.by_article[aid]])
    engine = SearchEngine(fresh)
    await engine.catch_up()
    return _stats(engine, vocabulary)


def _churn(store: MemoryStore, rng: random.Random, vocab: list[str]) -> None:
    """Add a few articles, rewrite one and remove another."""
    for _ in range(5):
        store.add_article("", [" ".join(rng.choices(vocab, k=8)) for _ in range(3)])
    ids = sorted(store.by_article)
    store.add_article("", [" ".join(rng.choices(vocab, k=6))], article_id=rng.choice(ids))
    store.delete_article(rng.choice(sorted(store.by_article)))


async def test_statistics_after_deletes_and_a_merge_equal_a_fresh_build() -> None:
    rng = random.Random(5)
    vocab = _vocabulary(60, rng)
    store = MemoryStore()
    engine = SearchEngine(store)
    all_terms = sorted({t for w in vocab for t in terms(w)})
    for _ in range(8):  # a commit, so a segment, per round: eight small ones are merged into one
        _churn(store, rng, vocab)
        await engine.catch_up()
    engine.index.wait_merges()
    assert engine.index.segments == 1
    assert _stats(engine, all_terms) == await _fresh_stats(store, all_terms)


async def test_statistics_after_rebuild_equal_a_fresh_build() -> None:
    rng = random.Random(8)
    vocab = _vocabulary(60, rng)
    store = MemoryStore()
    engine = SearchEngine(store)
    all_terms = sorted({t for w in vocab for t in terms(w)})
    for _ in range(3):
        _churn(store, rng, vocab)
        await engine.catch_up()
    assert _stats(engine, all_terms) != await _fresh_stats(store, all_terms)  # deletes not purged yet
    await engine.rebuild()
    assert _stats(engine, all_terms) == await _fresh_stats(store, all_terms)
