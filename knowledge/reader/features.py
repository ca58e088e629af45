"""Features of quote windows: one sentence, or two adjacent ones, of a candidate passage.

What tells a window that answers from one that merely shares words: how much of the question's
weight it covers (and its passage, its neighbours, its whole article), how tightly the matched words
sit, whether it holds a span of the kind asked for (the span model's probability), where BM25 put
its passage, and, with sentence embeddings, how close it is in meaning. The window model in
``weights.json`` combines them; ``bench/fit.py`` computes the very same rows to fit it.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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
            tuple([(stem(w), a + x) for w, x, _ in word_spans(text[a:b]) if w not in STOPWORDS])
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
    # the question's concepts as bits (``_bits``); the rarest is the first of most IDF, as ``max`` picks
    rarest = 1 << max(range(len(q.concepts)), key=lambda k: q.concepts[k].idf) if q.concepts else 0
    coverage: dict[int, float] = {}  # by the concepts a window mentions
    rows: list[tuple[int, int, int, int, int, SpanChoice | None, list[float]]] = []
    holds = question_terms(q, held)
    article_terms: dict[int, frozenset[str]] = {}  # several candidates often share an article
    at_position: dict[int, dict[int, list[Passage]]] = {}  # and their neighbours are looked up by position
    # and sentences: wire copies and follow-ups repeat them word for word (the span only reads its sentence)
    span_of: dict[str, SpanChoice | None] = {}
    for index, c in enumerate(candidates):
        p = c.passage
        article = articles.get(p.article_id, ())
        own = holds(p)  # with the title's
        title = term_set(p.title or "")
        if p.article_id not in article_terms:
            article_terms[p.article_id] = frozenset().union(*(holds(other) for other in article))
            at_position[p.article_id] = {}
            for other in article:
                at_position[p.article_id].setdefault(other.position, []).append(other)
        around = set(own)
        for position in (p.position - 1, p.position + 1):
            for other in at_position[p.article_id].get(position, ()):
                around |= holds(other)
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
        focus = _bits(c.alternatives.isdisjoint(title) for c in q.concepts)
        focus_mass = _mass(q, focus)
        focus_coverage: dict[int, float] = {}
        scores = sem[index]
        if scores:
            passage_level["sem_pass"] = max(scores)
            passage_level["sem_best"] = float(max(scores) >= best_sem)
            passage_level["sem_gap"] = best_sem - max(scores)
        base = [passage_level.get(name, 0.0) for name in WINDOW_FEATURES]
        spans = sentences(p.text)
        read = [_SentenceTerms.of(q, terms) for terms in analyse(p.text)]
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
                terms = read[i] if j == i else read[i].followed_by(read[j], q)
                if terms.concepts not in coverage:
                    coverage[terms.concepts] = _mass(q, terms.concepts) / q.total
                cov = coverage[terms.concepts]
                in_focus = terms.concepts & focus
                if in_focus not in focus_coverage:
                    focus_coverage[in_focus] = _mass(q, in_focus) / focus_mass if focus_mass else 1.0
                span = picked[i]
                inner = picked[j] if j > i else None
                if inner is not None and (span is None or inner.probability > span.probability):
                    shift = spans[j][0] - spans[i][0]
                    span = SpanChoice(inner.span.shifted(shift), inner.probability)
                span_p = span.probability if span else 0.0
                row = base.copy()
                row[_AT["sent_cov"]] = cov
                row[_AT["sent_cov_sq"]] = cov * cov
                row[_AT["prox"]] = terms.proximity()
                row[_AT["two_sent"]] = float(j > i)
                row[_AT["span_p"]] = span_p
                row[_AT["no_span"]] = float(span is None)
                row[_AT["span_p_value"]] = span_p * q.wants_value
                row[_AT["focus_cov"]] = focus_coverage[in_focus]
                row[_AT["rarest_in_window"]] = float(bool(terms.concepts & rarest))
                row[_AT["window_len"]] = min(terms.length, 60) / 60
                row[_AT["bigrams"]] = len(terms.bigrams) / len(q.bigrams) if q.bigrams else 0.0
                row[_AT["span_x_cov"]] = span_p * cov
                row[_AT["span_p_name"]] = span_p * (q.qtype in ("who", "where", "what"))
                row[_AT["sent_bm25"]] = terms.bm25(q)
                if scores:
                    row[_AT["sem_window"]] = max(scores[i : j + 1])
                rows.append((index, i, j, spans[i][0], spans[j][1], span, row))
    _relative(rows, [c.passage.article_id for c in candidates])
    return [Window(index, i, j, a, b, span, tuple(row)) for index, i, j, a, b, span, row in rows]


_AT = {name: k for k, name in enumerate(WINDOW_FEATURES)}


def _bits(flags: Iterable[bool]) -> int:
    """Per concept of the question, in its order, a flag: as the bits of one int."""
    return sum(1 << k for k, flag in enumerate(flags) if flag)


def _mass(q: QuestionView, bits: int) -> float:
    """The summed mass of the concepts in ``bits``, added in the question's order as ``covered`` does."""
    return sum(c.mass for k, c in enumerate(q.concepts) if bits >> k & 1)


@dataclass(frozen=True, slots=True)
class _SentenceTerms:
    """What a window's word features read off its content words, kept so that two sentences join.

    A two-sentence window's features were computed on the two word lists joined; every one of them
    is a count or a set over those words (or their adjacent pairs), so it joins exactly from the
    two sentences' own, and each sentence is read once instead of in up to three windows.
    """

    length: int  # content words
    concepts: int  # bits of the question's concepts it mentions
    at: tuple[int, ...]  # positions of the question's words among its content words
    matched: tuple[str, ...]  # those words
    bigrams: frozenset[tuple[str, str]]  # question bigrams that sit side by side in it
    first: str | None
    last: str | None
    tf: tuple[int, ...]  # per concept, occurrences of its alternatives

    @classmethod
    def of(cls, q: QuestionView, terms: Sequence[tuple[str, int]]) -> _SentenceTerms:
        stems = [t for t, _ in terms]
        present = set(stems)
        concepts = 0
        tf = []
        for k, c in enumerate(q.concepts):
            if c.alternatives.isdisjoint(present):
                tf.append(0)
            else:
                concepts |= 1 << k
                tf.append(sum(stems.count(t) for t in c.alternatives if t in present))
        # the question's words are its concepts' alternatives: none here if no concept is
        at = tuple(k for k, t in enumerate(stems) if t in q.stems) if concepts else ()
        return cls(
            len(stems),
            concepts,
            at,
            tuple(stems[k] for k in at),
            q.bigrams.intersection(itertools.pairwise(stems)) if q.bigrams else frozenset(),
            stems[0] if stems else None,
            stems[-1] if stems else None,
            tuple(tf),
        )

    def followed_by(self, other: _SentenceTerms, q: QuestionView) -> _SentenceTerms:
        """The two sentences' words as one list: this one's, then ``other``'s."""
        bigrams = self.bigrams | other.bigrams
        if self.last is not None and other.first is not None and (self.last, other.first) in q.bigrams:
            bigrams = bigrams | {(self.last, other.first)}
        return _SentenceTerms(
            self.length + other.length,
            self.concepts | other.concepts,
            self.at + tuple(self.length + k for k in other.at),
            self.matched + other.matched,
            bigrams,
            self.first if self.first is not None else other.first,
            other.last if other.last is not None else self.last,
            tuple(a + b for a, b in zip(self.tf, other.tf, strict=True)),
        )

    def proximity(self) -> float:
        """1 when the distinct matched words sit next to each other, falling with the gap between them."""
        distinct = len(set(self.matched))
        if distinct < 2:
            return 0.0
        best = self.length
        for k in range(len(self.at)):
            seen: set[str] = set()
            for m in range(k, len(self.at)):
                seen.add(self.matched[m])
                if len(seen) == distinct:
                    best = min(best, self.at[m] - self.at[k] + 1)
                    break
        return distinct / best

    def bm25(self, q: QuestionView, k1: float = 1.2, b: float = 0.75) -> float:
        """BM25 of the words alone (repeated words count, long windows are discounted), over its ideal."""
        norm = k1 * (1 - b + b * (self.length or 1) / AVERAGE_SENTENCE_TERMS)
        score = 0.0
        for c, tf in zip(q.concepts, self.tf, strict=True):
            if tf:
                score += c.mass * tf * (k1 + 1) / (tf + norm)
        return score / (q.total * (k1 + 1))


def _relative(
    rows: Sequence[tuple[int, int, int, int, int, SpanChoice | None, list[float]]],
    article_of: Sequence[int],
) -> None:
    """Each window's distance to the best value of its article and of all windows (0 for the best)."""
    for name, source, per_article in _RELATIVE:
        at, source_at = _AT[name], _AT[source]
        best: dict[int, float] = {}
        for index, *_, row in rows:
            key = article_of[index] if per_article else 0
            best[key] = max(best.get(key, float("-inf")), row[source_at])
        for index, *_, row in rows:
            key = article_of[index] if per_article else 0
            row[at] = row[source_at] - best[key]


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
