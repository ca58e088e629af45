"""Hostile command-line input: one readable line and the right exit code, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.cli import main
from tests.conftest import SEED, SEED_URL
from tests.hostile import bombs


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert "Traceback" not in captured.err
    return code, lines, captured.err


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that argparse must refuse; return its error line."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_deep_json_in_a_directory_fails_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-deep.json").write_bytes(bombs.deep_json().data)
    (folder / "b-story.txt").write_bytes(SEED.read_bytes())
    code, results, _ = run(capsys, "ingest", str(folder), "--json")
    assert code == 1
    by_name = {Path(str(r["source"])).name: r for r in results}
    assert by_name["a-deep.json"]["status"] == "failed"
    assert "nested too deeply" in str(by_name["a-deep.json"]["error"])
    assert by_name["b-story.txt"]["status"] == "added"  # read after the bad file


def test_malformed_question_lines_are_reported_in_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "ingest", str(SEED), "--url", SEED_URL)
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(
        b"\n".join(
            [
                json.dumps({"question": "who is the COO of blackberry"}).encode(),
                b'{"question": "unterminated',
                json.dumps({"question": 42}).encode(),
                b"when was the shutdown deadline? \xff\xfe",
                b"",
                b'{"question": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
                json.dumps({"question": "why " * 1250}).encode(),
                b"when was the shutdown deadline?",
            ]
        )
    )
    code, lines, _ = run(capsys, "ask", "--questions", str(questions), "--json")
    assert code == 1
    assert [line.get("line") for line in lines] == [None, 2, 3, 4, 6, 7, None]
    assert lines[0]["answer"] == "Marty Beard" and lines[-1]["answer"] == "Dec. 30"
    errors = [str(line["error"]) for line in lines[1:-1]]
    assert "not valid JSON" in errors[0]
    assert '"question" string' in errors[1]
    assert "UTF-8" in errors[2]
    assert "nested too deeply" in errors[3]
    assert "characters long" in errors[4]
    assert all("\n" not in e for e in errors)


def test_text_output_of_unreadable_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_bytes(b"\xc3\x28 broken\n{not json\n")
    code = main(["ask", "--questions", str(questions)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("line 1: not valid UTF-8") and out[1].startswith("line 2: not valid JSON")


def test_missing_questions_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "ask", "--questions", str(tmp_path / "none.txt"))
    assert code == 1 and err.count("\n") == 1 and "cannot read the questions file" in err


def test_digest_since_before_year_one_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(capsys, "digest", "--since", "0001-01-01T00:00:00+23:59")
    assert "outside the dates" in line


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://example.com/a.html", "not-a-url", "https://"])
def test_url_must_be_an_absolute_http_link(capsys: pytest.CaptureFixture[str], link: str) -> None:
    line = usage_error(capsys, "ingest", str(SEED), "--url", link)
    assert "not an absolute http:// or https:// link" in line


def test_over_long_url_option_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(capsys, "ingest", str(SEED), "--url", "https://x.example/" + "a" * 3_000)
    assert "3,018 characters long" in line and len(line) < 300


def test_mistyped_scheme_is_not_called_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, results, _ = run(capsys, "ingest", "htps://example.com/x", "--json")
    assert code == 1
    assert "did you mean https://example.com/x?" in str(results[0]["error"])
    assert "no such file" not in str(results[0]["error"])


def test_over_long_source_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sources", "add", "https://x.example/" + "a" * 3_000)
    assert code == 1 and err.count("\n") == 1
    assert "characters long" in err and len(err) < 300
    code, listed, _ = run(capsys, "sources", "list", "--json")
    assert code == 0 and listed == []  # nothing was stored


def test_utf16_questions_file_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "ingest", str(SEED), "--url", SEED_URL)
    questions = tmp_path / "q.txt"
    text = "who is the COO of blackberry\r\nwhen was the shutdown deadline?\r\n"
    questions.write_bytes(text.encode("utf-16"))
    code, answers, _ = run(capsys, "ask", "--questions", str(questions), "--json")
    assert code == 0
    assert [a["answer"] for a in answers] == ["Marty Beard", "Dec. 30"]
