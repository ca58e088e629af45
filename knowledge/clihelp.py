"""What ``--help`` shows under each command: an example and the environment variables it reads."""

from __future__ import annotations

import argparse
import textwrap
from importlib import metadata

STORE = ("NEWSDESK_DATABASE_URL", "NEWSDESK_INDEX_DIR")
ANSWER = (*STORE, "NEWSDESK_EMBEDDING_MODEL")
FETCH = (*ANSWER, "NEWSDESK_FETCH_ALLOW_HOSTS")

# command path -> (examples, environment variables read); ``run`` is described by bot/cli.py
HELP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ingest": (
        (
            "newsdesk ingest saved-page.html --url https://example.com/story",
            "newsdesk ingest pages/ https://example.com/feed.xml --json",
        ),
        FETCH,
    ),
    "ask": (
        (
            'newsdesk ask "when was the shutdown deadline?"',
            "newsdesk ask --questions questions.jsonl --json",
        ),
        ANSWER,
    ),
    "search": (('newsdesk search "pakistan backdoor" --limit 3',), ANSWER),
    "export": (("newsdesk export --json > archive.jsonl",), STORE),
    "digest": (("newsdesk digest --since 2026-01-01T00:00",), STORE),
    "sources": (("newsdesk sources add https://example.com/feed.xml", "newsdesk sources list"), FETCH),
    "sources add": (("newsdesk sources add https://example.com/feed.xml --guild 123456789012345678",), FETCH),
    "sources list": (("newsdesk sources list --json",), STORE),
    "sources remove": (
        ("newsdesk sources remove 3", "newsdesk sources remove https://example.com/feed.xml"),
        STORE,
    ),
    "poll": (
        ("newsdesk poll", "newsdesk poll --all"),
        (*FETCH, "NEWSDESK_POLL_MINUTES", "NEWSDESK_LEASE_SECONDS"),
    ),
    "articles": (("newsdesk articles list",), STORE),
    "articles list": (("newsdesk articles list --json",), STORE),
    "articles remove": (("newsdesk articles remove https://example.com/story",), STORE),
    "index": (("newsdesk index check",), STORE),
    "index rebuild": (("newsdesk index rebuild",), STORE),
    "index check": (("newsdesk index check",), STORE),
    "db": (("newsdesk db upgrade",), ("NEWSDESK_DATABASE_URL",)),
    "db upgrade": (
        ("NEWSDESK_DATABASE_URL=postgresql+asyncpg://user:password@localhost/newsdesk newsdesk db upgrade",),
        ("NEWSDESK_DATABASE_URL",),
    ),
}
TOP_EXAMPLES = (
    "newsdesk ingest saved-page.html --url https://example.com/story",
    'newsdesk ask "when was the shutdown deadline?"',
    "newsdesk sources add https://example.com/feed.xml && newsdesk poll --all",
    "newsdesk run",
)

TOP_READS = """every command reads NEWSDESK_DATABASE_URL (default sqlite+aiosqlite:///newsdesk.db, in the
current directory) from the environment or .env; `newsdesk COMMAND --help` lists what it reads"""


def version() -> str:
    """The installed version of Newsdesk."""
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def epilog(examples: tuple[str, ...], variables: tuple[str, ...]) -> str:
    """The text under a command's help: its examples, then what it reads from the environment."""
    shown = "\n".join(f"  {example}" for example in examples)
    heading = "examples" if len(examples) > 1 else "example"
    reads = textwrap.fill(f"reads {', '.join(variables)} (environment or .env)", 100)
    return f"{heading}:\n{shown}\n\n{reads}"


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((f"{prefix}{name}", sub))
                found += _subcommands(sub, f"{prefix}{name} ")
    return found


def commands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand under ``parser``, as ("sources add", its parser)."""
    return _subcommands(parser)


def describe(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` ``--version`` and every command its description, example and variables."""
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = epilog(TOP_EXAMPLES, ()).split("\n\nreads")[0] + "\n\n" + TOP_READS
    helps = {
        f"{prefix}{choice.dest}": choice.help
        for prefix, sub in [("", parser), *((f"{name} ", p) for name, p in commands(parser))]
        for action in sub._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
    }
    for name, sub in commands(parser):
        if name not in HELP or sub.epilog:
            continue
        examples, variables = HELP[name]
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.description = sub.description or _sentence(helps.get(name))
        sub.epilog = epilog(examples, variables)


def _sentence(text: str | None) -> str | None:
    return f"{text[0].upper()}{text[1:]}." if text else None
