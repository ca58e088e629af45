"""The library's commands: ingest, ask, search, export, digest, sources, poll, db.

``newsdesk`` itself is ``bot.cli:main``, which adds ``run`` (the Discord bot) to this parser.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from knowledge.clihelp import describe
from knowledge.config import Settings, load_settings
from knowledge.console import IngestBar, summary_line
from knowledge.errors import ConfigurationError, InvalidInput, NotFound
from knowledge.exits import fail, run_command
from knowledge.ingest.limits import shown, url_problem
from knowledge.ingest.urls import canonical_url
from knowledge.models import Answer, IngestResult, SearchOptions
from knowledge.poller import PollProgress
from knowledge.service import Knowledge
from knowledge.store import Store, describe_database

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _parse_iso(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date or time") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # the archive compares in UTC: 0001-01-01T00:00+23:59 is before year 1
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is outside the dates that can be compared (years 1 to 9999 in UTC)"
        ) from None
    return parsed


def _http_url(value: str) -> str:
    """``--url``: the canonical link of a local file must be an absolute http(s) URL."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{shown(value, 80)!r} is not an absolute http:// or https:// link")
    if problem := url_problem(value.strip()):
        raise argparse.ArgumentTypeError(problem)
    return value.strip()


async def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    started = time.monotonic()
    counts = dict.fromkeys(("added", "updated", "unchanged", "failed"), 0)
    bar = IngestBar(sys.stderr) if sys.stderr.isatty() and not args.json else None
    async with await Knowledge.open(settings) as kb:
        for source in args.sources:
            for result in await kb.ingest(source, url=args.url, guild=args.guild, progress=bar):
                counts[result.status] += 1
                _print_ingest(result, as_json=args.json)
    print(summary_line(counts, time.monotonic() - started), file=sys.stderr)
    return 1 if counts["failed"] else 0


def _print_ingest(result: IngestResult, *, as_json: bool) -> None:
    if as_json:
        _emit(result.to_json())
    elif result.status == "failed":
        print(f"failed     {result.source}: {result.error}", file=sys.stderr)
    else:
        print(f"{result.status:<10} {result.source} ({result.articles} articles, {result.passages} passages)")


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True, slots=True)
class _Question:
    """One line of a questions file: the question, or why the line could not be read."""

    line: int
    question: str | None = None
    error: str | None = None


def _question_of(number: int, raw: bytes) -> _Question | None:
    try:
        stripped = raw.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        return _Question(number, error=f"not valid UTF-8 text (byte {error.start + 1} of the line)")
    if not stripped:
        return None
    if not stripped.startswith("{"):
        return _Question(number, stripped)
    try:
        record = json.loads(stripped)
    except json.JSONDecodeError as error:
        return _Question(number, error=f"not valid JSON ({error.msg} at column {error.colno})")
    except RecursionError:
        return _Question(number, error="not valid JSON (nested too deeply)")
    if not isinstance(record, dict) or not isinstance(record.get("question"), str):
        return _Question(number, error='a JSON line needs a "question" string')
    return _Question(number, record["question"])


def _read_questions(path: Path) -> list[_Question]:
    """Every non-blank line of FILE, as a question or the reason it cannot be asked.

    Lines are judged one by one, so one bad line never costs the others.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the questions file ({error.strerror or error}).") from None
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):  # a whole file in UTF-16 or UTF-32 (Windows editors)
            try:
                data = data.decode(codec).encode("utf-8")
            except UnicodeError:
                raise InvalidInput(f"{path}: the questions file is not valid {codec.upper()} text.") from None
            break
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    return [q for number, raw in enumerate(lines, 1) if (q := _question_of(number, raw)) is not None]


def _print_unreadable(question: _Question, *, as_json: bool) -> None:
    if as_json:
        _emit({"line": question.line, "error": question.error})
    else:
        print(f"line {question.line}: {question.error}")


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if (args.question is None) == (args.questions is None):
        raise InvalidInput("Give either a QUESTION or --questions FILE.")
    if args.question is not None:
        try:
            args.question.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes on the command line
            raise InvalidInput("The question is not valid UTF-8 text.") from None
        questions = [_Question(0, args.question)]
    else:
        questions = _read_questions(Path(args.questions))
    status = 0
    async with await Knowledge.open(settings) as kb:
        for item in questions:
            if item.question is None:
                status = 1
                _print_unreadable(item, as_json=args.json)
                continue
            try:
                answer = await kb.ask(item.question, guild=args.guild)
            except InvalidInput as error:
                if args.questions is None:
                    raise
                status = 1
                _print_unreadable(replace(item, error=str(error)), as_json=args.json)
                continue
            _print_answer(answer, as_json=args.json)
        await _say_if_empty(kb)
    return status


def _print_answer(answer: Answer, *, as_json: bool) -> None:
    if as_json:
        _emit(answer.to_json())
        return
    if answer.abstained:
        print("I couldn't find that in the coverage I have.")
        for alt in answer.alternatives[:3]:
            print(f"  maybe: {alt.quote} ({alt.title}, {alt.url})")
        return
    quote = answer.quote or ""
    if answer.span:
        start, end = answer.span
        quote = f"{quote[:start]}**{quote[start:end]}**{quote[end:]}"
    print(f"“{quote}”")
    date = f", {answer.published.date().isoformat()}" if answer.published else ""
    print(f"— {answer.title}{date}\n  {answer.url}\n  (confidence {answer.score:.2f})")


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        hits = await kb.search(args.query, SearchOptions(limit=args.limit), guild=args.guild)
        await _say_if_empty(kb)
    for rank, hit in enumerate(hits, 1):
        if args.json:
            _emit(hit.to_json())
        else:
            print(f"{rank}. [{hit.score:.2f}] {hit.passage.title} — {hit.passage.url}\n   {hit.passage.text}")
    if not hits and not args.json:
        print("No passages match.")
    return 0


async def _say_if_empty(kb: Knowledge) -> None:
    """An empty archive is usually the wrong database (another directory): say which one is in use."""
    if await kb.store.article_count() == 0:
        print(
            f"newsdesk: the archive is empty (using {describe_database(kb.settings.database_url)}); "
            "add articles with `newsdesk ingest FILE_OR_URL`, or set NEWSDESK_DATABASE_URL to your archive.",
            file=sys.stderr,
        )


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        async for article in kb.export():
            if args.json:
                _emit(article.to_json())
            else:
                print(f"{article.url}\t{article.title}\t{len(article.paragraphs)} paragraphs")
    return 0


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    since = args.since or datetime.now(UTC) - timedelta(days=1)
    if args.limit < 1:
        raise InvalidInput("--limit must be at least 1.")
    async with await Knowledge.open(settings) as kb:
        digest = await kb.digest(
            guild=args.guild, since=since, limit=args.limit, by_published=args.since is not None
        )
        await _say_if_empty(kb)
    if args.json:
        _emit(digest.to_json())
        return 0
    when = since.isoformat(timespec="minutes")
    if digest.by == "published":
        print(f"Articles published since {when} (the time they were stored, where no date is known):")
    else:
        print(f"Articles stored since {when} (when Newsdesk stored them, not their publication date):")
    if not digest.items:
        print("  nothing new.")
    for site, items in digest.by_site().items():
        print(site)
        for item in items:
            date = f" ({item.published.date().isoformat()})" if item.published else ""
            print(f"  • {item.title}{date} — {item.url}\n    {item.lede}")
    if digest.total is not None and digest.total > len(digest.items):
        print(
            f"Showing the newest {len(digest.items)} of {digest.total} articles; "
            f"`--limit {digest.total}` shows them all."
        )
    return 0


async def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        if args.action == "add":
            source, results = await kb.add_source(args.url, guild=args.guild)
            articles = sum(r.articles for r in results)
            print(f"added source {source.id}: {source.kind} {source.url} ({articles} articles)")
            return 1 if any(r.status == "failed" for r in results) else 0
        if args.action == "remove":
            source = await kb.remove_source(await _source_id(kb, args.id), any_guild=True)
            print(f"removed source {source.id}: {source.url}")
            return 0
        sources = await kb.list_sources(all_guilds=True)
    for source in sources:
        if args.json:
            _emit(source.to_json())
            continue
        seen = source.last_success.isoformat(timespec="minutes") if source.last_success else "never"
        scope = f"guild {source.guild}" if source.guild else "global"
        print(f"{source.id:>4}  {source.state:<7} {source.kind:<5} {scope:<24} last ok {seen}  {source.url}")
        if source.last_error:
            print(f"      last error: {source.last_error}")
    if not sources and not args.json:
        print("No sources yet. Add one with: newsdesk sources add URL")
    return 0


async def _source_id(kb: Knowledge, given: str) -> int:
    """``sources remove ID|URL``: the id of the source named by its id or its URL."""
    if given.strip().isdigit():
        return int(given)
    wanted = {given.strip(), canonical_url(given.strip())}
    found = [s for s in await kb.list_sources(all_guilds=True) if s.url in wanted]
    if not found:
        raise NotFound(
            f"There is no source with the URL {shown(given, 200)}; `newsdesk sources list` shows them."
        )
    if len(found) > 1:
        ids = ", ".join(str(s.id) for s in found)
        raise InvalidInput(
            f"Several servers follow {shown(given, 200)} (sources {ids}); remove one by its id."
        )
    return found[0].id


async def _nothing_polled(kb: Knowledge, *, every: bool) -> str:
    sources = await kb.list_sources(all_guilds=True)
    if not sources:
        return "No sources yet. Add one with: newsdesk sources add URL"
    if every:
        return (
            "No source could be polled now: paused sources resume with `newsdesk sources add URL`, "
            "and another process may be polling the others."
        )
    return f"No source is due (of {len(sources)}); `newsdesk poll --all` polls every source now."


def _progress_bar(update: PollProgress) -> None:
    """A one-line bar on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * update.done // max(update.total, 1)
    label = update.source.url[:50]
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {update.done}/{update.total} {label:<50}")
    if update.done == update.total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    async with await Knowledge.open(settings) as kb:
        results = await kb.poll_due(progress=_progress_bar, every=args.all)
        if not results:
            print(await _nothing_polled(kb, every=args.all))
    for result in results:
        _print_ingest(result, as_json=False)
    return 1 if any(r.status == "failed" for r in results) else 0


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    store = await Store.open(settings.database_url)
    await store.close()
    print("database is up to date")
    return 0


AddCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def build_parser(add_commands: AddCommands | None = None) -> argparse.ArgumentParser:
    """The parser of every library command; ``add_commands`` may add more (the bot adds ``run``)."""
    parser = argparse.ArgumentParser(prog="newsdesk", description="Answer questions about news coverage.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="store articles from files, directories, pages or feeds")
    ingest.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="URL, .html/.txt/.xml/.json file, or directory"
    )
    ingest.add_argument("--url", type=_http_url, help="canonical link of a local file (http or https)")
    ingest.add_argument("--guild", type=int, help="Discord server the articles belong to (default: all)")
    ingest.add_argument("--json", action="store_true", help="one JSON object per source")
    ingest.set_defaults(handler=cmd_ingest)

    ask = sub.add_parser("ask", help="answer a question with a quote and a link")
    ask.add_argument("question", nargs="?", metavar="QUESTION")
    ask.add_argument(
        "--questions", metavar="FILE", help="one question per line, or JSONL with a question field"
    )
    ask.add_argument("--guild", type=int, help="answer as this Discord server sees the archive")
    ask.add_argument("--json", action="store_true", help="one JSON answer per line")
    ask.set_defaults(handler=cmd_ask)

    search = sub.add_parser("search", help="ranked passages for a query")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--guild", type=int, help="search as this Discord server sees the archive")
    search.add_argument("--json", action="store_true", help="one JSON object per passage")
    search.set_defaults(handler=cmd_search)

    export = sub.add_parser("export", help="every stored article")
    export.add_argument("--json", action="store_true", help="one JSON object per article")
    export.set_defaults(handler=cmd_export)

    digest = sub.add_parser("digest", help="the digest that would be posted now")
    digest.add_argument(
        "--since",
        type=_parse_iso,
        help="ISO 8601 start, compared with publication dates where known (default: stored in the last 24 h)",
    )
    digest.add_argument("--limit", type=int, default=50, help="at most this many articles (default 50)")
    digest.add_argument("--guild", type=int, help="as this Discord server would see it")
    digest.add_argument("--json", action="store_true", help="print the digest as JSON")
    digest.set_defaults(handler=cmd_digest)

    sources = sub.add_parser("sources", help="feeds and pages polled for new articles")
    actions = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a feed or page and ingest it now")
    add.add_argument("url", metavar="URL")
    add.add_argument("--guild", type=int, help="Discord server the source belongs to (default: all)")
    listing = actions.add_parser("list", help="every source with its state and last error")
    listing.add_argument("--json", action="store_true", help="one JSON object per source")
    remove = actions.add_parser("remove", help="stop polling a source (its articles stay)")
    remove.add_argument("id", metavar="ID|URL", help="the id `sources list` shows, or the source's URL")
    sources.set_defaults(handler=cmd_sources)

    poll = sub.add_parser("poll", help="poll every due source once")
    poll.add_argument("--all", action="store_true", help="poll every source now, due or not")
    poll.set_defaults(handler=cmd_poll)

    db = sub.add_parser("db", help="database maintenance")
    db_actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_actions.add_parser("upgrade", help="apply database migrations")
    db.set_defaults(handler=cmd_db)
    if add_commands is not None:
        add_commands(sub)
    describe(parser)  # --version, and every command's example and environment variables
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return execute(build_parser().parse_args(argv))


def execute(args: argparse.Namespace) -> int:
    """Run a parsed library command: one readable line and exit 1 on a known error."""
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        # extraction libraries warn about every odd page; our own one-line errors say what matters
        for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    handler: Handler = args.handler
    try:
        settings = load_settings()
    except ConfigurationError as error:
        return fail(str(error), 2)
    return run_command(handler(args, settings), verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
