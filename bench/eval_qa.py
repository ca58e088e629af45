"""Score the answer engine on question files through the real product; prints JSON.

    python bench/eval_qa.py [FILE ...] [--with-archive DIR] [--xquad] [--squad2] [--lexical] [-v]

FILE: JSONL with question/answer/evidence (default ../shared/eval/dev.jsonl; our own files in
bench/data/ have the same fields). The archive is what a user would build: ../shared/corpus/html and
the seed article ingested by ``Knowledge`` into a temporary SQLite database, plus every file of
``--with-archive DIR`` (e.g. ../shared/corpus/bbc) when given. ``--xquad`` / ``--squad2`` also ask the
QA sets (abstentions count as misses) with their contexts added to the archive. ``--lexical`` turns the
semantic signal off even when the extra is installed.

Reported per file and group: evidence in the quoted passage, short answer, abstention on
unanswerable questions, false abstention, how often answers given with score >= 0.9 are right, the
Brier score of the confidence and a 10-bin reliability table (right = the quoted passage holds the
evidence; an unanswerable question is never right).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from latency import percentiles  # noqa: E402
from training import SEED_URL, contains_answer, qa_articles, qa_rows, ws  # noqa: E402

from knowledge.config import Settings  # noqa: E402
from knowledge.models import IngestResult  # noqa: E402
from knowledge.service import Knowledge  # noqa: E402


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_SHARED") or ROOT.parent / "shared")


def load_questions(path: Path) -> list[dict[str, Any]]:
    """News question files as they are; QA files turned into the same fields."""
    out = []
    for r in qa_rows(path):
        if "context" in r:
            answers = [a for a in r["answers"] if a.strip()]
            out.append(
                {
                    "id": r["id"],
                    "question": r["question"],
                    "answers": answers,
                    "context": r["context"],
                    "type": "qa" if answers else "unanswerable",
                    "style": [],
                }
            )
        else:
            answer = r.get("answer")
            out.append({**r, "answers": [answer] if answer else []})
    return out


def is_right_passage(q: dict[str, Any], passage: str | None) -> bool:
    if not q["answers"] or passage is None:
        return False
    if "context" in q:
        return ws(passage) == ws(q["context"])
    return ws(q["evidence"]) in ws(passage)


def reliability(rows: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    table = []
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        inside = [(p, r) for p, r in rows if lo <= p < hi or (k == 9 and p == 1.0)]
        if inside:
            table.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": len(inside),
                    "mean_score": round(sum(p for p, _ in inside) / len(inside), 3),
                    "right": round(sum(r for _, r in inside) / len(inside), 3),
                }
            )
    return table


async def score(kb: Knowledge, questions: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    calibration: list[tuple[float, bool]] = []
    latencies = []
    for q in questions:
        started = time.perf_counter()
        reading = await kb.answerer.read(q["question"])
        latencies.append(time.perf_counter() - started)
        ans = reading.answer
        answerable = bool(q["answers"])
        right = not ans.abstained and is_right_passage(q, ans.passage)
        calibration.append((ans.score, right))
        groups = ["all", f"type:{q.get('type')}", *(f"style:{s}" for s in q.get("style") or [])]
        if not q.get("style") and answerable:
            groups.append("style:plain")
        row = {
            "n": 1,
            "answerable": answerable,
            "evidence@1": right,
            "evidence@3": answerable
            and any(is_right_passage(q, r.candidate.passage.text) for r in reading.ranked[:3]),
            "answer": answerable and not ans.abstained and contains_answer(ans.answer, q["answers"]),
            "answer_in_quote": answerable and not ans.abstained and contains_answer(ans.quote, q["answers"]),
            "abstained_answerable": answerable and ans.abstained,
            "abstained_unanswerable": not answerable and ans.abstained,
            "given_high": not ans.abstained and ans.score >= 0.9,
            "right_high": right and ans.score >= 0.9,
            "brier": (ans.score - float(right)) ** 2,
        }
        for g in groups:
            for k, v in row.items():
                stats[g][k] += float(v)
        if verbose:
            ok = right if answerable else ans.abstained
            print(
                f"{'OK ' if ok else 'BAD'} {q.get('id')} {q.get('type')!s:<12} score={ans.score:.2f} "
                f"{q['question']!r}\n    gold={q['answers'][:1]!r} got={ans.answer!r}\n"
                f"    quote={ws(ans.quote)[:160]!r}",
                file=sys.stderr,
            )
    report: dict[str, Any] = {}
    for g, s in sorted(stats.items()):
        n_ans, n_un = s["answerable"], s["n"] - s["answerable"]
        entry: dict[str, Any] = {"questions": int(s["n"])}
        if n_ans:
            for key in ("evidence@1", "evidence@3", "answer", "answer_in_quote"):
                entry[key] = round(s[key] / n_ans, 3)
            entry["false_abstention"] = round(s["abstained_answerable"] / n_ans, 3)
        if n_un:
            entry["abstained_unanswerable"] = round(s["abstained_unanswerable"] / n_un, 3)
        if s["given_high"]:
            entry["right_when_score>=0.9"] = round(s["right_high"] / s["given_high"], 3)
            entry["given_score>=0.9"] = int(s["given_high"])
        entry["brier"] = round(s["brier"] / s["n"], 4)
        report[g] = entry
    p50, p95 = percentiles(latencies)
    report["summary"] = {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "reliability": reliability(calibration),
    }
    return report


async def run(args: argparse.Namespace, shared: Path) -> dict[str, Any]:
    files = [Path(f) for f in args.files] or [shared / "eval/dev.jsonl"]
    if args.xquad:
        files.append(shared / "qa/xquad_en.jsonl")
    if args.squad2:
        files.append(shared / "qa/squad2_dev_sample500.jsonl")
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
        marker = Path(tmp) / "ingested.json"
        extra: dict[str, object] = {"NEWSDESK_EMBEDDING_MODEL": "off"} if args.lexical else {}
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/eval.db",
            NEWSDESK_INDEX_DIR=str(Path(tmp) / "index"),
            **extra,
        )
        async with await Knowledge.open(settings) as kb:
            started = time.perf_counter()
            wanted = {"archive": str(args.with_archive), "qa": bool(args.xquad or args.squad2)}
            results: list[IngestResult] = []
            if not (marker.exists() and json.loads(marker.read_text()) == wanted):
                results = await kb.ingest(str(shared / "corpus/html"))
                results += await kb.ingest(str(shared / "corpus/seed/blackberry-pakistan.txt"), url=SEED_URL)
                if args.with_archive:
                    results += await kb.ingest(str(args.with_archive))
                if args.xquad or args.squad2:
                    for article in qa_articles(shared):
                        results.append(await kb.store_article(article))
                    await kb.embed_pending()
                if args.keep:
                    marker.write_text(json.dumps(wanted))
            await kb.embed_pending()  # a kept lexical archive asked semantically gets its vectors now
            report: dict[str, Any] = {
                "archive": {
                    "sources": len(results),
                    "failed": [r.source for r in results if r.status == "failed"],
                    "passages": await kb.store.count_passages(),
                    "with_archive": str(args.with_archive) if args.with_archive else None,
                    "semantic": kb.semantic is not None,
                    "ingest_seconds": round(time.perf_counter() - started, 1),
                }
            }
            for path in files:
                report[path.name] = await score(kb, load_questions(path), args.verbose)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="question JSONL files (default ../shared/eval/dev.jsonl)")
    ap.add_argument("--with-archive", type=Path, help="also ingest every file of this directory first")
    ap.add_argument("--xquad", action="store_true", help="also ask XQuAD (its contexts join the archive)")
    ap.add_argument("--squad2", action="store_true", help="also ask the SQuAD 2.0 sample")
    ap.add_argument("--lexical", action="store_true", help="answer without the semantic signal")
    ap.add_argument(
        "--keep", type=Path, help="build the archive here; later runs with the same options reuse it"
    )
    ap.add_argument("--verbose", "-v", action="store_true", help="print every question to stderr")
    args = ap.parse_args()
    shared = shared_dir()
    if not (shared / "corpus").exists():
        print(json.dumps({"skipped": f"shared data not found at {shared}"}))
        return 0
    print(json.dumps(asyncio.run(run(args, shared)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
