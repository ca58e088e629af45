"""A page stored from a local file and then from its real link is one article, cited by the real link."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from knowledge.service import Knowledge
from tests.web import serve

PAGE = """<!doctype html><html><head><title>Ferry timetable changes</title></head><body><article>
<h1>Ferry timetable changes</h1>
<p>The island ferry will leave at 6:40 each morning from the first of June, the operator said.</p>
<p>Evening crossings stay the same, and fares do not change this year.</p>
</article></body></html>"""
REAL = "https://news.example/ferry-timetable"
QUESTION = "when will the island ferry leave each morning?"


async def urls(kb: Knowledge) -> list[str]:
    return [article.url async for article in kb.export()]


def page(tmp_path: Path, name: str = "ferry.html") -> Path:
    path = tmp_path / name
    path.write_text(PAGE, encoding="utf-8")
    return path


async def test_ingest_again_with_url_gives_the_file_article_its_real_link(
    any_kb: Knowledge, tmp_path: Path
) -> None:
    path = page(tmp_path)
    [first] = await any_kb.ingest(str(path))
    assert first.status == "added" and await urls(any_kb) == [path.resolve().as_uri()]

    [again] = await any_kb.ingest(str(path), url=REAL)
    assert again.status == "updated"  # the link changed, so the article did
    assert await urls(any_kb) == [REAL]
    answer = await any_kb.ask(QUESTION)
    assert not answer.abstained and answer.url == REAL

    [third] = await any_kb.ingest(str(path), url=REAL)
    assert third.status == "unchanged" and await urls(any_kb) == [REAL]


async def test_edited_file_with_url_replaces_its_file_article(any_kb: Knowledge, tmp_path: Path) -> None:
    path = page(tmp_path)
    await any_kb.ingest(str(path))
    path.write_text(PAGE.replace("6:40", "6:55"), encoding="utf-8")
    [result] = await any_kb.ingest(str(path), url=REAL)
    assert result.status == "updated" and await urls(any_kb) == [REAL]
    answer = await any_kb.ask(QUESTION)
    assert answer.url == REAL and "6:55" in (answer.quote or "")


async def test_same_page_from_a_file_then_its_url_is_one_article(kb: Knowledge, tmp_path: Path) -> None:
    await kb.ingest(str(page(tmp_path)))

    async def ferry(_request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/ferry", ferry)
    async with serve(app) as base:
        [fetched] = await kb.ingest(f"{base}/ferry")
    assert fetched.status == "updated"
    assert await urls(kb) == [f"{base}/ferry"]
    assert (await kb.ask(QUESTION)).url == f"{base}/ferry"


async def test_a_copy_saved_after_the_real_link_is_not_a_second_article(
    any_kb: Knowledge, tmp_path: Path
) -> None:
    await any_kb.ingest(str(page(tmp_path, "first.html")), url=REAL)
    [copy] = await any_kb.ingest(str(page(tmp_path, "saved-copy.html")))
    assert copy.status == "unchanged"
    assert await urls(any_kb) == [REAL]


async def test_a_real_link_already_stored_is_left_alone(any_kb: Knowledge, tmp_path: Path) -> None:
    other = tmp_path / "other.html"
    other.write_text(PAGE.replace("6:40", "7:10").replace("Ferry timetable", "Bus timetable"), "utf-8")
    await any_kb.ingest(str(other), url=REAL)
    path = page(tmp_path)
    await any_kb.ingest(str(path))
    await any_kb.ingest(str(path), url=REAL)  # REAL is taken: the stored file article keeps its link
    assert sorted(await urls(any_kb)) == sorted([REAL, path.resolve().as_uri()])
