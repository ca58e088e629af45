"""Bulk ingest (``knowledge.importer``): batches and worker processes give exactly what storing one
article at a time gives, and a bad file or a refused article costs only itself."""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from knowledge.errors import NewsdeskError
from knowledge.files import expand, read_document
from knowledge.importer import Importer, ImportProgress, store_prepared
from knowledge.ingest.dedupe import DuplicateWindow
from knowledge.ingest.local import Prepared, articles_of, prepare
from knowledge.models import Article, IngestResult
from knowledge.service import Knowledge
from knowledge.store import BatchWriter, RecentPrint
from tests.conftest import FIXTURES, make_settings

WORDS = [
    "council",
    "harbour",
    "ferry",
    "bridge",
    "storm",
    "budget",
    "school",
    "hospital",
    "river",
    "festival",
    "market",
    "station",
    "engineers",
    "residents",
    "officials",
    "volunteers",
    "drivers",
    "farmers",
    "teachers",
    "nurses",
    "voted",
    "approved",
    "delayed",
    "reopened",
    "announced",
    "warned",
    "repaired",
    "measured",
    "counted",
    "opened",
    "closed",
    "expanded",
    "moved",
    "north",
    "south",
    "western",
    "eastern",
    "new",
    "old",
    "early",
    "late",
    "quiet",
    "busy",
    "narrow",
    "wide",
    "small",
    "large",
    "public",
    "morning",
    "evening",
    "weekend",
    "season",
    "winter",
    "summer",
    "plan",
    "report",
    "survey",
    "contract",
    "road",
    "tunnel",
    "park",
]
SITE_NOTE = "Coast Daily has reported on the harbour towns and their ferries since the year 1901."


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 3)))


def _text_file(rng: random.Random, title: str, paragraphs: int = 4) -> str:
    return title + "\n\n" + "\n\n".join(_paragraph(rng) for _ in range(paragraphs)) + "\n"


def _page(slug: str, title: str, paragraphs: Sequence[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | Coast Daily</title>"
        f'<link rel="canonical" href="https://coast.example/news/{slug}"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def build_corpus(folder: Path, seed: int = 1) -> None:
    """Texts, a near-duplicate, pages of one site sharing a line, two files with one canonical link,
    a feed, and files that cannot be stored, in name order mixed together."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(12):
        (folder / f"t{n:02d}.txt").write_text(_text_file(rng, f"Story number {n} about the harbour"))
    original = (folder / "t03.txt").read_text().split("\n\n")
    copy = [original[0], "By a staff reporter", *original[1:-1], original[-1].replace(".", " today.", 1)]
    (folder / "t03z-copy.txt").write_text("\n\n".join(copy))
    for n in range(5):
        paragraphs = [_paragraph(rng), SITE_NOTE, _paragraph(rng), _paragraph(rng)]
        (folder / f"p{n}.html").write_text(_page(f"story-{n}", f"Coast story {n}", paragraphs))
    (folder / "p5-same-link.html").write_text(
        _page("story-2", "Coast story 2, corrected", [_paragraph(rng), _paragraph(rng)])
    )
    shutil.copy(FIXTURES / "feeds" / "rss2.xml", folder / "f-gazette.xml")
    (folder / "t05-empty.txt").write_text("")
    (folder / "t07-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    (folder / "t09-short.txt").write_text("Too short.\n")


async def one_at_a_time(kb: Knowledge, folder: Path) -> list[IngestResult]:
    """The ingest path before batching: each file read, each article stored on its own."""
    results = []
    for path in expand(str(folder)):
        name = str(path.resolve())
        try:
            articles = articles_of(read_document(path), url=None, guild=None, source=name)
        except NewsdeskError as error:
            results.append(IngestResult(name, "failed", error=str(error)))
            continue
        stored = [await kb.store_article(article) for article in articles]
        results.append(IngestResult.combine(name, stored))
    return results


async def database(kb: Knowledge) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact a user could see, with ids, in id order."""
    async with kb.store.engine.connect() as connection:
        articles = await connection.execute(
            text(
                "SELECT a.id, a.url, a.guild_id, a.source, a.title, a.site, a.published, a.content_hash,"
                " a.fingerprint, d.url, a.backfill FROM articles a"
                " LEFT JOIN articles d ON d.id = a.duplicate_of ORDER BY a.id"
            )
        )
        passages = await connection.execute(
            text(
                "SELECT p.id, a.url, p.position, p.text, p.key FROM passages p"
                " JOIN articles a ON a.id = p.article_id ORDER BY p.id"
            )
        )
        return {"articles": [tuple(r) for r in articles], "passages": [tuple(r) for r in passages]}


@pytest.mark.parametrize(
    ("batch", "workers"),
    [(3, 2), (1000, 1), (1, 1)],
    ids=["small-batches-in-worker-processes", "one-batch-in-a-thread", "batches-of-one"],
)
async def test_batches_store_what_one_at_a_time_stores(
    db_url: str, tmp_path: Path, batch: int, workers: int
) -> None:
    folder = tmp_path / "corpus"
    build_corpus(folder)
    reference = await Knowledge.open(make_settings(tmp_path / "ref"))
    bulk = await Knowledge.open(make_settings(tmp_path / "bulk", db_url))
    importer = Importer(bulk.store, batch_articles=batch, pool_min_files=1, workers=workers)
    try:
        expected = await one_at_a_time(reference, folder)
        got = await importer.run(list(expand(str(folder))))
        assert got == expected
        statuses = {Path(r.source).name: r.status for r in got}
        assert statuses["t00.txt"] == "added" and statuses["t05-empty.txt"] == "failed"
        assert statuses["p5-same-link.html"] == "updated"  # same link as p2, read later
        before = await database(reference)
        assert await database(bulk) == before
        duplicates = {url for _, url, *_, original, _ in before["articles"] if original}
        assert any(url.endswith("t03z-copy.txt") for url in duplicates)
        kept = [p for p in before["passages"] if p[3] == SITE_NOTE]
        assert 0 < len(kept) < 5  # the site's recurring line is dropped once three pages hold it

        # a second pass: one text edited, one page dropped, one new file, the rest unchanged
        (folder / "t01.txt").write_text(_text_file(random.Random(9), "Story number 1, updated"))
        (folder / "p0.html").unlink()
        (folder / "t99-new.txt").write_text(_text_file(random.Random(10), "A late story"))
        expected = await one_at_a_time(reference, folder)
        got = await importer.run(list(expand(str(folder))))
        assert got == expected
        statuses = {Path(r.source).name: r.status for r in got}
        assert statuses["t01.txt"] == "updated" and statuses["t99-new.txt"] == "added"
        assert statuses["t00.txt"] == "unchanged"
        assert await database(bulk) == await database(reference)
    finally:
        await reference.close()
        await bulk.close()


async def test_a_refused_article_costs_only_itself(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "corpus"
    rng = random.Random(4)
    folder.mkdir()
    for n in range(20):
        (folder / f"s{n:02d}.txt").write_text(_text_file(rng, f"Story {n} for the archive"))
    save_many = BatchWriter.save_many

    async def refuse_s11(self: BatchWriter, writes: Sequence[Any], rule: Any) -> Any:
        if any(w.article.url.endswith("s11.txt") for w in writes):
            raise IntegrityError("INSERT", {}, Exception("refused"))
        return await save_many(self, writes, rule)

    monkeypatch.setattr(BatchWriter, "save_many", refuse_s11)
    kb = await Knowledge.open(make_settings(tmp_path, db_url))
    try:
        results = await Importer(kb.store, batch_articles=8).run(list(expand(str(folder))))
        assert [r.status for r in results] == ["added"] * 11 + ["failed"] + ["added"] * 8
        assert "database refused" in str(results[11].error)
        stored = await database(kb)
        urls = [row[1] for row in stored["articles"]]
        assert len(urls) == 19 and not any(url.endswith("s11.txt") for url in urls)
        per_article = {url: sum(1 for p in stored["passages"] if p[1] == url) for url in urls}
        assert all(count == 4 for count in per_article.values())  # each one whole, none half-written
    finally:
        await kb.close()


async def test_progress_is_reported_per_batch_up_to_the_total(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    rng = random.Random(5)
    folder.mkdir()
    for n in range(10):
        (folder / f"s{n}.txt").write_text(_text_file(rng, f"Story {n} for the progress bar"))
    (folder / "s5-empty.txt").write_text("")
    updates: list[ImportProgress] = []
    kb = await Knowledge.open(make_settings(tmp_path))
    try:
        results = await Importer(kb.store, batch_articles=4).run(
            list(expand(str(folder))), progress=updates.append
        )
    finally:
        await kb.close()
    assert [u.done for u in updates] == sorted({u.done for u in updates}) and updates[-1].done == 11
    assert {u.total for u in updates} == {11}
    assert updates[-1].passages == sum(r.passages for r in results) == 40


def _brute_force(rows: list[RecentPrint], value: int, exclude_url: str, limit: int) -> int | None:
    """What ``recent_fingerprints`` + the pairwise rule decide, written out plainly."""
    from knowledge.ingest.dedupe import is_near_duplicate

    candidates = [r for r in sorted(rows, key=lambda r: -r.id) if r.url != exclude_url][:limit]
    return next((r.id for r in candidates if is_near_duplicate(value, r.fingerprint)), None)


def test_duplicate_window_follows_writes_like_the_query() -> None:
    rng = random.Random(11)
    base = rng.getrandbits(62)
    near = [base ^ (1 << rng.randrange(62)) for _ in range(6)]  # all within a bit of each other
    rows = [RecentPrint(i, near[i % 6] if i % 3 == 0 else rng.getrandbits(62), f"u{i}") for i in range(1, 40)]
    stored = {r.id: r for r in rows}
    window = DuplicateWindow(sorted(rows, key=lambda r: -r.id), limit=5)
    next_id = 40
    for step in range(300):
        value = rng.choice(near) if rng.random() < 0.5 else rng.getrandbits(62)
        if rng.random() < 0.3:  # an update of a stored article, under its own URL
            article_id = rng.choice(sorted(stored)) if stored else next_id
            url = f"u{article_id}"
        else:
            article_id, url = next_id, f"u{next_id}"
            next_id += 1
        originals = list(stored.values())
        expected = _brute_force(originals, value, url, 5)
        assert window.find(value, exclude_url=url) == expected, step
        stored.pop(article_id, None)
        if expected is None:
            stored[article_id] = RecentPrint(article_id, value, url)
        window.record(article_id, url, value, original=expected is None)


async def test_one_link_twice_in_a_run_is_added_then_updated(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(12)
    first, second = (
        Article(
            url="file:///feeds/same.txt", title=f"Version {n}", paragraphs=(_paragraph(rng), _paragraph(rng))
        )
        for n in (1, 2)
    )
    reference = await Knowledge.open(make_settings(tmp_path / "ref"))
    bulk = await Knowledge.open(make_settings(tmp_path / "bulk", db_url))
    try:
        expected = [await reference.store_article(a) for a in (first, second, second)]
        items = [prepare(a) for a in (first, second, second)]
        async with bulk.store.batch(None) as writer:
            window = DuplicateWindow(await writer.recent_prints(100), limit=100)
            got = await store_prepared(writer, window, [i for i in items if isinstance(i, Prepared)])
        assert [r.status for r in got] == ["added", "updated", "unchanged"]
        assert got == expected
        assert await database(bulk) == await database(reference)
    finally:
        await reference.close()
        await bulk.close()
