"""Local files to articles ready to store: the pure, CPU-bound half of ingesting a file.

Everything here runs without a database, so :mod:`knowledge.importer` can run it in worker
processes; it imports nothing of the store or the service, which keeps a worker light.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.errors import NewsdeskError, SourceError
from knowledge.files import LocalDocument, read_document
from knowledge.ingest.dedupe import fingerprint
from knowledge.ingest.extract import decode_html, extract_html, extract_text
from knowledge.ingest.feeds import entry_article, parse_feed
from knowledge.ingest.limits import bounded, shown, url_problem
from knowledge.ingest.text import passage_key
from knowledge.ingest.urls import canonical_url
from knowledge.models import Article, IngestResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article ready to store: bounded, with its paragraph keys and fingerprint."""

    article: Article
    keys: tuple[str, ...]
    fingerprint: int


@dataclass(frozen=True, slots=True)
class FileRead:
    """What one file holds: its articles (or why one was refused), or why the file failed."""

    source: str
    items: tuple[Prepared | IngestResult, ...] = ()
    error: str | None = None


def prepare(article: Article) -> Prepared | IngestResult:
    """The database-free part of storing an article: canonical link, limits, keys, fingerprint."""
    if article.url.startswith(("http://", "https://")):
        article = replace(article, url=canonical_url(article.url))
    if (problem := url_problem(article.url)) is not None:
        log.warning("%s", problem)  # a feed reports one result: say which entry was refused
        return IngestResult(article.source or shown(article.url), "failed", error=problem)
    article = bounded(article)  # whatever the parser produced: sizes fit the store and the reader
    keys = tuple(passage_key(p) for p in article.paragraphs)
    return Prepared(article, keys, fingerprint(article.paragraphs))


def without_recurring(ready: Prepared, recurring: set[str]) -> Prepared:
    """The article without the paragraphs its site repeats on other pages (all of them, if every
    paragraph recurs: a page that is only template text is kept as it is)."""
    kept = [(p, k) for p, k in zip(ready.article.paragraphs, ready.keys, strict=True) if k not in recurring]
    if not kept or len(kept) == len(ready.keys):
        return ready
    paragraphs = tuple(p for p, _ in kept)
    return Prepared(
        replace(ready.article, paragraphs=paragraphs), tuple(k for _, k in kept), fingerprint(paragraphs)
    )


def articles_of(document: LocalDocument, *, url: str | None, guild: int | None, source: str) -> list[Article]:
    """The articles a local file holds: one for a page or a text, one per usable feed entry."""
    fallback = url or document.path.resolve().as_uri()
    if document.kind == "html":
        article = extract_html(document.data, url=url)
        return [replace(article, url=article.url or fallback, guild=guild, source=source)]
    if document.kind == "text":
        article = extract_text(decode_html(document.data), url=fallback)
        return [replace(article, url=fallback, guild=guild, source=source)]
    feed = parse_feed(document.data)
    articles = [entry_article(entry, feed=feed) for entry in feed.entries]
    usable = [replace(a, guild=guild, source=source) for a in articles if a is not None]
    if not usable:
        raise SourceError(f"{document.path}: the feed has no entries with text.")
    return usable


def read_file(path: Path, *, url: str | None, guild: int | None) -> FileRead:
    """Read, extract and prepare one file; a file that cannot be read says why."""
    name = str(path.resolve()) if path.exists() else str(path)
    try:
        articles = articles_of(read_document(path), url=url, guild=guild, source=name)
    except NewsdeskError as error:
        return FileRead(name, error=str(error))
    except RecursionError:
        return FileRead(name, error=f"{path}: the document is nested too deeply to read.")
    return FileRead(name, tuple(prepare(article) for article in articles))


def read_files(paths: Sequence[str], url: str | None, guild: int | None) -> list[FileRead]:
    """One worker task: :func:`read_file` for each path, in order."""
    return [read_file(Path(path), url=url, guild=guild) for path in paths]
