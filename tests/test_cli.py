"""The `newsdesk` command as a user runs it: contracts, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.cli import main
from tests.conftest import SEED, SEED_URL

ANSWER_KEYS = {
    "question",
    "answer",
    "quote",
    "passage",
    "url",
    "title",
    "published",
    "score",
    "abstained",
    "alternatives",
}
INGEST_KEYS = {"source", "status", "articles", "passages", "error"}
EXPORT_KEYS = {"url", "source", "title", "published", "site", "guild", "paragraphs"}

ARTICLE = """<!doctype html><html><head><title>Harbour ferry returns | Coast Daily</title>
<link rel="canonical" href="https://coast.example/news/ferry-returns">
<meta property="article:published_time" content="2024-03-02T08:00:00+00:00"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Harbour ferry returns</h1>
<p>The harbour ferry returned to service on Saturday after a three-month refit at the Dunmore yard.</p>
<p>Operators said the vessel, which carries up to 240 passengers, now runs on a hybrid engine.</p>
<p>Tickets cost £4.50 for adults and the first crossing leaves at 7:15 each morning.</p>
</article><footer>Copyright 2024 Coast Daily</footer></body></html>"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    return code, lines, captured.err


def test_seed_ingest_export_and_ask(capsys: pytest.CaptureFixture[str]) -> None:
    code, results, _ = run(capsys, "ingest", str(SEED), "--url", SEED_URL, "--json")
    assert code == 0
    assert set(results[0]) == INGEST_KEYS and results[0]["status"] == "added"
    assert results[0]["source"] == str(SEED.resolve())

    code, again, _ = run(capsys, "ingest", str(SEED), "--url", SEED_URL, "--json")
    assert again[0]["status"] == "unchanged"

    code, exported, _ = run(capsys, "export", "--json")
    assert code == 0 and set(exported[0]) == EXPORT_KEYS
    article = exported[0]
    assert article["url"] == SEED_URL and article["title"] == "BlackBerry to Continue Operating in Pakistan"
    paragraphs = article["paragraphs"]
    assert isinstance(paragraphs, list)
    lede = [p for p in paragraphs if p.startswith("After saying that it would cease offering services")]
    assert len(lede) == 1
    joined = "\n".join(paragraphs)
    for junk in ("<", "Related Content", "Copyright", "Exit mobile version", "Mobile & Wireless"):
        assert junk not in joined

    code, answers, _ = run(capsys, "ask", "when was the shutdown deadline?", "--json")
    assert code == 0 and set(answers[0]) == ANSWER_KEYS
    answer = answers[0]
    assert answer["abstained"] is False
    assert "Dec. 30" in str(answer["quote"]) and answer["url"] == SEED_URL
    assert answer["answer"] == "Dec. 30"
    assert 0 <= float(answer["score"]) <= 1  # type: ignore[arg-type]


def test_batch_questions_jsonl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "ingest", str(SEED), "--url", SEED_URL)
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"question": "who is the COO of blackberry"})
        + "\n\n"
        + json.dumps({"question": "who won the 2022 world cup final?"})
        + "\n",
        encoding="utf-8",
    )
    code, answers, _ = run(capsys, "ask", "--questions", str(questions), "--json")
    assert code == 0 and len(answers) == 2
    assert answers[0]["answer"] == "Marty Beard"
    assert answers[1]["abstained"] is True and answers[1]["quote"] is None and answers[1]["url"] is None


def test_directory_with_bad_files_stores_the_good_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_text(ARTICLE, encoding="utf-8")
    (pages / "legacy.html").write_bytes(
        ARTICLE.replace("ferry-returns", "legacy").replace("Dunmore", "Dunmoré").encode("cp1252")
    )
    (pages / "empty.html").write_text("", encoding="utf-8")
    (pages / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40)
    (pages / "nav-only.html").write_text(
        "<html><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav></body></html>", encoding="utf-8"
    )
    with (pages / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    code, results, _ = run(capsys, "ingest", str(pages), str(tmp_path / "missing.html"), "--json")
    assert code == 1
    by_name = {Path(str(r["source"])).name: r for r in results}
    assert by_name["good.html"]["status"] == "added"
    assert by_name["legacy.html"]["status"] == "added"
    for bad, words in {
        "empty.html": "empty",
        "binary.html": "binary",
        "nav-only.html": "article",
        "huge.txt": "limit",
        "missing.html": "no such file",
    }.items():
        assert by_name[bad]["status"] == "failed", bad
        error = str(by_name[bad]["error"])
        assert words in error.lower() and "\n" not in error, (bad, error)

    code, exported, _ = run(capsys, "export", "--json")
    texts = {str(a["url"]): "\n".join(a["paragraphs"]) for a in exported}  # type: ignore[arg-type]
    assert "Dunmoré" in texts["https://coast.example/news/legacy"]
    assert len(exported) == 2


def test_url_with_directory_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, results, _ = run(capsys, "ingest", str(tmp_path), "--url", "https://x.example/a", "--json")
    assert code == 1 and "single file" in str(results[0]["error"])


def test_too_long_question_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", "why " * 1250)
    assert code == 1
    assert err.count("\n") == 1 and "characters" in err


def test_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SEED), "--url", SEED_URL)
    code, hits, _ = run(capsys, "search", "Secusmart encryption", "--limit", "2", "--json")
    assert code == 0 and 1 <= len(hits) <= 2
    assert set(hits[0]) == {"passage", "url", "title", "score"}
    assert "Secusmart" in str(hits[0]["passage"])


def test_db_upgrade_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", "--help"])
    assert exit_info.value.code == 0
    assert "--url" in capsys.readouterr().out


def test_bad_setting_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_POLL_MINUTES", "soon")
    code, _, err = run(capsys, "export")
    assert code == 2
    assert err.count("\n") == 1 and "NEWSDESK_POLL_MINUTES" in err
