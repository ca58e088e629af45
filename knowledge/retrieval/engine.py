"""SearchEngine: keeps this process's tantivy index up to date with the database and ranks passages.

The database is the source of truth and the index a cache of it. Every article write logs the
article's id in the same transaction (``knowledge.store.changes``); the engine replays that log
from its own cursor, deleting each changed article's documents and adding its current passages.
Articles this process changed itself are applied at once (:meth:`note_changed`), without waiting
for the log, so an ingest is searchable as soon as it returns. Nothing depends on passage ids
growing in commit order, and no writer waits for another.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import multiprocessing
import os
import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from knowledge.analysis.tokenize import terms
from knowledge.models import IndexRow, Passage, SearchHit, SearchOptions
from knowledge.retrieval import bm25
from knowledge.retrieval.candidates import Candidate, IndexStatus, Retrieval
from knowledge.retrieval.fuzzy import TypoCorrector
from knowledge.retrieval.protocols import PassageStore
from knowledge.retrieval.query import Query, build_query
from knowledge.retrieval.replicas import DirectoryLock, IndexState, claim_directory, forget_state, read_state
from knowledge.retrieval.replicas import write_state as save_state
from knowledge.retrieval.tantivy_index import Doc, PassageIndex, digest

log = logging.getLogger(__name__)

BATCH = 20_000  # passages per read while building
PARALLEL_MIN = 100_000
MAX_WORKERS = 4
ARTICLES = 2_000  # changed articles re-read per query
CHECK_SAMPLE = 200


def index_dir_for(database_url: str, configured: Path | None = None) -> Path | None:
    """Where indexes of ``database_url`` live: configured, next to a SQLite file, or in ~/.cache.

    ``None`` (keep it in memory) for in-memory SQLite, whose data vanishes with the process anyway.
    Inside, each database has its own directory named by its id, and each running process locks
    its own (``knowledge.retrieval.replicas``), so no two processes ever write one index.
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
    digest_ = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "newsdesk" / f"index-{digest_}"


def to_docs(rows: Sequence[IndexRow]) -> list[Doc]:
    """Index documents of passages: the paragraph's terms followed by its article title's."""
    titles: dict[int, list[str]] = {}
    docs = []
    for row in rows:
        title_terms = titles.get(row.article_id)
        if title_terms is None:
            title_terms = titles[row.article_id] = terms(row.title or "")
        doc_terms = " ".join(terms(row.text) + title_terms)
        docs.append(Doc(row.id, row.article_id, row.guild, doc_terms, digest(row.text, row.title)))
    return docs


def _docs_of(rows: list[tuple[int, str, int | None, int, str]]) -> list[Doc]:
    """``to_docs`` of plain tuples (what a worker process receives)."""
    return to_docs([IndexRow(*row) for row in rows])


class SearchEngine:
    """Ranks passages visible to a guild; safe to share across tasks."""

    parallel_min = PARALLEL_MIN  # a full build of at least this many passages analyses in worker processes

    def __init__(self, store: PassageStore, index_dir: Path | None = None) -> None:
        self.store = store
        self.base = index_dir
        self.directory: Path | None = None  # this process's own directory under ``base``
        self._index: PassageIndex | None = None
        self._lock: DirectoryLock | None = None
        self._database = ""
        self._state: IndexState | None = None  # None until a complete build is committed
        self._noted: set[int] = set()
        self._corrector = TypoCorrector([])
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()

    def close(self) -> None:
        """Release the index writer and this process's hold on its directory."""
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def index(self) -> PassageIndex:
        if self._index is None:
            raise RuntimeError("the search index is not open yet (await catch_up() first)")
        return self._index

    async def _open(self) -> PassageIndex:
        async with self._open_lock:
            if self._index is not None:
                return self._index
            self._database = await self.store.database_id()
            latest = await self.store.latest_change()
            if self.base is not None:
                claimed = await asyncio.to_thread(claim_directory, self.base, self._database)
                self.directory, self._lock = claimed
            index = await asyncio.to_thread(PassageIndex, self.directory)
            state = read_state(self.directory) if self.directory else None
            if state is not None and (not state.matches(self._database) or state.cursor > latest):
                log.warning("index at %s is from another copy of the database; rebuilding", self.directory)
                state = None
            self._state = state
            self._index = index
            self._corrector = TypoCorrector(index.vocabulary)
            return index

    # ---- keeping up with the database ------------------------------------------------------
    def note_changed(self, article_ids: Iterable[int]) -> None:
        """Articles this process just changed: the next :meth:`catch_up` applies them, log or not."""
        self._noted.update(article_ids)

    async def catch_up(self, *, wait: bool = False) -> int:
        """Apply every change not in the index yet (building it first if needed); returns passages added.

        When another task is already catching up, return at once (it is applying the changes) so a
        question never queues behind a big ingest; ``wait=True`` waits and then catches up itself.
        """
        index = await self._open()
        if not wait and self._write_lock.locked():
            return 0
        async with self._write_lock:
            added = 0
            if self._state is None:
                added += await self._build(index)
            cursor = self._state.cursor if self._state else 0
            for _ in range(10_000):
                changes = await self.store.changes_after(cursor)
                ids = set(changes.article_ids) | self._noted
                self._noted = set()
                if ids:
                    added += await self._reindex(index, sorted(ids))
                moved = changes.cursor != cursor
                cursor = changes.cursor
                if ids:
                    await asyncio.to_thread(self._commit, index, cursor)
                elif moved:
                    self._state = IndexState(self._database, cursor)  # saved with the next commit
                if not changes.article_ids or not moved:
                    break
            self._refresh_corrector(index)
            return added

    async def _reindex(self, index: PassageIndex, article_ids: Sequence[int]) -> int:
        added = 0
        for start in range(0, len(article_ids), ARTICLES):
            batch = article_ids[start : start + ARTICLES]
            rows = await self.store.index_rows(batch)
            added += await asyncio.to_thread(self._replace, index, batch, rows)
        if added or article_ids:
            log.info("re-indexed %d articles (%d passages)", len(article_ids), added)
        return added

    @staticmethod
    def _replace(index: PassageIndex, article_ids: Sequence[int], rows: Sequence[IndexRow]) -> int:
        index.delete_articles(article_ids)
        return index.add(to_docs(rows))

    def _commit(self, index: PassageIndex, cursor: int) -> None:
        index.commit()
        self._state = IndexState(self._database, cursor)
        if self.directory is not None:
            save_state(self.directory, self._state)

    async def _build(self, index: PassageIndex) -> int:
        """Index every passage from scratch; changes committed meanwhile are replayed after."""
        if self.directory is not None:
            forget_state(self.directory)  # a build cut short is never mistaken for a complete one
        self._state = None
        start = await self.store.change_cursor()
        await asyncio.to_thread(index.clear)
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        added = -1
        if workers > 1 and await self.store.count_indexable() >= self.parallel_min:
            try:
                added = await self._build_parallel(index, workers)
            except (BrokenProcessPool, OSError) as error:  # e.g. a script that spawns without a main guard
                log.warning("worker processes failed (%s); analysing in this process", error)
                await asyncio.to_thread(index.clear)
        if added < 0:
            after, added = 0, 0
            while rows := await self.store.passages_after(after, BATCH):
                added += await asyncio.to_thread(index.add, to_docs(rows))
                after = rows[-1].id
        await asyncio.to_thread(self._commit, index, start)
        log.info("indexed %d passages from scratch", added)
        return added

    async def _build_parallel(self, index: PassageIndex, workers: int) -> int:
        """Analyse batches in worker processes (the analysis is pure Python) while this one reads and adds."""
        loop = asyncio.get_running_loop()
        added, after = 0, 0
        queued: deque[asyncio.Future[list[Doc]]] = deque()
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            while rows := await self.store.passages_after(after, BATCH):
                after = rows[-1].id
                plain = [(r.id, r.text, r.guild, r.article_id, r.title) for r in rows]
                queued.append(loop.run_in_executor(pool, _docs_of, plain))
                if len(queued) > workers:
                    added += await asyncio.to_thread(index.add, await queued.popleft())
            while queued:
                added += await asyncio.to_thread(index.add, await queued.popleft())
        return added

    async def rebuild(self) -> int:
        """Throw this process's index away and build it again from the database; returns passages."""
        index = await self._open()
        async with self._write_lock:
            added = await self._build(index)
        await self.catch_up(wait=True)
        return added

    async def status(self) -> IndexStatus:
        """Documents indexed and changes not applied yet, without catching up."""
        index = await self._open()
        state = self._state
        if state is None:
            return IndexStatus(index.n_docs, await self.store.count_indexable())
        return IndexStatus(index.n_docs, await self.store.pending_changes(state.cursor) + len(self._noted))

    async def check(self, sample: int = CHECK_SAMPLE, seed: int | None = None) -> str | None:
        """Catch up, then compare counts and a sample of passages with the database; None when they agree."""
        await self.catch_up(wait=True)
        index = self.index
        expected, held = await self.store.count_indexable(), index.n_docs
        if expected != held:
            return f"the index holds {held} passages but the database has {expected}"
        rows = await self.store.sample_index_rows(sample, seed)
        stored = await asyncio.to_thread(index.lookup, [r.id for r in rows])
        for row in rows:
            got = stored.get(row.id)
            if got is None:
                return f"passage {row.id} is in the database but not in the index"
            want = (row.article_id, row.guild, digest(row.text, row.title))
            if (got.article_id, got.guild, got.digest) != want:
                return f"passage {row.id} in the index differs from the database"
        offset = random.Random(seed).randint(0, max(0, held - sample))
        pids = await asyncio.to_thread(index.some_pids, sample, offset)
        live = await self.store.get_passages(pids)
        for pid in pids:
            if pid not in live:
                return f"passage {pid} is in the index but no longer in the database"
        return None

    def _refresh_corrector(self, index: PassageIndex) -> None:
        if self._corrector._vocabulary is not index.vocabulary:
            self._corrector = TypoCorrector(index.vocabulary)

    # ---- query analysis --------------------------------------------------------------------
    def _df(self, term: str) -> int:
        return self._index.df(term) if self._index is not None else 0

    @property
    def documents(self) -> int:
        return self._index.n_docs if self._index is not None else 0

    def idf(self, term: str) -> float:
        """IDF of an index term; a word the archive never saw gets the highest IDF there is.

        That is what makes an unknown, specific word ("bitcoin") count against answering.
        """
        return bm25.idf(self._df(term), max(self.documents, 1))

    def known(self, term: str) -> bool:
        return self._df(term) > 0

    def corrections(self, term: str, word: str) -> list[tuple[str, float]]:
        """Archive terms close to an unknown query word (stem first, then the surface word)."""
        return self._corrector.candidates(term, self._df, limit=5, word=word)

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
        return build_query(text, self.corrections, self.known, framing, scale, into, self._df)

    def max_score(self, weights: Mapping[str, float]) -> float:
        """The BM25 score of an ideal document for these weights (for normalising to [0, 1])."""
        k1 = bm25.DEFAULT.k1
        return sum(self.idf(t) * w * (k1 + 1) for t, w in weights.items())

    # ---- retrieval ---------------------------------------------------------------------------
    async def retrieve(self, query: Query, k: int, *, guild: int | None) -> Retrieval:
        """The top ``k`` passages ``guild`` may see for ``query``, for the reader (after :meth:`catch_up`).

        With them come their whole articles (one query: the passages that still exist, in context)
        and which of the query's terms each passage of those articles holds (read off the index).
        """
        ranked = self._ranked(query.weights, k, guild)
        articles = await self.store.articles_holding([pid for pid, _ in ranked]) if ranked else {}
        passages = {p.id: p for article in articles.values() for p in article}
        found = self._candidates(query.weights, ranked, passages, k)
        terms_ = {t for c in query.concepts for t in c.alternatives} | set(query.weights)
        unknown = frozenset(t for t in terms_ if not self.known(t))
        read = {c.passage.article_id for c in found}
        held = None
        if read and self._index is not None:
            held = self._index.terms_held(read, terms_ | {c.term for c in query.concepts})
        return Retrieval(
            query,
            tuple(found),
            {t: self.idf(t) for t in terms_},
            self.documents,
            unknown,
            held,
            {aid: article for aid, article in articles.items() if aid in read},
        )

    def _ranked(self, weights: Mapping[str, float], k: int, guild: int | None) -> list[tuple[int, float]]:
        """The index's top hits, a few spare for passages deleted since it last caught up.

        Searched on the event loop's thread: a top-k search takes a millisecond or two, less than
        handing it to a worker thread costs on a busy machine, and the reader after it runs there too.
        """
        if not weights or k <= 0 or self._index is None:
            return []
        return self._index.search(weights, k + 4, guild)

    def _candidates(
        self,
        weights: Mapping[str, float],
        ranked: Sequence[tuple[int, float]],
        passages: Mapping[int, Passage],
        k: int,
    ) -> list[Candidate]:
        """The top ``k`` hits whose passages still exist in the database."""
        top = self.max_score(weights)
        return [Candidate(passages[pid], score, top) for pid, score in ranked if pid in passages][:k]

    async def _top(self, weights: Mapping[str, float], k: int, *, guild: int | None) -> list[Candidate]:
        """Top ``k`` passages for weighted query terms that still exist in the database."""
        ranked = self._ranked(weights, k, guild)
        passages = await self.store.get_passages([pid for pid, _ in ranked]) if ranked else {}
        return self._candidates(weights, ranked, passages, k)

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
