"""Extraction quality on the shared corpus: gold snippets kept and boilerplate leaked.

Scoring follows trafilatura's own evaluation (tests/eval_common.py upstream): whitespace is
normalised on both sides and a snippet counts when it is a case-sensitive substring of the
whole extracted text, here the stored paragraphs joined with spaces. A case-insensitive figure
is printed too, so a win that only comes from case folding is visible.

Usage: python bench/extraction.py [--pages ID ...]   (NEWSDESK_SHARED overrides ../shared)
Prints one JSON object; exits 0 and says why when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

from knowledge.errors import ExtractionError
from knowledge.ingest.extract import extract_html


def shared_dir() -> Path:
    """../shared beside the checkout, or NEWSDESK_SHARED."""
    override = os.environ.get("NEWSDESK_SHARED")
    return Path(override) if override else Path(__file__).resolve().parents[1].parent / "shared"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_manifest(corpus: Path) -> list[dict[str, Any]]:
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ours(data: bytes, url: str | None) -> str:
    try:
        article = extract_html(data, url=url)
    except ExtractionError:
        return ""
    return " ".join(article.paragraphs)


def baseline(data: bytes, url: str | None) -> str:
    """trafilatura alone, with the settings its own evaluation uses."""
    return trafilatura.extract(data, url=url, include_comments=False, include_tables=True) or ""


def score(
    rows: list[dict[str, Any]], corpus: Path, run: Callable[[bytes, str | None], str]
) -> dict[str, Any]:
    kept = leaked = kept_ci = leaked_ci = total_with = total_without = 0
    pages: dict[str, dict[str, list[str]]] = {}
    started = time.perf_counter()
    for row in rows:
        data = (corpus / row["file"]).read_bytes()
        text = norm(run(data, row.get("url")))
        lower = text.casefold()
        misses = [w for w in row["expected_with"] if norm(w) not in text]
        leaks = [w for w in row["expected_without"] if norm(w) in text]
        kept += len(row["expected_with"]) - len(misses)
        leaked += len(leaks)
        kept_ci += sum(norm(w).casefold() in lower for w in row["expected_with"])
        leaked_ci += sum(norm(w).casefold() in lower for w in row["expected_without"])
        total_with += len(row["expected_with"])
        total_without += len(row["expected_without"])
        if misses or leaks:
            pages[row["id"]] = {"missed": misses, "leaked": leaks}
    elapsed = time.perf_counter() - started
    return {
        "kept_pct": round(100 * kept / max(1, total_with), 2),
        "leaked_pct": round(100 * leaked / max(1, total_without), 2),
        "kept": kept,
        "expected_with": total_with,
        "leaked": leaked,
        "expected_without": total_without,
        "kept_pct_case_insensitive": round(100 * kept_ci / max(1, total_with), 2),
        "leaked_pct_case_insensitive": round(100 * leaked_ci / max(1, total_without), 2),
        "ms_per_page": round(1000 * elapsed / max(1, len(rows)), 1),
        "pages": pages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="only these manifest ids")
    parser.add_argument("--no-baseline", action="store_true", help="skip the trafilatura-only run")
    args = parser.parse_args(argv)
    corpus = shared_dir() / "corpus"
    if not (corpus / "manifest.jsonl").is_file():
        print(json.dumps({"skipped": f"no corpus at {corpus} (set NEWSDESK_SHARED)"}))
        return 0
    rows = load_manifest(corpus)
    if args.pages:
        rows = [row for row in rows if row["id"] in set(args.pages)]
    result: dict[str, Any] = {
        "corpus": str(corpus),
        "pages": len(rows),
        "newsdesk": score(rows, corpus, ours),
    }
    if not args.no_baseline:
        result["trafilatura_baseline"] = score(rows, corpus, baseline)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
