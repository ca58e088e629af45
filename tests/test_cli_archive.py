"""`newsdesk articles ...` and `newsdesk index ...` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from knowledge.cli import main
from tests.conftest import SEED, SEED_URL

OTHER = (
    "Tulip harvest doubles in Lisse\n\n"
    "Tulip growers in Lisse said on Tuesday that the spring harvest doubled this year, after a mild "
    "and dry winter let the bulbs flower three weeks earlier than usual across the region.\n\n"
    "Exporters expect prices at the Aalsmeer auction to fall by a fifth before the end of April, "
    "which florists in Germany and France welcomed ahead of the Easter holidays.\n"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _ingest_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "tulips.txt").write_text(OTHER)
    assert run(capsys, "ingest", str(SEED), "--url", SEED_URL)[0] == 0
    tulips = str(tmp_path / "tulips.txt")
    assert run(capsys, "ingest", tulips, "--url", "https://flowers.example/tulips")[0] == 0


def test_list_show_and_remove(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _ingest_two(capsys, tmp_path)
    code, out, _ = run(capsys, "articles", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["url"] for a in listed] == [SEED_URL, "https://flowers.example/tulips"]
    assert listed[0]["passages"] > 1 and listed[0]["id"] == 1

    code, out, _ = run(capsys, "articles", "show", "2", "--json")
    shown = json.loads(out)
    assert code == 0 and any("Aalsmeer" in p for p in shown["paragraphs"])
    code, out, _ = run(capsys, "articles", "show", SEED_URL)
    assert code == 0 and "Secusmart" in out

    assert "Tulip" in run(capsys, "search", "tulip harvest")[1]
    code, out, _ = run(capsys, "articles", "remove", "https://flowers.example/tulips")
    assert code == 0 and out.startswith("removed article 2")
    assert "Tulip" not in run(capsys, "search", "tulip harvest")[1]
    code, out, _ = run(capsys, "articles", "list")
    assert "flowers.example" not in out and SEED_URL in out
    assert run(capsys, "index", "check")[0] == 0


@pytest.mark.parametrize("action", ["show", "remove"])
def test_unknown_article_is_one_line(capsys: pytest.CaptureFixture[str], action: str) -> None:
    code, _, err = run(capsys, "articles", action, "https://nowhere.example/x")
    assert code == 1
    assert err.count("\n") == 1 and "nowhere.example" in err
    code, _, err = run(capsys, "articles", action, "99")
    assert code == 1 and err.count("\n") == 1 and "99" in err


def test_index_check_reports_a_disagreement_and_rebuild_fixes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _ingest_two(capsys, tmp_path)
    code, out, _ = run(capsys, "index", "check")
    assert code == 0 and "agrees" in out
    with sqlite3.connect(tmp_path / "cli.db") as db:  # behind the index's back: no change logged
        db.execute("UPDATE passages SET text = 'Tampered text.' WHERE article_id = 2")
    code, _, err = run(capsys, "index", "check")
    assert code == 1 and err.count("\n") == 1 and "differs from the database" in err
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("DELETE FROM passages WHERE article_id = 1")
    code, _, err = run(capsys, "index", "check")
    assert code == 1 and err.count("\n") == 1 and "8 passages but the database has 2" in err
    code, out, _ = run(capsys, "index", "rebuild")
    assert code == 0 and ": 2 passages" in out
    assert run(capsys, "index", "check")[0] == 0
    assert "Tampered" in run(capsys, "search", "tampered text")[1]
