"""`newsdesk digest` says which date it filters on and when it stops at its limit; the empty archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.cli import main

PAGE = """<html><head><title>Bridge vote number {n}</title>
<meta property="article:published_time" content="2026-0{n}-02T08:00:00+00:00"></head><body><article>
<h1>Bridge vote number {n}</h1><p>WASHINGTON —</p>
<p>The council voted on Tuesday to rebuild bridge {n} over the canal by March, officials said.</p>
<p>Residents of district {n} have waited {n} years for the crossing to reopen.</p>
</article></body></html>"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


@pytest.fixture
def four(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Four articles, published on the 2nd of January, February, March and April 2026."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(1, 5):
        (pages / f"bridge-{n}.html").write_text(PAGE.format(n=n), encoding="utf-8")
    assert main(["ingest", str(pages)]) == 0
    capsys.readouterr()


def digest(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["digest", *argv, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.usefixtures("four")
def test_digest_says_when_its_limit_cut_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "stored since" in out and "not their publication date" in out
    assert "Showing the newest 2 of 4 articles" in out and "--limit 4" in out
    cut = digest(capsys, "--limit", "2")
    assert cut["total"] == 4 and len(cut["items"]) == 2  # type: ignore[arg-type]
    whole = digest(capsys)
    assert whole["total"] == 4 and len(whole["items"]) == 4  # type: ignore[arg-type]
    assert main(["digest"]) == 0
    assert "Showing the newest" not in capsys.readouterr().out


@pytest.mark.usefixtures("four")
def test_digest_since_compares_publication_dates(capsys: pytest.CaptureFixture[str]) -> None:
    result = digest(capsys, "--since", "2026-02-15")
    assert result["by"] == "published"
    titles = [item["title"] for item in result["items"]]  # type: ignore[attr-defined]
    assert titles == ["Bridge vote number 4", "Bridge vote number 3"]  # all four were stored today
    assert main(["digest", "--since", "2026-02-15"]) == 0
    assert "published since 2026-02-15" in capsys.readouterr().out


@pytest.mark.usefixtures("four")
def test_a_dateline_alone_is_not_a_lede(capsys: pytest.CaptureFixture[str]) -> None:
    items = digest(capsys)["items"]
    ledes = {item["lede"] for item in items}  # type: ignore[attr-defined]
    assert ledes == {
        f"The council voted on Tuesday to rebuild bridge {n} over the canal by March, officials said."
        for n in range(1, 5)
    }


@pytest.mark.parametrize("argv", [("ask", "when is the bridge vote?"), ("search", "bridge"), ("digest",)])
def test_empty_archive_names_the_database_in_use(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "sqlite+aiosqlite:///newsdesk.db")  # the default
    assert main(list(argv)) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "archive is empty" in err and str(elsewhere / "newsdesk.db") in err and "newsdesk ingest" in err


@pytest.mark.usefixtures("four")
def test_a_full_archive_says_nothing_about_being_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "bridge"]) == 0
    assert capsys.readouterr().err == ""
