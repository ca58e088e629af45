"""House rules for the bot package: documented commands, thin cogs, one file per feature."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot.app import ERROR_HANDLER, NewsdeskBot, discover_extensions
from bot.config import BotSettings
from tests.bot.fakes import FakeKnowledge

BOT = Path(__file__).resolve().parents[2] / "bot"
PLACEHOLDER = "…"  # what discord.py uses when a command or option has no description


@pytest.fixture
async def loaded_bot(tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    settings = BotSettings(_env_file=None, NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db")  # type: ignore[call-arg]
    bot = NewsdeskBot(settings, knowledge=FakeKnowledge())  # type: ignore[arg-type]
    async with bot:
        for name in (ERROR_HANDLER, *discover_extensions()):
            await bot.load_extension(name)
        yield bot


def walk(commands: list[Any]) -> Iterator[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)


def test_extensions_are_discovered_without_a_list() -> None:
    assert set(discover_extensions()) == {"bot.exts.ask", "bot.exts.sources", "bot.exts.digest"}


async def test_commands_are_the_documented_surface(loaded_bot: NewsdeskBot) -> None:
    names = {c.qualified_name for c in walk(loaded_bot.tree.get_commands())}
    assert names == {
        "ask", "search",
        "sources", "sources add", "sources list", "sources remove",
        "digest", "digest set", "digest now", "digest off", "digest status",
    }  # fmt: skip


async def test_every_command_and_option_has_a_description(loaded_bot: NewsdeskBot) -> None:
    for command in walk(loaded_bot.tree.get_commands()):
        assert command.description and command.description != PLACEHOLDER, command.qualified_name
        assert len(command.description) <= 100, command.qualified_name
        if isinstance(command, app_commands.Command):
            for param in command.parameters:
                assert param.description and param.description != PLACEHOLDER, (
                    command.qualified_name,
                    param.name,
                )


async def test_admin_commands_default_to_manage_server(loaded_bot: NewsdeskBot) -> None:
    for name in ("sources", "digest"):
        group = loaded_bot.tree.get_command(name)
        assert isinstance(group, app_commands.Group)
        assert group.default_permissions is not None and group.default_permissions.manage_guild
        assert group.guild_only


# A regex, not ``ast``: CPython 3.11.7's ast.parse can raise a spurious SystemError (gh-106905).
IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
CLASS = re.compile(r"^class\s+(\w+)", re.MULTILINE)


def _imports(path: Path) -> set[str]:
    return {a or b for a, b in IMPORT.findall(path.read_text())}


FORBIDDEN = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "knowledge.store",
    "knowledge.retrieval",
    "knowledge.reader",
    "knowledge.analysis",
    "knowledge.answer",
    "numpy",
)


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_bot_holds_no_sql_and_no_scoring(path: Path) -> None:
    bad = {name for name in _imports(path) if name.startswith(FORBIDDEN)}
    assert not bad, f"{path.name} imports {bad}: go through knowledge.service instead"
    source = path.read_text().lower()
    assert "select " not in source and "insert into" not in source


def test_cogs_are_named_after_their_feature() -> None:
    for path in (BOT / "exts").glob("[!_]*.py"):
        classes = CLASS.findall(path.read_text())
        cogs = [name for name in classes if name.endswith("Cog")]
        assert cogs == [f"{path.stem.capitalize()}Cog"], path.name
