"""Features of quote windows: one sentence, or two adjacent ones, of a candidate passage.

What tells a window that answers from one that merely shares words: how much of the question's
weight it covers (and its passage, its neighbours, its whole article), how tightly the matched words
sit, whether it holds a span of the kind asked for (the span model's probability), where BM25 put
its passage, and, with sentence embeddings, how close it is in meaning. The window model in
``weights.json`` combines them; ``bench/fit.py`` computes the very same rows to fit it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.analysis.sentences import quote_sentences as sentences
from knowledge.analysis.tokenize import STOPWORDS, stem, word_spans, words
from knowledge.models import Passage
from knowledge.reader.model import LinearModel
from knowledge.reader.pick import SpanChoice, best_span
from knowledge.reader.question import QuestionView
from knowledge.reader.semantic import SentenceVectors
from knowledge.retrieval.candidates import Candidate

log = logging.getLogger(__name__)

WINDOW_FEATURES: tuple[str, ...] = (
    "sent_cov",
    "sent_cov_sq",
    "pass_cov",
    "ctx_cov",
    "title_cov",
    "art_cov",
    "bm25",
    "bm25_top",
    "bm25_first",
    "bm25_rank",
    "prox",
    "two_sent",
    "span_p",
    "no_span",
    "span_p_value",
    "focus_cov",
    "rarest_in_window",
    "missing_numbers",
    "window_len",
    "cov_gap_article",
    "span_gap_article",
    "cov_gap_all",
    "bigrams",
    "span_x_cov",
    "span_p_name",
    "sent_bm25",
    "sem_window",
    "sem_pass",
    "sem_best",
    "sem_gap",
    "sem_gap_article",
)
AVERAGE_SENTENCE_TERMS = 14.0  # content words in a news sentence, for sentence-level BM25
SEMANTIC_FEATURES = frozenset({"sem_window", "sem_pass", "sem_best", "sem_gap", "sem_gap_article"})
# Features that compare a window with its rivals (the best of its article, the best of all): filled in
# once every window is known, since choosing a sentence within the right article is the hard part.
_RELATIVE = (
    ("cov_gap_article", "sent_cov", True),
    ("span_gap_article", "span_p", True),
    ("cov_gap_all", "sent_cov", False),
    ("sem_gap_article", "sem_window", True),
)


@dataclass(frozen=True, slots=True)
class Window:
    """A quote candidate: sentences ``first..last`` of candidate ``index``, with its features."""

    index: int  # position of the passage among the candidates
    first: int
    last: int
    start: int  # character offsets of the window in the passage text
    end: int
    span: SpanChoice | None  # offsets relative to the window
    x: tuple[float, ...]


@lru_cache(maxsize=8192)
def analyse(text: str) -> tuple[tuple[tuple[str, int], ...], ...]:
    """Per sentence of ``text``, (stem, offset) of each content word (cached per text).

    Each sentence is tokenised on its own, which leaves its tokens in the tokeniser's cache for the
    span search that follows; where a sentence boundary could cut a word or words lie between
    sentences, the whole text is tokenised instead, so the result never depends on the route.
    """
    sents = sentences(text)
    if _split_cleanly(text, sents):
        return tuple(
            tuple((stem(w), a + x) for w, x, _ in word_spans(text[a:b]) if w not in STOPWORDS)
            for a, b in sents
        )
    out: list[list[tuple[str, int]]] = [[] for _ in sents]
    i = 0
    for w, a, _ in word_spans(text):
        while i + 1 < len(sents) and a >= sents[i + 1][0]:
            i += 1
        if w not in STOPWORDS:
            out[i].append((stem(w), a))
    return tuple(tuple(s) for s in out)


def _split_cleanly(text: str, sents: Sequence[tuple[int, int]]) -> bool:
    """No letter or digit outside the sentences, and every sentence edge touches whitespace.

    Tokens hold no whitespace and start with a letter or digit, so then each token lies inside
    exactly one sentence and tokenising sentence by sentence gives the same tokens.
    """
    if not sents:
        return False
    edges = [0, *(x for pair in sents for x in pair), len(text)]
    if any(ch.isalnum() for x, y in zip(edges[0::2], edges[1::2], strict=True) for ch in text[x:y]):
        return False
    return all(
        p in (0, len(text)) or text[p - 1].isspace() or text[p].isspace() for pair in sents for p in pair
    )


@lru_cache(maxsize=8192)
def term_set(text: str) -> frozenset[str]:
    """``frozenset(terms(text))``, stemming each distinct word once: whole articles are read per ask."""
    distinct = set(words(text))
    distinct.difference_update(STOPWORDS)
    return frozenset(map(stem, distinct))


def question_terms(
    q: QuestionView, held: Mapping[int, frozenset[str]] | None
) -> Callable[[Passage], frozenset[str]]:
    """Which of the question's terms a passage holds with its title (all that coverage asks of it).

    ``held``: retrieval's reading of the same off the index, for the passages the index holds;
    any other passage is tokenised here, which gives the same set.
    """
    wanted = q.stems | {c.term for c in q.concepts}

    def holds(p: Passage) -> frozenset[str]:
        if held is not None:
            known = held.get(p.id)
            if known is not None:
                return known
        return wanted.intersection(term_set(p.text)) | wanted.intersection(term_set(p.title or ""))

    return holds


def windows(
    q: QuestionView,
    candidates: Sequence[Candidate],
    articles: Mapping[int, Sequence[Passage]],
    span_model: LinearModel,
    vectors: SentenceVectors | None = None,
    held: Mapping[int, frozenset[str]] | None = None,
) -> list[Window]:
    """Every quote window of every candidate, with its ``WINDOW_FEATURES`` (``held``: ``question_terms``)."""
    if not candidates:
        return []
    top_bm25 = max(c.bm25 for c in candidates) or 1.0
    sem = _semantic_by_candidate(candidates, vectors)
    best_sem = max((max(s) for s in sem if s), default=0.0)
    wanted = q.stems
    rarest = max(q.concepts, key=lambda c: c.idf).alternatives if q.concepts else frozenset()
    rows: list[tuple[int, int, int, int, int, SpanChoice | None, dict[str, float]]] = []
    holds = question_terms(q, held)
    article_terms: dict[int, frozenset[str]] = {}  # several candidates often share an article
    # and sentences: wire copies and follow-ups repeat them word for word (the span only reads its sentence)
    span_of: dict[str, SpanChoice | None] = {}
    for index, c in enumerate(candidates):
        p = c.passage
        article = articles.get(p.article_id, ())
        own = holds(p)  # with the title's
        title = term_set(p.title or "")
        around = set(own)
        for other in article:
            if abs(other.position - p.position) == 1:
                around |= holds(other)
        if p.article_id not in article_terms:
            article_terms[p.article_id] = frozenset().union(*(holds(other) for other in article))
        whole = around | article_terms[p.article_id]
        passage_level = {
            "pass_cov": q.covered(own),
            "ctx_cov": q.covered(around),
            "title_cov": q.covered(title),
            "art_cov": q.covered(whole),
            "bm25": c.normalised,
            "bm25_top": c.bm25 / top_bm25,
            "bm25_first": float(index == 0),
            "bm25_rank": math.log1p(index) / math.log1p(len(candidates)),
            "missing_numbers": _missing_numbers(q, whole),
        }
        # what the question asks beyond the article's topic: its concepts the title does not name
        focus = [c for c in q.concepts if c.alternatives.isdisjoint(title)]
        focus_mass = sum(c.mass for c in focus)
        scores = sem[index]
        if scores:
            passage_level["sem_pass"] = max(scores)
            passage_level["sem_best"] = float(max(scores) >= best_sem)
            passage_level["sem_gap"] = best_sem - max(scores)
        by_sentence = analyse(p.text)
        spans = sentences(p.text)
        picked = []
        for a, b in spans:
            sentence = p.text[a:b]
            if sentence not in span_of:
                span_of[sentence] = best_span(sentence, q, span_model)
            picked.append(span_of[sentence])
        for i in range(len(spans)):
            for j in (i, i + 1):
                if j >= len(spans):
                    continue
                window_terms = by_sentence[i] if j == i else by_sentence[i] + by_sentence[j]
                present = {t for t, _ in window_terms}
                cov = q.covered(present)
                span = picked[i]
                inner = picked[j] if j > i else None
                if inner is not None and (span is None or inner.probability > span.probability):
                    shift = spans[j][0] - spans[i][0]
                    span = SpanChoice(inner.span.shifted(shift), inner.probability)
                span_p = span.probability if span else 0.0
                row = {
                    **passage_level,
                    "sent_cov": cov,
                    "sent_cov_sq": cov * cov,
                    "prox": _proximity(window_terms, wanted),
                    "two_sent": float(j > i),
                    "span_p": span_p,
                    "no_span": float(span is None),
                    "span_p_value": span_p * q.wants_value,
                    "focus_cov": (
                        sum(c.mass for c in focus if not c.alternatives.isdisjoint(present)) / focus_mass
                        if focus_mass
                        else 1.0
                    ),
                    "rarest_in_window": float(not rarest.isdisjoint(present)),
                    "window_len": min(len(window_terms), 60) / 60,
                    "bigrams": _bigrams(window_terms, q.bigrams),
                    "span_x_cov": span_p * cov,
                    "span_p_name": span_p * (q.qtype in ("who", "where", "what")),
                    "sent_bm25": _sentence_bm25(q, window_terms),
                }
                if scores:
                    row["sem_window"] = max(scores[i : j + 1])
                rows.append((index, i, j, spans[i][0], spans[j][1], span, row))
    _relative(rows, [c.passage.article_id for c in candidates])
    return [
        Window(index, i, j, a, b, span, tuple(row.get(name, 0.0) for name in WINDOW_FEATURES))
        for index, i, j, a, b, span, row in rows
    ]


def _relative(
    rows: Sequence[tuple[int, int, int, int, int, SpanChoice | None, dict[str, float]]],
    article_of: Sequence[int],
) -> None:
    """Each window's distance to the best value of its article and of all windows (0 for the best)."""
    for name, source, per_article in _RELATIVE:
        best: dict[int, float] = {}
        for index, *_, row in rows:
            key = article_of[index] if per_article else 0
            best[key] = max(best.get(key, float("-inf")), row.get(source, 0.0))
        for index, *_, row in rows:
            key = article_of[index] if per_article else 0
            row[name] = row.get(source, 0.0) - best[key]


def _semantic_by_candidate(
    candidates: Sequence[Candidate], vectors: SentenceVectors | None
) -> list[list[float]]:
    """Per candidate, the cosine of each sentence with the question (empty without vectors)."""
    if vectors is None:
        return [[] for _ in candidates]
    out = []
    for c in candidates:
        sims = vectors.similarities(c.passage.id)
        out.append(sims if sims is not None and len(sims) == len(sentences(c.passage.text)) else [])
    return out


def _missing_numbers(q: QuestionView, present: Collection[str]) -> float:
    """Numbers the question names ("2022", "ios 13") that the article never mentions."""
    return float(sum(1 for c in q.concepts if c.numeric and c.term not in present))


def _proximity(window: Sequence[tuple[str, int]], wanted: Collection[str]) -> float:
    """1 when the distinct matched words sit next to each other, falling with the gap between them."""
    hits = [i for i, (t, _) in enumerate(window) if t in wanted]
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


def _bigrams(window: Sequence[tuple[str, int]], wanted: frozenset[tuple[str, str]]) -> float:
    """Share of the question's adjacent content-word pairs that also sit side by side in the window."""
    if not wanted:
        return 0.0
    seen = {(window[k][0], window[k + 1][0]) for k in range(len(window) - 1)}
    return len(wanted & seen) / len(wanted)


def _sentence_bm25(
    q: QuestionView, window: Sequence[tuple[str, int]], k1: float = 1.2, b: float = 0.75
) -> float:
    """BM25 of the window alone (repeated words count, long windows are discounted), over its ideal."""
    length = len(window) or 1
    counts: dict[str, int] = {}
    for term, _ in window:
        counts[term] = counts.get(term, 0) + 1
    norm = k1 * (1 - b + b * length / AVERAGE_SENTENCE_TERMS)
    score = 0.0
    for c in q.concepts:
        tf = sum(counts.get(t, 0) for t in c.alternatives)
        if tf:
            score += c.mass * tf * (k1 + 1) / (tf + norm)
    return score / (q.total * (k1 + 1))
