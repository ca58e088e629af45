"""Failures a newcomer meets first: each is one line on stderr and exit 1 or 2, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from knowledge.cli import main
from tests.conftest import POSTGRES_URL, SEED, SEED_URL

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def command(tmp_path: Path, *argv: str, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    """``newsdesk ARGV`` as a separate process, the way a shell runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=tmp_path,
        env=env,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("argv", [("export",), ("export", "--json"), ("digest", "--since", "2000-01-01")])
def test_output_closed_by_its_reader_is_no_traceback(tmp_path: Path, argv: tuple[str, ...]) -> None:
    assert command(tmp_path, "ingest", str(SEED), "--url", SEED_URL).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already quit: every write fails with EPIPE
    try:
        done = command(tmp_path, *argv, stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""  # the reader went away on purpose: nothing to report


def test_sync_sqlite_url_says_which_forms_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "sqlite:///x.db")
    assert main(["export"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "NEWSDESK_DATABASE_URL" in line and "sqlite:///x.db" in line
    assert "sqlite+aiosqlite:///" in line and "postgresql+asyncpg://" in line


def test_closed_postgres_port_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"postgresql+asyncpg://newsdesk:secret@127.0.0.1:{closed}/x")
    assert main(["ask", "anything?"]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"127.0.0.1:{closed}" in line and "connection refused" in line
    assert "secret" not in line  # the password is never printed


@pytest.mark.postgres
@pytest.mark.parametrize("part", ["username", "database"])
def test_missing_postgres_role_or_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    if not POSTGRES_URL:
        pytest.skip("NEWSDESK_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    url = make_url(POSTGRES_URL).set(**{part: "newsdesk_no_such_thing"})
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url.render_as_string(hide_password=False))
    assert main(["search", "anything"]) == 1
    line = one_line(capsys.readouterr().err)
    assert '"newsdesk_no_such_thing" does not exist' in line and "cannot open" in line


def test_unexpected_error_is_one_line_and_verbose_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from knowledge.service import Knowledge

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the index went away")

    monkeypatch.setattr(Knowledge, "open", broken)
    assert main(["search", "ferry"]) == 1
    line = one_line(capsys.readouterr().err)
    assert "RuntimeError: the index went away" in line and "-v" in line
    with pytest.raises(RuntimeError):
        main(["-v", "search", "ferry"])
