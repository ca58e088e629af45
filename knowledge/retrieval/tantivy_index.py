"""Passages in a tantivy index: pre-analysed terms, BM25 with per-term boosts, guild filtering.

Documents hold the reader's own analysis (``knowledge.analysis.tokenize.terms`` of the paragraph
and its article title, joined by spaces, split again by tantivy's whitespace tokenizer), so
retrieval and re-ranking agree on what a term is. Passage id, article id and guild are indexed
fast fields: deletes go by article, hits map back to passages, and guild scoping filters in the
query itself. BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))) is tantivy's.

This class owns the one ``IndexWriter`` of its directory: opening a directory another writer holds
raises :class:`IndexBusy` (tantivy's lock), and the engine then uses a replica directory instead.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

log = logging.getLogger(__name__)

TERMS, PID, ARTICLE, GUILD, DIGEST = "terms", "pid", "article", "guild", "digest"
VOCABULARY = "vocabulary.txt"
MAX_GUILD = 2**63 - 1
POST_FILTER = 256  # at most this many guild-scoped passages: fetch a few more and filter after
WRITER_HEAP = 96_000_000
SCOPE_HITS = 4096  # documents of the candidate articles fetched at first (more only when they hold more)
EXACT_DF = 64  # up to this document frequency, count live documents rather than trust the term dictionary


class IndexBusy(Exception):
    """Another writer (in this process or another) holds the index directory."""


@dataclass(frozen=True, slots=True)
class Doc:
    """One passage as the index stores it."""

    pid: int
    article_id: int
    guild: int | None
    terms: str  # analysed terms joined by spaces
    digest: int  # of the passage text and title: ``index check`` compares it with the database


@dataclass(frozen=True, slots=True)
class Stored:
    """What the index remembers of a passage besides its terms."""

    article_id: int
    guild: int | None
    digest: int


def digest(text: str, title: str) -> int:
    """A 63-bit fingerprint of what a document was built from."""
    raw = hashlib.blake2b(f"{title}\x00{text}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big") >> 1


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(TERMS, tokenizer_name="whitespace", index_option="freq")
    builder.add_integer_field(PID, indexed=True, fast=True)
    builder.add_integer_field(ARTICLE, indexed=True, fast=True)
    builder.add_integer_field(GUILD, indexed=True, fast=True)
    builder.add_integer_field(DIGEST, fast=True)
    return builder.build()


SCHEMA = _schema()


class PassageIndex:
    """A tantivy index with its writer and an append-only vocabulary for typo correction."""

    def __init__(self, directory: Path | None = None, *, threads: int = 1) -> None:
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            try:
                self._index = tantivy.Index(SCHEMA, path=str(directory))
            except (ValueError, OSError) as error:  # an older schema or a damaged directory: start over
                log.warning("index at %s cannot be opened (%s); starting empty", directory, error)
                shutil.rmtree(directory, ignore_errors=True)
                directory.mkdir(parents=True)
                self._index = tantivy.Index(SCHEMA, path=str(directory))
        else:
            self._index = tantivy.Index(SCHEMA)
        self._index.config_reader("manual")
        try:
            self._writer: tantivy.IndexWriter | None = self._index.writer(WRITER_HEAP, threads)
        except ValueError as error:
            if "LockBusy" in str(error):
                raise IndexBusy(str(directory)) from None
            raise
        self._threads = threads
        self._lock = threading.Lock()
        self.vocabulary: list[str] = []
        self._known: set[str] = set()
        self._saved = 0
        self._load_vocabulary()
        self._searcher = self._index.searcher()
        self._dfs: dict[str, int] = {}  # per searcher: query analysis asks for the same terms again and again
        self._scoped: int | None = None

    # ---- statistics ----------------------------------------------------------------------------
    @property
    def n_docs(self) -> int:
        """Live passages (deleted ones still count in tantivy's own BM25 statistics until a merge)."""
        return self._searcher.num_docs

    @property
    def segments(self) -> int:
        return self._searcher.num_segments

    def df(self, term: str) -> int:
        """Live documents holding ``term``.

        tantivy's document frequency still counts deleted documents until a merge purges them;
        for rare terms (where that matters: is a word known at all?) the live ones are counted.
        """
        if not term:
            return 0
        dfs = self._dfs  # before the searcher: a commit swaps the searcher first, then the cache
        cached = dfs.get(term)
        if cached is not None:
            return cached
        searcher = self._searcher
        found = searcher.doc_freq(TERMS, term)
        if 0 < found <= EXACT_DF:
            found = _count(searcher.search(tantivy.Query.term_query(SCHEMA, TERMS, term), 1, count=True))
        dfs[term] = found
        return found

    # ---- writing -------------------------------------------------------------------------------
    def _writer_or_fail(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("the index is closed")
        return self._writer

    def add(self, docs: Iterable[Doc]) -> int:
        """Add documents (visible after :meth:`commit`); returns how many."""
        writer = self._writer_or_fail()
        added = 0
        with self._lock:
            known = self._known
            for doc in docs:
                if new := set(doc.terms.split()) - known:
                    known |= new
                    self.vocabulary.extend(sorted(new))
                writer.add_document(
                    tantivy.Document(
                        terms=doc.terms,
                        pid=doc.pid,
                        article=doc.article_id,
                        guild=doc.guild or 0,
                        digest=doc.digest,
                    )
                )
                added += 1
        return added

    def delete_articles(self, article_ids: Iterable[int]) -> None:
        writer = self._writer_or_fail()
        for article_id in article_ids:
            writer.delete_documents_by_term(ARTICLE, article_id)

    def clear(self) -> None:
        """Delete every document and forget the vocabulary (visible after :meth:`commit`)."""
        self._writer_or_fail().delete_all_documents()
        with self._lock:
            self.vocabulary = []
            self._known = set()
            self._saved = 0
            if self.directory is not None:
                (self.directory / VOCABULARY).write_text("", encoding="utf-8")

    def commit(self) -> None:
        """Make added and deleted documents durable and searchable."""
        self._save_vocabulary()  # first: a term may outlive its documents, never the reverse
        self._writer_or_fail().commit()
        self._index.reload()
        self._use(self._index.searcher())

    def _use(self, searcher: tantivy.Searcher) -> None:
        self._searcher = searcher
        self._dfs = {}
        self._scoped = None

    def wait_merges(self) -> None:
        """Let background segment merges finish (they purge deleted documents), then write on."""
        writer = self._writer_or_fail()
        self._writer = None
        writer.wait_merging_threads()
        self._writer = self._index.writer(WRITER_HEAP, self._threads)
        self._index.reload()
        self._use(self._index.searcher())

    def close(self) -> None:
        """Release the writer (and the directory's lock); uncommitted changes are dropped."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.rollback()
            del writer

    # ---- reading -------------------------------------------------------------------------------
    def search(self, weights: Mapping[str, float], k: int, guild: int | None) -> list[tuple[int, float]]:
        """Top ``k`` (passage id, BM25 score) ``guild`` may see; each term's score is scaled by its weight."""
        searcher = self._searcher
        clauses = [
            (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(SCHEMA, TERMS, t), w))
            for t, w in weights.items()
            if w > 0 and t and searcher.doc_freq(TERMS, t) > 0  # raw df: deleted-only terms match nothing
        ]
        if not clauses or k <= 0:
            return []
        scoped = self._scoped_docs()
        spare = scoped if 0 < scoped <= POST_FILTER else 0
        if scoped > POST_FILTER:
            for low, high in ((1, MAX_GUILD),) if guild is None else ((1, guild - 1), (guild + 1, MAX_GUILD)):
                if low <= high:
                    clauses.append((tantivy.Occur.MustNot, _guild_range(low, high)))
        hits = searcher.search(tantivy.Query.boolean_query(clauses), k + spare, count=False).hits
        if not hits:
            return []
        addresses = [address for _, address in hits]
        pids = searcher.fast_field_values(PID, addresses)
        found = [(int(pid or 0), float(score)) for (score, _), pid in zip(hits, pids, strict=True)]
        if spare:
            guilds = searcher.fast_field_values(GUILD, addresses)
            found = [hit for hit, g in zip(found, guilds, strict=True) if g == 0 or g == guild]
        return found[:k]

    def terms_held(self, article_ids: Iterable[int], terms: Iterable[str]) -> dict[int, frozenset[str]]:
        """For every live passage of these articles, which of ``terms`` its document holds.

        A document is a passage's terms with its article title's. The reader weighs how much of a
        question a whole article covers; asking the index about the question's few terms costs a
        small part of tokenising every passage of every candidate article again.
        """
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        searcher = self._searcher
        scope = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, ARTICLE, a)) for a in ids]
        )
        found = searcher.search(scope, SCOPE_HITS, count=True)
        if _count(found) > SCOPE_HITS:
            found = searcher.search(scope, _count(found), count=False)
        documents = [address for _, address in found.hits]
        held: dict[int, set[str]] = {
            int(pid or 0): set() for pid in searcher.fast_field_values(PID, documents)
        }
        for term in set(terms):
            if not term or searcher.doc_freq(TERMS, term) == 0:
                continue
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, TERMS, term)),
                    (tantivy.Occur.Must, scope),
                ]
            )
            hits = searcher.search(query, max(len(documents), 1), count=False).hits
            for pid in searcher.fast_field_values(PID, [address for _, address in hits]):
                held.setdefault(int(pid or 0), set()).add(term)
        return {pid: frozenset(found_terms) for pid, found_terms in held.items()}

    def lookup(self, pids: Sequence[int]) -> dict[int, Stored]:
        """What the index holds for these passage ids (absent ones are left out)."""
        searcher = self._searcher
        out: dict[int, Stored] = {}
        for pid in pids:
            hits = searcher.search(tantivy.Query.term_query(SCHEMA, PID, pid), 1, count=False).hits
            if hits:
                address = [hits[0][1]]
                article = searcher.fast_field_values(ARTICLE, address)[0]
                guild = searcher.fast_field_values(GUILD, address)[0]
                value = searcher.fast_field_values(DIGEST, address)[0]
                out[pid] = Stored(int(article or 0), int(guild or 0) or None, int(value or 0))
        return out

    def some_pids(self, n: int, offset: int) -> list[int]:
        """``n`` passage ids the index holds, from ``offset`` in document order (for ``index check``)."""
        searcher = self._searcher
        hits = searcher.search(tantivy.Query.all_query(), n, count=False, offset=offset).hits
        return [int(p or 0) for p in searcher.fast_field_values(PID, [a for _, a in hits])]

    def _scoped_docs(self) -> int:
        """Live passages that belong to one guild (most archives have none: no filter needed)."""
        if self._scoped is None:
            self._scoped = _count(self._searcher.search(_guild_range(1, MAX_GUILD), 1, count=True))
        return self._scoped

    # ---- vocabulary ------------------------------------------------------------------------------
    def _load_vocabulary(self) -> None:
        if self.directory is None:
            return
        path = self.directory / VOCABULARY
        if path.exists():
            terms = path.read_text(encoding="utf-8").split("\n")
            self.vocabulary = [t for t in dict.fromkeys(terms) if t]
            self._known = set(self.vocabulary)
        self._saved = len(self.vocabulary)

    def _save_vocabulary(self) -> None:
        if self.directory is None:
            return
        with self._lock:
            new = self.vocabulary[self._saved :]
            self._saved = len(self.vocabulary)
        if new:
            with (self.directory / VOCABULARY).open("a", encoding="utf-8") as fh:
                fh.write("".join(t + "\n" for t in new))


def _guild_range(low: int, high: int) -> tantivy.Query:
    return tantivy.Query.range_query(
        SCHEMA, GUILD, tantivy.FieldType.Integer, low, high, use_inverted_index=True
    )


def _count(result: tantivy.SearchResult) -> int:
    """The match count of a search run with ``count=True`` (missing from tantivy's type stubs)."""
    return int(getattr(result, "count", 0) or 0)
