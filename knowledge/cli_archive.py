"""``newsdesk articles ...`` and ``newsdesk index ...``: what is stored, and the index built from it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from knowledge.config import Settings
from knowledge.models import ArticleSummary
from knowledge.service import Knowledge


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _line(summary: ArticleSummary) -> str:
    a = summary.article
    date = a.published.date().isoformat() if a.published else "undated"
    scope = f"guild {a.guild}" if a.guild else "global"
    copy = f"  (near-duplicate of {summary.duplicate_of})" if summary.duplicate_of else ""
    return f"{a.id:>6}  {date:<10}  {scope:<24} {summary.passages:>4} passages  {a.url}  {a.title}{copy}"


async def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        if args.action == "list":
            count = 0
            async for summary in kb.list_articles():
                count += 1
                if args.json:
                    _emit(summary.to_json())
                else:
                    print(_line(summary))
            if not count and not args.json:
                print("No articles yet. Add some with: newsdesk ingest SOURCE")
            return 0
        if args.action == "show":
            summary = await kb.find_article(args.ref)
            paragraphs = await kb.article_text(summary.article.id or 0)
            if args.json:
                _emit({**summary.to_json(), "paragraphs": paragraphs})
            else:
                print(_line(summary))
                for text in paragraphs:
                    print(f"\n{text}")
            return 0
        removed = await kb.remove_article(args.ref)
        print(f"removed article {removed.article.id}: {removed.article.url} ({removed.passages} passages)")
        return 0


async def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        if args.action == "rebuild":
            passages = await kb.rebuild_index()
            print(f"rebuilt the search index at {kb.engine.directory or 'memory'}: {passages} passages")
            return 0
        problem = await kb.check_index()
        if problem is not None:
            print(f"newsdesk: index check failed: {problem} (run: newsdesk index rebuild)", file=sys.stderr)
            return 1
        status = await kb.index_status()
        print(f"the search index agrees with the database: {status.documents} passages")
        return 0


def add_archive_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``articles`` and ``index`` command groups to the ``newsdesk`` parser."""
    articles = sub.add_parser("articles", help="list, show or remove stored articles")
    actions = articles.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every stored article, oldest first")
    listing.add_argument("--json", action="store_true", help="one JSON object per article")
    show = actions.add_parser("show", help="one article and its paragraphs")
    show.add_argument("ref", metavar="URL|ID", help="the article's id or canonical URL")
    show.add_argument("--json", action="store_true", help="print the article as JSON")
    remove = actions.add_parser(
        "remove",
        help="delete an article and its passages (the search index follows)",
    )
    remove.add_argument("ref", metavar="URL|ID", help="the article's id or canonical URL")
    articles.set_defaults(handler=cmd_articles)

    index = sub.add_parser("index", help="the search index built from the database")
    index_actions = index.add_subparsers(dest="action", required=True, metavar="ACTION")
    index_actions.add_parser(
        "rebuild",
        help="build this process's search index again from the database",
    )
    index_actions.add_parser(
        "check",
        help="compare the index with the database (exit 1 with the reason when they disagree)",
    )
    index.set_defaults(handler=cmd_index)
