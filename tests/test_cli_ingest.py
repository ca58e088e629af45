"""`newsdesk ingest DIR` as a user sees it: one JSON line per file, a progress bar only on a
terminal, and one summary line at the end."""

from __future__ import annotations

import io
import json
import random
import re
import sys
from pathlib import Path

import pytest

from knowledge.cli import main
from tests.test_importer import _text_file

SUMMARY = re.compile(r"^added (\d+), updated (\d+), unchanged (\d+), failed (\d+) in \d+\.\d s$")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Six stories with a broken file in the middle."""
    rng = random.Random(21)
    folder = tmp_path / "stories"
    folder.mkdir()
    for n in range(6):
        (folder / f"s{n}.txt").write_text(_text_file(rng, f"Story {n} of the week"))
    (folder / "s3-broken.txt").write_bytes(b"\x00\x01\x02binary" * 100)
    return folder


def test_json_lines_and_summary(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    assert main(["ingest", str(folder), "--json"]) == 1  # one file failed, the rest are stored
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [Path(line["source"]).name for line in lines] == sorted(p.name for p in folder.iterdir())
    assert all(set(line) == {"source", "status", "articles", "passages", "error"} for line in lines)
    broken = next(line for line in lines if line["source"].endswith("s3-broken.txt"))
    assert broken["status"] == "failed" and "binary" in broken["error"]
    assert [line["status"] for line in lines].count("added") == 6
    assert err.splitlines() == [err.strip()]  # no progress when stderr is not a terminal
    summary = SUMMARY.match(err.strip())
    assert summary is not None and summary.groups() == ("6", "0", "0", "1")

    (folder / "s0.txt").write_text(_text_file(random.Random(3), "Story 0, corrected"))
    (folder / "s3-broken.txt").unlink()
    assert main(["ingest", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("updated    ") and "s0.txt" in out.splitlines()[0]
    summary = SUMMARY.match(err.strip())
    assert summary is not None and summary.groups() == ("0", "1", "5", "0")

    assert main(["export", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6


def test_progress_bar_only_on_a_terminal_without_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, folder: Path
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["ingest", str(folder)]) == 1
    drawn = terminal.getvalue()
    assert "\r[" in drawn and "7/7 files" in drawn
    assert drawn.endswith("\n") and SUMMARY.match(drawn.splitlines()[-1])
    assert "failed     " in drawn.rsplit("\r\x1b[K", 1)[-1]  # the bar is cleared before the results
    assert "\r" not in capsys.readouterr().out  # the results are plain lines

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["ingest", str(folder), "--json"]) == 1
    assert terminal.getvalue().count("\n") == 1 and "\r" not in terminal.getvalue()
    assert SUMMARY.match(terminal.getvalue().strip())
