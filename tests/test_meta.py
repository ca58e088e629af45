"""House rules that keep the codebase honest: boundaries, documented settings and commands."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

from bot.cli import build_parser
from bot.config import BotSettings
from knowledge.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_knowledge_never_imports_discord() -> None:
    offenders = []
    for path in (ROOT / "knowledge").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in {"discord", "bot"}
            ]
    # `newsdesk run` lives in bot/ (bot.cli adds it to the library's parser)
    assert offenders == []


def test_env_example_matches_settings() -> None:
    keys = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    library = {field.validation_alias for field in Settings.model_fields.values()}
    bot = {field.validation_alias for field in BotSettings.model_fields.values()}
    assert library <= bot  # the bot's settings extend the library's
    assert keys == bot


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f.validation_alias
        for f in BotSettings.model_fields.values()
        if f"`{f.validation_alias}`" not in readme
    ]
    assert missing == []


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, str | None]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((f"{prefix}{name}", helps.get(name)))
                found += _subcommands(sub, f"{prefix}{name} ")
    return found


def test_every_cli_command_has_help() -> None:
    commands = _subcommands(build_parser())
    names = {name for name, _ in commands}
    assert {
        "ingest",
        "ask",
        "search",
        "export",
        "digest",
        "sources add",
        "sources list",
        "sources remove",
    } <= names
    assert {"poll", "run", "db upgrade"} <= names
    assert [name for name, text in commands if not text] == []


def test_env_example_as_copied_by_dev_run_starts_with_only_a_token(tmp_path: Path) -> None:
    """`./dev run` copies .env.example to .env; with a token filled in, its blanks must all mean unset."""
    env = tmp_path / ".env"
    env.write_text(
        (ROOT / ".env.example").read_text(encoding="utf-8") + "\nDISCORD_TOKEN=abc\n", encoding="utf-8"
    )
    settings = BotSettings(_env_file=env)  # type: ignore[call-arg]
    assert settings.shard_ids is None and settings.shard_count is None
