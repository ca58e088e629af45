"""SearchEngine: keeps the inverted index caught up with the database and ranks passages.

The database is the source of truth; the index only remembers the highest passage id it has seen
(the watermark) and pulls newer rows on demand. Passages deleted from the database are noticed
when a search fetches them and comes back short, so deletes need no hook from the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from knowledge.analysis.tokenize import terms
from knowledge.models import SearchHit, SearchOptions
from knowledge.retrieval import bm25
from knowledge.retrieval.candidates import Candidate, IndexStatus, Retrieval
from knowledge.retrieval.fuzzy import TypoCorrector
from knowledge.retrieval.index import SAMPLES, Doc, InvertedIndex
from knowledge.retrieval.protocols import IndexRowLike, PassageStore
from knowledge.retrieval.query import Query, build_query

log = logging.getLogger(__name__)

BATCH = 20_000


def index_dir_for(database_url: str, configured: Path | None = None) -> Path | None:
    """Where the index of ``database_url`` lives: configured, next to a SQLite file, or in ~/.cache.

    ``None`` (keep it in memory) for in-memory SQLite, whose data vanishes with the process anyway.
    """
    if configured is not None:
        return configured
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return None
        path = Path(url.database)
        return path.with_name(path.name + ".index")
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "newsdesk" / f"index-{digest}"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class SearchEngine:
    """Ranks passages visible to a guild; safe to share across tasks."""

    def __init__(self, store: PassageStore, index_dir: Path | None = None) -> None:
        self.store = store
        self.index = InvertedIndex(index_dir)
        self._corrector = TypoCorrector(self.index.vocab.terms)
        self._catch_up_lock = asyncio.Lock()
        self._verified = False

    def close(self) -> None:
        """Nothing to flush (every catch-up commits its manifest); kept for symmetry with open."""
        log.debug("search engine closed at watermark %d", self.index.watermark)

    # ---- keeping up with the database ------------------------------------------------------
    async def catch_up(self) -> int:
        """Index passages added since the watermark; returns how many were indexed."""
        async with self._catch_up_lock:
            newest = await self.store.max_passage_id()
            if newest < self.index.watermark:
                log.warning(
                    "database is behind the index (%d < %d); rebuilding", newest, self.index.watermark
                )
                await asyncio.to_thread(self.index.clear)
            elif not self._verified and not await self._same_database():
                log.warning("index at %s was built from another database; rebuilding", self.index.directory)
                await asyncio.to_thread(self.index.clear)
            self._verified = True
            added = 0
            while self.index.watermark < newest:
                rows = await self.store.passages_after(self.index.watermark, BATCH)
                if not rows:
                    await asyncio.to_thread(self.index.add, [], newest)
                    break
                top = rows[-1].id if len(rows) == BATCH else max(rows[-1].id, newest)
                await asyncio.to_thread(self._add_rows, rows, top)
                added += len(rows)
            if self._corrector_stale():
                self._corrector = TypoCorrector(self.index.vocab.terms)
            if added:
                log.info("indexed %d passages (watermark %d)", added, self.index.watermark)
            return added

    async def status(self) -> IndexStatus:
        """Documents indexed and changes not applied yet, without catching up."""
        newest = await self.store.max_passage_id()
        return IndexStatus(self.index.n_docs, max(0, newest - self.index.watermark))

    async def _same_database(self) -> bool:
        """Whether passages the index remembers still exist with the same text (a reopened index)."""
        samples = self.index.samples
        if not samples:
            return True
        found = await self.store.get_passages([pid for pid, _ in samples])
        if not found:
            return False
        return all(_digest(found[pid].text) == digest for pid, digest in samples if pid in found)

    def _add_rows(self, rows: Sequence[IndexRowLike], watermark: int) -> None:
        titles: dict[int, list[str]] = {}
        docs = []
        for row in rows:
            title_terms = titles.get(row.article_id)
            if title_terms is None:
                title_terms = titles[row.article_id] = terms(row.title or "")
            docs.append(Doc(row.id, row.guild, terms(row.text) + title_terms))
        samples = [(row.id, _digest(row.text)) for row in rows[-SAMPLES:]]
        self.index.add(docs, watermark, samples)

    def _corrector_stale(self) -> bool:
        return self._corrector._vocabulary is not self.index.vocab.terms

    # ---- query analysis --------------------------------------------------------------------
    def idf(self, term: str) -> float:
        """IDF of an index term; a word the archive never saw gets the highest IDF there is.

        That is what makes an unknown, specific word ("bitcoin") count against answering.
        """
        return bm25.idf(self.index.term_df(term), max(self.index.n_docs, 1))

    def known(self, term: str) -> bool:
        return self.index.term_df(term) > 0

    def corrections(self, term: str, word: str) -> list[tuple[str, float]]:
        """Archive terms close to an unknown query word (stem first, then the surface word)."""
        return self._corrector.candidates(term, self.index.term_df, limit=5, word=word)

    def analyse(
        self,
        text: str,
        framing: frozenset[str] = frozenset(),
        *,
        scale: float = 1.0,
        into: Query | None = None,
    ) -> Query:
        """Analyse free text into weighted terms and concepts (typos fixed, synonyms added).

        ``framing``: stems that frame a question more than they describe its answer (weighed low);
        ``scale`` and ``into`` add a follow-up's earlier turns to an existing query at lower weight.
        """
        return build_query(text, self.corrections, self.known, framing, scale, into, self.index.term_df)

    def max_score(self, weights: Mapping[str, float]) -> float:
        """The BM25 score of an ideal document for these weights (for normalising to [0, 1])."""
        k1 = bm25.DEFAULT.k1
        return sum(self.idf(t) * w * (k1 + 1) for t, w in weights.items())

    # ---- retrieval ---------------------------------------------------------------------------
    async def retrieve(self, query: Query, k: int, *, guild: int | None) -> Retrieval:
        """The top ``k`` passages ``guild`` may see for ``query``, for the reader (after :meth:`catch_up`)."""
        found = await self._top(query.weights, k, guild=guild)
        terms = {t for c in query.concepts for t in c.alternatives} | set(query.weights)
        unknown = frozenset(t for t in terms if not self.known(t))
        return Retrieval(query, tuple(found), {t: self.idf(t) for t in terms}, self.index.n_docs, unknown)

    async def _top(self, weights: Mapping[str, float], k: int, *, guild: int | None) -> list[Candidate]:
        """Top ``k`` live passages for weighted query terms."""
        if not weights or k <= 0:
            return []
        fetch = k + 4  # a few spare in case some were deleted since indexing
        for _ in range(4):
            ranked = await asyncio.to_thread(self.index.search, weights, fetch, guild)
            passages = await self.store.get_passages([pid for pid, _ in ranked])
            gone = [pid for pid, _ in ranked if pid not in passages]
            if gone:
                self.index.mark_dead(gone)
            if not gone or len(ranked) < fetch:
                break
        top = self.max_score(weights)
        out = [Candidate(passages[pid], score, top) for pid, score in ranked if pid in passages]
        return out[:k]

    async def search(
        self, query: str, options: SearchOptions | None = None, *, guild: int | None = None
    ) -> list[SearchHit]:
        """Ranked passages for a free-text query; ``score`` is BM25 over its ideal, in [0, 1]."""
        options = options or SearchOptions()
        await self.catch_up()  # before analysis: typo correction needs the current vocabulary
        hits = await self._top(self.analyse(query).weights, options.limit, guild=guild)
        return [
            SearchHit(c.passage, c.normalised)
            for c in hits
            if c.normalised >= options.min_score and not math.isnan(c.normalised)
        ]
