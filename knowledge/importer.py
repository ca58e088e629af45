"""Bulk ingest of local files: extraction on every core, database writes in batches.

``newsdesk ingest DIR`` reads thousands of files. Each one goes through the same steps as a single
article (:meth:`Knowledge.store_article`): extract, canonical link, storage limits, site-wide
boilerplate dropped, near-duplicates marked, stored whole or not at all. What changes is the cost:

* files are read and extracted in worker processes (pure CPU work, chunks of files per task), while
  the event loop writes what is already extracted;
* the articles of many files are written in one transaction (:class:`knowledge.store.BatchWriter`),
  the newest originals they are compared with are read once per batch, and the comparison is one
  vectorised scan (:class:`knowledge.ingest.dedupe.DuplicateWindow`);
* a batch the database refuses is retried one article at a time, so a bad article costs only itself.

The results are the ones the one-at-a-time path gives: same articles, passages, duplicates, statuses.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from knowledge.ingest.dedupe import DuplicateWindow
from knowledge.ingest.limits import shown
from knowledge.ingest.local import FileRead, Prepared, read_files, without_recurring
from knowledge.metrics import record_article
from knowledge.models import IngestResult
from knowledge.store import BatchWriter, SaveOutcome, Store, Write
from knowledge.store.articles import RECENT_FINGERPRINTS

log = logging.getLogger(__name__)

BATCH_ARTICLES = 250  # articles per transaction
FILES_PER_TASK = 16  # files a worker reads per task (amortises the hand-over between processes)
POOL_MIN_FILES = 64  # fewer files than this are read in a thread: starting workers costs more
IN_FLIGHT = 8  # tasks queued ahead of the writer, per worker


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """How far a bulk ingest is: files done of the total, passages stored so far."""

    done: int
    total: int
    passages: int


ProgressCallback = Callable[[ImportProgress], None]


async def store_prepared(
    writer: BatchWriter, window: DuplicateWindow, items: Sequence[Prepared]
) -> list[IngestResult]:
    """Store prepared articles inside one batch, with the results :meth:`Knowledge.store_article`
    gives one by one. Consecutive articles go to the database together; an article whose site's
    recurring lines must be looked up, or whose URL came earlier in the run, starts a new run."""
    results: list[IngestResult | None] = [None] * len(items)
    run: list[int] = []
    run_urls: set[str] = set()
    ready_of: dict[int, Prepared] = {}

    def same_as_one_by_one(position: int, outcome: SaveOutcome) -> int | None:
        ready = ready_of[run[position]]
        duplicate_of = window.find(ready.fingerprint, exclude_url=ready.article.url)
        original = duplicate_of is None or duplicate_of == outcome.article_id
        window.record(outcome.article_id, ready.article.url, ready.fingerprint, original=original)
        return duplicate_of

    async def flush() -> None:
        if not run:
            return
        writes = [Write(ready_of[i].article, ready_of[i].keys, ready_of[i].fingerprint) for i in run]
        for index, outcome in zip(run, await writer.save_many(writes, same_as_one_by_one), strict=True):
            article = ready_of[index].article
            results[index] = IngestResult(article.source or article.url, outcome.status, 1, outcome.passages)
        run.clear()
        run_urls.clear()

    for index, ready in enumerate(items):
        article = ready.article
        if article.site or article.url in run_urls:
            await flush()  # the lookup must see every article before this one
        if article.site:
            recurring = await writer.recurring_keys(article.site, ready.keys, exclude_url=article.url)
            ready = without_recurring(ready, recurring)
        if not ready.article.paragraphs:
            source = article.source or article.url
            results[index] = IngestResult(source, "failed", error="The article has no text.")
            continue
        ready_of[index] = ready
        run.append(index)
        run_urls.add(article.url)
    await flush()
    return [result for result in results if result is not None]  # each one is set by now


def _file_link(source: str | None) -> str | None:
    """The ``file:///`` link a local file ingested without ``--url`` was stored under."""
    if not source or source.startswith(("http://", "https://")) or not Path(source).is_absolute():
        return None
    return Path(source).as_uri()


async def relink(store: Store, ready: Prepared) -> tuple[Prepared, bool]:
    """``ready`` under the link it should be stored at (a page stored from a file and from its real URL
    is one article, under the real URL), and whether an earlier copy took that link."""
    article = ready.article
    link, relinked = await store.relink_local_copy(article, local_url=_file_link(article.source))
    if link == article.url:
        return ready, relinked
    return replace(ready, article=replace(article, url=link)), relinked


# -- the pipeline ------------------------------------------------------------------------------


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _chunks(paths: Sequence[Path], size: int) -> Iterator[list[str]]:
    for start in range(0, len(paths), size):
        yield [str(p) for p in paths[start : start + size]]


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes for extraction, or None when this platform cannot start them.

    Workers are forked where the platform can: they run only the pure functions of
    :mod:`knowledge.ingest.local`, already imported, whereas a spawned worker would first import
    the whole program again (the main module, a second or more of CPU per worker).
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    try:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    except (OSError, ValueError, NotImplementedError) as error:
        log.warning("reading files in this process: cannot start workers (%s)", error)
        return None


class _Reader:
    """Reads chunks of files in worker processes, or in a thread when there is no pool or it broke."""

    def __init__(self, pool: ProcessPoolExecutor | None, *, url: str | None, guild: int | None) -> None:
        self.pool = pool
        self.url = url
        self.guild = guild

    def submit(self, chunk: list[str]) -> asyncio.Future[list[FileRead]]:
        if self.pool is not None:
            try:
                return asyncio.get_running_loop().run_in_executor(
                    self.pool, read_files, chunk, self.url, self.guild
                )
            except (BrokenProcessPool, RuntimeError, OSError, DeprecationWarning) as error:
                self._give_up(error)
        # trafilatura takes tens of ms a page: keep it off the event loop
        return asyncio.ensure_future(asyncio.to_thread(read_files, chunk, self.url, self.guild))

    async def result(self, chunk: list[str], future: asyncio.Future[list[FileRead]]) -> list[FileRead]:
        try:
            return await future
        except BrokenProcessPool as error:  # a worker was killed (out of memory?): read it here
            self._give_up(error)
            return await asyncio.to_thread(read_files, chunk, self.url, self.guild)

    def _give_up(self, error: BaseException) -> None:
        if self.pool is not None:
            log.warning("reading files in this process: the worker processes failed (%s)", error)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class Importer:
    """Ingest many local files into one store; see the module docstring."""

    def __init__(
        self,
        store: Store,
        *,
        batch_articles: int = BATCH_ARTICLES,
        pool_min_files: int = POOL_MIN_FILES,
        workers: int | None = None,
    ) -> None:
        self.store = store
        self.batch_articles = batch_articles
        self.pool_min_files = pool_min_files
        self.workers = workers or _workers()
        self._relink = False

    async def run(
        self,
        paths: Sequence[Path],
        *,
        url: str | None = None,
        guild: int | None = None,
        progress: ProgressCallback | None = None,
        relink: bool = False,
    ) -> list[IngestResult]:
        """Ingest ``paths``; one result per file, in order.

        ``relink``: let each article take over its earlier copy's link (:func:`relink`; one lookup each).
        """
        self._relink = relink
        use_pool = len(paths) >= self.pool_min_files and self.workers > 1
        reader = _Reader(_pool(self.workers) if use_pool else None, url=url, guild=guild)
        chunks = _chunks(paths, FILES_PER_TASK)
        ahead = IN_FLIGHT * self.workers if reader.pool is not None else 2
        queue = [(chunk, reader.submit(chunk)) for _, chunk in zip(range(ahead), chunks, strict=False)]
        results: list[IngestResult] = []
        pending: list[FileRead] = []
        passages = 0
        try:
            while queue:
                chunk, future = queue.pop(0)
                pending.extend(await reader.result(chunk, future))
                if (following := next(chunks, None)) is not None:
                    queue.append((following, reader.submit(following)))
                if sum(len(file.items) for file in pending) >= self.batch_articles or not queue:
                    stored = await self._store_files(pending, guild)
                    pending = []
                    results.extend(stored)
                    passages += sum(result.passages for result in stored)
                    if progress is not None:
                        progress(ImportProgress(len(results), len(paths), passages))
        finally:
            for _, future in queue:
                future.cancel()
            reader.close()
        return results

    async def _store_files(self, files: Sequence[FileRead], guild: int | None) -> list[IngestResult]:
        """Store the articles of ``files`` in one batch; one combined result per file."""
        todo = [item for file in files for item in file.items if isinstance(item, Prepared)]
        outcomes = await self._store_batch(todo, guild)
        per_file: list[list[IngestResult]] = [[] for _ in files]
        position = 0
        for index, file in enumerate(files):
            for item in file.items:
                if isinstance(item, Prepared):
                    per_file[index].append(outcomes[position])
                    position += 1
                else:
                    per_file[index].append(item)
        results = []
        for file, outcome in zip(files, per_file, strict=True):
            if file.error is not None:
                results.append(IngestResult(file.source, "failed", error=file.error))
            else:
                results.append(IngestResult.combine(file.source, outcome))
        return results

    async def _store_batch(self, items: Sequence[Prepared], guild: int | None) -> list[IngestResult]:
        """Store ``items`` in one transaction; when it fails, each on its own."""
        if not items:
            return []
        relinked: list[bool] = [False] * len(items)
        if self._relink:
            moved = [await relink(self.store, ready) for ready in items]
            items, relinked = [m[0] for m in moved], [m[1] for m in moved]
        try:
            async with self.store.batch(guild) as writer:
                await writer.prefetch([ready.article.url for ready in items])
                # enough rows that the newest RECENT_FINGERPRINTS stay known however many the batch
                # turns into duplicates (each article removes at most one; a URL excludes at most two)
                rows = await writer.recent_prints(RECENT_FINGERPRINTS + len(items) + 2)
                window = DuplicateWindow(rows, limit=RECENT_FINGERPRINTS)
                outcomes = await store_prepared(writer, window, items)
        except SQLAlchemyError as error:
            if len(items) > 1:
                log.warning("a batch of %d articles failed (%s); storing them one by one", len(items), error)
                return [outcome for ready in items for outcome in await self._store_batch([ready], guild)]
            article = items[0].article
            log.warning("%s could not be stored: %s", article.url, error)
            return [
                IngestResult(
                    article.source or article.url,
                    "failed",
                    error=f"{shown(article.url)}: the database refused the article ({type(error).__name__}).",
                )
            ]
        outcomes = [
            replace(outcome, status="updated") if moved and outcome.status == "unchanged" else outcome
            for outcome, moved in zip(outcomes, relinked, strict=True)
        ]
        for outcome, ready in zip(outcomes, items, strict=True):
            log.info("%s %s (%d passages)", outcome.status, ready.article.url, outcome.passages)
            record_article(outcome.status)
        return outcomes
