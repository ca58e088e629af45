"""Check hand-written news question files against what Newsdesk actually stores; prints JSON.

    python bench/check_questions.py FILE... [--with-archive DIR]

The corpus pages (../shared/corpus/html) and the seed article (with its SecurityWeek link) are
ingested through ``knowledge.service.Knowledge.ingest``, exactly as ``newsdesk ingest`` does, into a
temporary SQLite database; ``--with-archive DIR`` ingests DIR (e.g. ../shared/corpus/bbc) as well.
Every line is then checked: fields and tags valid, the answer inside the evidence, the evidence
(whitespace-normalised, case-sensitive) inside exactly one stored passage, and that passage
belonging to the article named by ``source`` (and ``url``). A question is only useful for fitting
and scoring when the bot can find its passage, so anything else is a problem: one line each, then
a JSON summary; exit 1 when there is any problem. Notes (not problems) record where what is stored
differs from the manifest: an article stored under the page's own canonical link (or a file:// link
when the page names none) although its passage is the right one, and evidence that is stored but
not in trafilatura's ``text/<id>.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED_URL = "https://www.securityweek.com/blackberry-continue-operating-pakistan"
FIELDS = ("id", "source", "url", "question", "answer", "evidence", "type", "style", "near_miss")
TYPES = frozenset(
    {"when", "who", "what", "where", "how_many", "how_much", "how_long", "how_old", "why", "unanswerable"}
)
STYLES = frozenset({"lowercase_no_punct", "typo", "chat_spelling", "paraphrase", "newcomer"})
EVIDENCE_WORDS = (6, 14)


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_SHARED") or ROOT.parent / "shared")


def ws(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class StoredPassage:
    text: str  # whitespace-normalised
    url: str
    source: str  # the file the article was ingested from
    indexed: bool  # False when the article was marked a near-duplicate (search never sees it)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The manifest and the dev articles, to resolve ``corpus:<id>`` sources."""

    urls: dict[str, str]  # manifest id -> url
    texts: dict[str, str]  # manifest id -> whitespace-normalised text/<id>.txt
    dev_ids: frozenset[str]

    @classmethod
    def load(cls, shared: Path) -> Corpus:
        urls, texts = {}, {}
        for line in (shared / "corpus/manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            urls[entry["id"]] = entry["url"]
            text_file = shared / "corpus" / entry["text_file"]
            texts[entry["id"]] = ws(text_file.read_text(encoding="utf-8")) if text_file.exists() else ""
        dev = shared / "eval/dev.jsonl"
        rows = [json.loads(x) for x in dev.read_text(encoding="utf-8").splitlines() if x.strip()]
        dev_ids = frozenset(r["article_id"] for r in rows if r.get("article_id"))
        return cls(urls, texts, dev_ids)


async def stored_passages(shared: Path, archive: Path | None) -> tuple[list[StoredPassage], list[str]]:
    """Ingest corpus, seed and archive as ``newsdesk ingest`` would; every stored passage."""
    from knowledge.config import Settings
    from knowledge.service import Knowledge

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/check.db",  # type: ignore[call-arg]
            NEWSDESK_INDEX_DIR=Path(tmp) / "index",
        )
        async with await Knowledge.open(settings) as kb:
            results = await kb.ingest(str(shared / "corpus/html"))
            results += await kb.ingest(str(shared / "corpus/seed/blackberry-pakistan.txt"), url=SEED_URL)
            if archive is not None:
                results += await kb.ingest(str(archive))
            failed = [f"{r.source}: {r.error}" for r in results if r.status == "failed"]
            indexed = {row.article_id for row in await kb.store.passages_after(0, 10**9)}
            passages = [
                StoredPassage(ws(text), article.url, article.source or "", article.id in indexed)
                async for article in kb.export()
                for text in article.paragraphs
            ]
    return passages, failed


class Checker:
    """Checks question lines one by one, collecting problems, notes and counts."""

    def __init__(self, corpus: Corpus, passages: list[StoredPassage], archive: Path | None) -> None:
        self.corpus = corpus
        self.passages = passages
        self.archive = archive
        self.problems: list[str] = []
        self.stored_urls: dict[str, str] = {}  # source -> the URL the pipeline stored, where it differs
        self.not_in_text_file: list[str] = []  # ids whose evidence is stored but not in text/<id>.txt
        self.ids: set[str] = set()
        self.questions: dict[str, str] = {}
        self.source_files: dict[str, set[str]] = defaultdict(set)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def check_file(self, path: Path) -> dict[str, Any]:
        counts: dict[str, Counter[str]] = {"type": Counter(), "style": Counter()}
        articles: set[str] = set()
        total = 0
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            total += 1
            where = f"{path.name}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                self.problem(where, f"not JSON ({error.msg})")
                continue
            if not isinstance(row, dict):
                self.problem(where, "not a JSON object")
                continue
            where = f"{path.name}:{number} {row.get('id')}"
            if self.check_row(where, row, path.name):
                counts["type"][row["type"]] += 1
                for tag in row["style"]:
                    counts["style"][tag] += 1
                if row["source"]:
                    articles.add(row["source"])
        return {
            "questions": total,
            "articles": len(articles),
            "type": dict(counts["type"].most_common()),
            "style": dict(counts["style"].most_common()),
        }

    def check_row(self, where: str, row: dict[str, Any], file_name: str) -> bool:
        """Field checks, then the evidence against the store; False when the row is unusable."""
        missing = [f for f in FIELDS if f not in row]
        extra = sorted(set(row) - set(FIELDS))
        if missing:
            self.problem(where, f"missing fields: {', '.join(missing)}")
        if extra:
            self.problem(where, f"unexpected fields: {', '.join(extra)} (expected {', '.join(FIELDS)})")
        if missing or extra:
            return False
        if not isinstance(row["id"], str) or not row["id"]:
            self.problem(where, "id must be a non-empty string")
        elif row["id"] in self.ids:
            self.problem(where, "duplicate id")
        self.ids.add(str(row["id"]))
        question = row["question"]
        if not isinstance(question, str) or not question.strip():
            self.problem(where, "question must be a non-empty string")
            return False
        first = self.questions.setdefault(ws(question).lower(), where)
        if first != where:
            self.problem(where, f"same question as {first}")
        if not isinstance(row["type"], str) or row["type"] not in TYPES:
            self.problem(where, f"unknown type {row['type']!r}")
            return False
        style = row["style"]
        if (
            not isinstance(style, list)
            or not all(isinstance(tag, str) and tag in STYLES for tag in style)
            or len(set(style)) != len(style)
        ):
            self.problem(where, f"style must be a list of distinct tags from {sorted(STYLES)}")
            return False
        for key in ("source", "near_miss"):
            if isinstance(row[key], str):
                self.source_files[row[key]].add(file_name)
        if row["answer"] is None:
            return self.check_unanswerable(where, row)
        return self.check_answerable(where, row)

    def check_unanswerable(self, where: str, row: dict[str, Any]) -> bool:
        ok = True
        for key in ("source", "url", "evidence"):
            if row[key] is not None:
                self.problem(where, f"{key} must be null for an unanswerable question")
                ok = False
        if row["type"] != "unanswerable":
            self.problem(where, "answer is null but type is not 'unanswerable'")
            ok = False
        near = row["near_miss"]
        if near is not None and not self.known_source(where, near):
            ok = False
        return ok

    def check_answerable(self, where: str, row: dict[str, Any]) -> bool:
        answer, evidence, source = row["answer"], row["evidence"], row["source"]
        if row["type"] == "unanswerable":
            self.problem(where, "type 'unanswerable' needs answer null")
            return False
        if row["near_miss"] is not None:
            self.problem(where, "near_miss is only for unanswerable questions")
        if not all(isinstance(v, str) and v.strip() for v in (answer, evidence, source)):
            self.problem(where, "answer, evidence and source must be non-empty strings")
            return False
        if not self.known_source(where, source):
            return False
        answer, evidence = ws(answer), ws(evidence)
        words = len(evidence.split())
        if not EVIDENCE_WORDS[0] <= words <= EVIDENCE_WORDS[1]:
            low, high = EVIDENCE_WORDS
            self.problem(where, f"evidence has {words} words; keep it {low}-{high}")
        if answer not in evidence:
            self.problem(where, f"answer {answer!r} is not inside the evidence")
        hits = [p for p in self.passages if evidence in p.text]
        if not hits:
            self.problem(where, f"evidence is in no stored passage: {evidence!r}")
            return False
        if len(hits) > 1:
            files = ", ".join(sorted({Path(p.source).name for p in hits}))
            self.problem(where, f"evidence is in {len(hits)} stored passages ({files}); make it unique")
            return False
        return self.check_passage(where, row, hits[0], evidence)

    def check_passage(self, where: str, row: dict[str, Any], hit: StoredPassage, evidence: str) -> bool:
        source, url = row["source"], row["url"]
        kind, _, name = source.partition(":")
        expected_file = f"{name}.html" if kind == "corpus" else name
        if Path(hit.source).name != expected_file:
            self.problem(where, f"evidence is stored in {hit.url} ({Path(hit.source).name}), not {source}")
            return False
        if not hit.indexed:
            self.problem(where, f"{source} is stored as a near-duplicate, so search never returns it")
            return False
        if kind == "corpus":
            manifest_url = self.corpus.urls[name]
            if url != manifest_url:
                self.problem(where, f"url must be the manifest url {manifest_url}")
                return False
            if hit.url != url:
                self.stored_urls[source] = hit.url
            if evidence not in self.corpus.texts[name]:
                self.not_in_text_file.append(str(row["id"]))
        elif url is not None:
            self.problem(where, "url must be null for bbc: sources (the files have none)")
            return False
        return True

    def known_source(self, where: str, source: Any) -> bool:
        kind, _, name = str(source).partition(":")
        if kind == "corpus" and name in self.corpus.urls:
            if name in self.corpus.dev_ids:
                self.problem(where, f"{source} is a dev article; write questions over other articles")
                return False
            return True
        if kind == "bbc" and name:
            if self.archive is None:
                self.problem(where, f"{source} needs --with-archive (the BBC directory)")
                return False
            if (self.archive / name).is_file():
                return True
        self.problem(where, f"unknown source {source!r} (corpus:<manifest id> or bbc:<file name>)")
        return False

    def check_split(self) -> None:
        """An article (as answer source or near miss) must sit in one file only: train vs held out."""
        for source, files in sorted(self.source_files.items()):
            if len(files) > 1:
                self.problems.append(f"{source}: used in {len(files)} files {sorted(files)}")


async def run(files: list[Path], archive: Path | None, shared: Path) -> int:
    corpus = Corpus.load(shared)
    passages, failed = await stored_passages(shared, archive)
    checker = Checker(corpus, passages, archive)
    per_file = {str(path): checker.check_file(path) for path in files}
    checker.check_split()
    for line in failed:
        checker.problems.append(f"ingest failed: {line}")
    for line in checker.problems:
        print(line)
    summary = {
        "files": per_file,
        "stored_passages": len(passages),
        "archive": str(archive) if archive else None,
        "problems": len(checker.problems),
        "notes": {
            "stored_under_another_url": checker.stored_urls,
            "evidence_not_in_text_file": checker.not_in_text_file,
        },
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 1 if checker.problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, help="question JSONL files")
    ap.add_argument("--with-archive", type=Path, metavar="DIR", help="also ingest DIR (bbc: sources)")
    args = ap.parse_args()
    shared = shared_dir()
    if not (shared / "corpus").is_dir():
        print(json.dumps({"skipped": f"no evaluation data at {shared} (set NEWSDESK_SHARED to its path)"}))
        return 0
    for path in [*args.files, *([args.with_archive] if args.with_archive else [])]:
        if not path.exists():
            print(f"{path}: no such file or directory", file=sys.stderr)
            return 2
    return asyncio.run(run(args.files, args.with_archive, shared))


if __name__ == "__main__":
    raise SystemExit(main())
