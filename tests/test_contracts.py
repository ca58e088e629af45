"""docs/contracts.md and the code agree: every documented JSON shape is exactly what the CLI prints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import SEED, SEED_URL
from tests.test_cli_commands import site  # noqa: F401  (a fixture: a feed on 127.0.0.1)

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "docs" / "contracts.md"


def documented() -> dict[str, dict[str, Any]]:
    """Each ``<!-- contract: NAME -->`` and the JSON example in the code block after it."""
    text = CONTRACTS.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- contract: ([\w-]+) -->\s*```json\n(.*?)\n```", text, re.S)
    return {name: json.loads(body) for name, body in blocks}


def shape(value: Any) -> Any:
    """The keys of an object, recursively (a list stands for the shape of its first element)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else []
    return None


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("NEWSDESK_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_HOSTS", "127.0.0.1")


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    main(list(argv))
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_every_documented_json_shape_is_what_the_cli_prints(
    site: tuple[str, list[str]],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    base, _ = site
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"question": "when was the shutdown deadline?"}\n{not json\n', encoding="utf-8")
    actual = {
        "ingest": printed(capsys, "ingest", str(SEED), "--url", SEED_URL, "--json")[0],
        "ask": printed(capsys, "ask", "when was the shutdown deadline?", "--json")[0],
        "ask-line-error": printed(capsys, "ask", "--questions", str(questions), "--json")[1],
        "search": printed(capsys, "search", "BlackBerry Pakistan", "--json")[0],
        "export": printed(capsys, "export", "--json")[0],
        "digest": printed(capsys, "digest", "--json")[0],
    }
    main(["sources", "add", f"{base}/feed.xml"])
    actual["sources-list"] = printed(capsys, "sources", "list", "--json")[0]
    assert actual["ask"]["alternatives"], "the seed question should have runners-up to compare"
    docs = documented()
    assert sorted(docs) == sorted(actual)
    for name, example in docs.items():
        assert shape(example) == shape(actual[name]), name


def test_every_command_is_documented() -> None:
    from bot.cli import build_parser
    from knowledge.clihelp import commands

    text = CONTRACTS.read_text(encoding="utf-8")
    leaves = [name for name, parser in commands(build_parser()) if not parser._subparsers]
    missing = [name for name in leaves if f"newsdesk {name}" not in text and f"`{name} " not in text]
    assert missing == []
