"""Score the answer engine on a question file (default ../shared/eval/dev.jsonl); prints JSON.

    python bench/eval_qa.py [FILE] [--xquad] [--memory] [--verbose]

Archive: the news corpus (../shared/corpus) plus the seed article. By default the corpus HTML is
ingested by ``knowledge.service.Knowledge`` into a temporary SQLite database, so the real product is
measured; ``--memory`` uses the extracted text files in an in-memory store double instead.
``--xquad`` measures retrieval hit@1/@5 on XQuAD with all 240 contexts as one pool and the news
corpus as distractors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.analysis.tokenize import fold  # noqa: E402
from knowledge.answer import Answerer  # noqa: E402
from knowledge.models import Answer  # noqa: E402
from knowledge.retrieval.engine import SearchEngine  # noqa: E402
from tests.retrieval.fakes import MemoryStore  # noqa: E402

AskFn = Callable[[str], Awaitable[Answer]]


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_SHARED") or ROOT.parent / "shared")


def norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w%$£¥€]+", " ", fold(text or "")).split())


def ws(text: str | None) -> str:
    return " ".join((text or "").split())


def load_corpus(store: MemoryStore, shared: Path) -> None:
    """The corpus' extracted text (one paragraph a line) and the seed article, as articles."""
    for line in (shared / "corpus/manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        text_file = shared / "corpus" / m["text_file"]
        if not text_file.exists():
            continue
        paras = [p.strip() for p in text_file.read_text().splitlines() if p.strip()]
        published = datetime.fromisoformat(m["date_extracted"]) if m.get("date_extracted") else None
        store.add_article(
            m.get("title_extracted") or "", paras, url=m["url"], published=published, site=m.get("site")
        )
    seed = [p.strip() for p in (shared / "corpus/seed/blackberry-pakistan.txt").read_text().splitlines()]
    seed = [p for p in seed if p and not p.startswith("<")]
    store.add_article(
        seed[1],
        list(dict.fromkeys(seed[2:])),
        url="https://www.securityweek.com/blackberry-continue-operating-pakistan",
        published=datetime(2015, 12, 31),
        site="securityweek.com",
    )


async def eval_dev(
    answerer: Answerer, questions: list[dict[str, Any]], verbose: bool, ask: AskFn | None = None
) -> dict[str, Any]:
    """Score ``ask`` (default: the answerer itself); the answerer also supplies the ranked lists."""
    ask = ask or answerer.answer
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    latencies = []
    for q in questions:
        t0 = time.perf_counter()
        ranked = list((await answerer.read(q["question"])).ranked)
        ans = await ask(q["question"])
        latencies.append(time.perf_counter() - t0)
        answerable = q["answer"] is not None
        groups = ["all", f"type:{q['type']}", *(f"style:{s}" for s in q.get("style") or [])]
        if not q.get("style") and answerable:
            groups.append("style:plain")
        ev = ws(q["evidence"]) if answerable else ""
        row = {
            "n": 1,
            "answerable": answerable,
            "evidence@1": answerable and not ans.abstained and ev in ws(ans.passage),
            "evidence@3": answerable and any(ev in ws(r.candidate.passage.text) for r in ranked[:3]),
            "rank1_evidence": answerable and bool(ranked) and ev in ws(ranked[0].candidate.passage.text),
            "answer": answerable and not ans.abstained and norm(q["answer"]) in norm(ans.answer),
            "answer_or_quote": answerable
            and not ans.abstained
            and (norm(q["answer"]) in norm(ans.answer) or norm(q["answer"]) in norm(ans.quote)),
            "abstained_answerable": answerable and ans.abstained,
            "abstained_unanswerable": not answerable and ans.abstained,
        }
        for g in groups:
            for k, v in row.items():
                stats[g][k] += float(v)
        if verbose:
            flag = (
                "OK "
                if (row["evidence@1"] and row["answer"]) or (not answerable and ans.abstained)
                else "BAD"
            )
            f = ranked[0].features if ranked else None
            print(
                f"{flag} {q['id']} {q['type']:<12} score={ans.score:.2f} {q['question']!r}\n"
                f"    gold={q['answer']!r} got={ans.answer!r} ev@1={row['evidence@1']}"
                f" r1={row['rank1_evidence']}"
                f" ev@3={row['evidence@3']}\n    quote={ws(ans.quote)[:160]!r}\n    f={f}",
                file=sys.stderr,
            )
    report: dict[str, Any] = {}
    for g, s in sorted(stats.items()):
        n_ans, n_un = s["answerable"], s["n"] - s["answerable"]
        entry: dict[str, Any] = {"questions": int(s["n"])}
        if n_ans:
            for key in ("evidence@1", "evidence@3", "rank1_evidence", "answer", "answer_or_quote"):
                entry[key] = round(s[key] / n_ans, 3)
            entry["false_abstention"] = round(s["abstained_answerable"] / n_ans, 3)
        if n_un:
            entry["abstained_unanswerable"] = round(s["abstained_unanswerable"] / n_un, 3)
        report[g] = entry
    all_ans = [q for q in questions if q["answer"] is not None]
    report["summary"] = {
        "p50_ms": round(sorted(latencies)[len(latencies) // 2] * 1000, 1),
        "answerable": len(all_ans),
        "unanswerable": len(questions) - len(all_ans),
    }
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", help="question JSONL (default ../shared/eval/dev.jsonl)")
    ap.add_argument("--xquad", action="store_true", help="also measure XQuAD retrieval hit@1/@5")
    ap.add_argument("--memory", action="store_true", help="use the in-memory store double, not the service")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every question to stderr")
    args = ap.parse_args()
    shared = shared_dir()
    if not (shared / "corpus").exists():
        print(json.dumps({"skipped": f"shared data not found at {shared}"}))
        return 0
    return asyncio.run(run(args, shared))


async def memory_answerer(shared: Path, extra: list[tuple[str, list[str]]] = ()) -> Answerer:  # type: ignore[assignment]
    store = MemoryStore()
    load_corpus(store, shared)
    for title, paras in extra:
        store.add_article(title, paras)
    engine = SearchEngine(store, None)
    await engine.catch_up()
    return Answerer(engine)


async def eval_xquad(shared: Path) -> dict[str, Any]:
    """Retrieval hit@1/@5 (re-ranked and raw BM25): 240 contexts pooled with the news corpus."""
    rows = [
        json.loads(line) for line in (shared / "qa/xquad_en.jsonl").read_text().splitlines() if line.strip()
    ]
    contexts: dict[str, str] = {}
    for r in rows:
        contexts.setdefault(r["context"], r["title"].replace("_", " "))
    answerer = await memory_answerer(shared, [(title, [ctx]) for ctx, title in contexts.items()])
    hits = defaultdict(int)
    for r in rows:
        reading = await answerer.read(r["question"])
        texts = [x.candidate.passage.text for x in reading.ranked]
        raw = await answerer.retrieve(r["question"])
        raw_texts = [c.passage.text for c in raw.candidates[:5]]
        hits["hit@1"] += texts[:1] == [r["context"]]
        hits["hit@5"] += r["context"] in texts[:5]
        hits["bm25_hit@1"] += raw_texts[:1] == [r["context"]]
        hits["bm25_hit@5"] += r["context"] in raw_texts[:5]
    return {"questions": len(rows), **{k: round(v / len(rows), 3) for k, v in sorted(hits.items())}}


async def eval_service(shared: Path, questions: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    """The real product: corpus HTML + seed ingested by ``Knowledge`` into a temporary SQLite db."""
    from knowledge.config import Settings
    from knowledge.service import Knowledge

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/eval.db",  # type: ignore[call-arg]
            NEWSDESK_INDEX_DIR=Path(tmp) / "index",
        )
        async with await Knowledge.open(settings) as kb:
            results = await kb.ingest(str(shared / "corpus/html"))
            results += await kb.ingest(str(shared / "corpus/seed/blackberry-pakistan.txt"))
            failed = [r.source for r in results if r.status == "failed"]
            report = await eval_dev(kb.answerer, questions, verbose, kb.ask)
            report["summary"]["archive"] = "service (corpus html + seed via Knowledge.ingest)"
            report["summary"]["ingest_failed"] = failed
            report["summary"]["passages"] = await kb.store.count_passages()
    return report


async def run(args: argparse.Namespace, shared: Path) -> int:
    path = Path(args.file) if args.file else shared / "eval/dev.jsonl"
    questions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if args.memory:
        answerer = await memory_answerer(shared)
        report = await eval_dev(answerer, questions, args.verbose)
        report["summary"]["archive"] = "memory (corpus text files)"
    else:
        report = await eval_service(shared, questions, args.verbose)
    if args.xquad:
        report["xquad"] = await eval_xquad(shared)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
