"""Re-rank retrieved passages by how well one of their sentences answers the question.

BM25 finds the right article nearly always; picking the right paragraph needs more: the share of
the question's (IDF-weighted) words a single sentence covers, whether that sentence holds the kind
of answer asked for, how tightly the matched words sit together, and context (the article title and
the neighbouring paragraphs, which often carry the words the answering paragraph leaves out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.analysis.sentences import sentence_spans
from knowledge.analysis.tokenize import STOPWORDS, stem, word_spans
from knowledge.reader.pick import best_span
from knowledge.reader.qtype import QType
from knowledge.reader.spans import Span
from knowledge.retrieval.candidates import Candidate
from knowledge.retrieval.query import Query

log = logging.getLogger(__name__)

# Typed answers that are easy to spot (numbers, dates) say more than a capitalised word does.
_KIND_STRENGTH = {"name": 0.6, "quote": 0.6, "called": 1.0, "headname": 1.0, "clause": 0.0}


@dataclass(frozen=True, slots=True)
class Features:
    passage_cov: float  # share of query mass found in passage text + title
    context_cov: float  # ... in passage + title + neighbouring retrieved paragraphs
    sentence_cov: float  # ... in the best sentence window
    typed: float  # 0..1, the window holds an answer of the wanted kind (and how clearly)
    proximity: float  # 0..1, matched words close together
    bm25: float  # normalised BM25 of the passage


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    quote_start: int  # character offsets of the quote in the passage text
    quote_end: int
    span: Span | None  # offsets relative to the quote
    features: Features
    score: float


WEIGHTS = Features(passage_cov=0.3, context_cov=0.15, sentence_cov=0.2, typed=0.3, proximity=0.05, bm25=0.1)
# Questions that want a value (a date, a number, an age) are answered by a sentence that holds one, and
# values are spotted reliably; names and "what" answers are not, so they lean on coverage instead.
VALUE_WEIGHTS = Features(
    passage_cov=0.3, context_cov=0.15, sentence_cov=0.2, typed=0.5, proximity=0.05, bm25=0.1
)
VALUE_TYPES = frozenset({"when", "how_many", "how_much", "how_long", "how_old"})


def combine(f: Features, w: Features = WEIGHTS) -> float:
    return (
        w.passage_cov * f.passage_cov
        + w.context_cov * f.context_cov
        + w.sentence_cov * f.sentence_cov
        + w.typed * f.typed
        + w.proximity * f.proximity
        + w.bm25 * f.bm25
    )


TYPED_POOL = 10  # span extraction is the costly part: only the best few by cheap features get it


def rank(
    candidates: list[Candidate],
    query: Query,
    idf: Callable[[str], float],
    qtype: QType,
    hints: tuple[str, ...],
) -> list[Ranked]:
    """Candidates re-scored and sorted best first, each with its best quote window and span.

    Two passes keep this cheap: coverage and proximity for every candidate, then answer-type
    spans only for the ``TYPED_POOL`` best of those.
    """
    concepts = [(c.alternatives, idf(c.term) * c.weight) for c in query.concepts]
    total = sum(m for _, m in concepts) or 1.0
    term_sets = [_term_set(c.passage.text) | _term_set(c.passage.title or "") for c in candidates]
    where = {(c.passage.article_id, c.passage.position): i for i, c in enumerate(candidates)}
    covs = []
    for i, c in enumerate(candidates):
        around = set(term_sets[i])
        for delta in (-1, 1):
            j = where.get((c.passage.article_id, c.passage.position + delta))
            if j is not None:
                around |= term_sets[j]
        covs.append((_cover(concepts, term_sets[i]) / total, _cover(concepts, around) / total))
    stems = query.stems
    cheap = [_rank_one(c, concepts, total, stems, None, hints, *covs[i]) for i, c in enumerate(candidates)]
    order = sorted(range(len(cheap)), key=lambda i: cheap[i].score, reverse=True)
    out = [
        _rank_one(candidates[i], concepts, total, stems, qtype, hints, *covs[i]) for i in order[:TYPED_POOL]
    ]
    out.extend(cheap[i] for i in order[TYPED_POOL:])
    out.sort(key=lambda r: r.score, reverse=True)
    return out


def _cover(concepts: Sequence[tuple[frozenset[str], float]], present: Collection[str]) -> float:
    """Query mass of the concepts with at least one alternative in ``present``."""
    return sum(m for alts, m in concepts if not alts.isdisjoint(present))


def _rank_one(
    c: Candidate,
    concepts: Sequence[tuple[frozenset[str], float]],
    total: float,
    question_stems: set[str],
    qtype: QType | None,
    hints: tuple[str, ...],
    passage_cov: float,
    context_cov: float,
) -> Ranked:
    """Best quote window of one passage; ``qtype=None`` skips span extraction (cheap pass)."""
    text = c.passage.text
    wanted = {t for alts, _ in concepts for t in alts}
    by_sentence, sents = _analyse(text)
    typed_by_sentence: list[tuple[float, Span | None]] = []
    for a, b in sents:
        picked = best_span(text[a:b], qtype, hints, question_stems) if qtype else None
        if picked is None:
            typed_by_sentence.append((0.0, None))
        else:
            strength = _KIND_STRENGTH.get(picked[0].kind, 1.0) * max(0.0, min(picked[1], 1.5)) / 1.5
            typed_by_sentence.append((strength, picked[0]))
    # Within a passage, a value question wants the sentence holding a value more than the wordiest one.
    typed_weight = 0.6 if qtype in VALUE_TYPES else 0.3
    best: tuple[float, int, int, float, float, float, Span | None] | None = None
    for i in range(len(sents)):
        for j in (i, i + 1):
            if j >= len(sents):
                continue
            a, b = sents[i][0], sents[j][1]
            window = by_sentence[i] if j == i else by_sentence[i] + by_sentence[j]
            cov = _cover(concepts, {t for t, _ in window}) / total
            if j > i:
                cov *= 0.9  # two sentences: a little less precise
            prox = _proximity(window, wanted)
            typed, span = typed_by_sentence[i]
            if j > i and typed_by_sentence[j][0] > typed:
                typed, inner = typed_by_sentence[j]
                shift = sents[j][0] - a
                span = Span(inner.start + shift, inner.end + shift, inner.kind) if inner else None
            key = cov + typed_weight * typed + 0.05 * prox
            if best is None or key > best[0]:
                best = (key, a, b, cov, prox, typed, span)
    assert best is not None
    _, a, b, cov, prox, typed, span = best
    f = Features(passage_cov, context_cov, cov, typed, prox, c.normalised)
    return Ranked(c, a, b, span, f, combine(f, VALUE_WEIGHTS if qtype in VALUE_TYPES else WEIGHTS))


@lru_cache(maxsize=4096)
def _analyse(text: str) -> tuple[list[list[tuple[str, int]]], list[tuple[int, int]]]:
    """Per sentence, (stem, offset) of each content word; and the sentence spans (cached per text)."""
    sents = sentence_spans(text) or [(0, len(text))]
    by_sentence: list[list[tuple[str, int]]] = [[] for _ in sents]
    i = 0
    for w, a, _ in word_spans(text):
        while i + 1 < len(sents) and a >= sents[i + 1][0]:
            i += 1
        if w not in STOPWORDS:
            by_sentence[i].append((stem(w), a))
    return by_sentence, sents


@lru_cache(maxsize=4096)
def _term_set(text: str) -> frozenset[str]:
    """Index terms of a passage (the same stems ``terms`` gives, from the cached analysis)."""
    return frozenset(t for sentence in _analyse(text)[0] for t, _ in sentence)


def _proximity(window: list[tuple[str, int]], mass: Collection[str]) -> float:
    """1 when the distinct matched words sit next to each other, falling with the gap between them."""
    hits = [i for i, (t, _) in enumerate(window) if t in mass]
    distinct = len({window[i][0] for i in hits})
    if distinct < 2:
        return 0.0
    best = len(window)
    for k in range(len(hits)):
        seen: set[str] = set()
        for m in range(k, len(hits)):
            seen.add(window[hits[m]][0])
            if len(seen) == distinct:
                best = min(best, hits[m] - hits[k] + 1)
                break
    return distinct / best
