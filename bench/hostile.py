"""Hostile inputs through the real ingest path, one subprocess each; prints JSON.

    python bench/hostile.py [--via file|url|both] [--timeout 120] [--only SUBSTRING]

Every bomb of ``tests/hostile/bombs.py`` is ingested into a fresh SQLite archive that already
holds one article, from a file and/or from a loopback web server, while the same process keeps
asking a question about the stored article. Per case: wall seconds (or the timeout), peak RSS
growth, the longest event-loop stall and slowest answer during the ingest, what was stored
(passages, longest passage, longest link) and whether the earlier article still answers. A case
that does not finish within ``--timeout`` is killed and reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.bombs import ALL, STORY, Bomb  # noqa: E402

QUESTION = "how many passengers does the ferry carry?"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _ticker(stalls: list[float], stop: asyncio.Event) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        stalls.append(now - last - 0.01)
        last = now


async def _asker(kb: Any, latencies: list[float], answered: list[bool], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        answer = await kb.ask(QUESTION)
        latencies.append(time.perf_counter() - started)
        answered.append(not answer.abstained)
        await asyncio.sleep(0.05)


async def _serve(bomb: Bomb) -> tuple[Any, str]:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def handle(request: web.Request) -> web.Response:
        if request.path == f"/doc{bomb.suffix}":
            return web.Response(body=bomb.data, headers={"Content-Type": bomb.content_type})
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, str(server.make_url("")).rstrip("/")


async def child(index: int, via: str) -> dict[str, Any]:
    from knowledge.config import Settings
    from knowledge.models import Article
    from knowledge.service import Knowledge

    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        NEWSDESK_INDEX_DIR=str(tmp / "index"),
        NEWSDESK_FETCH_ALLOW_HOSTS="127.0.0.1",
    )
    server = None
    async with await Knowledge.open(settings) as kb:
        await kb.store_article(
            Article(
                url="https://coast.example/ferry", title="Ferry", paragraphs=(STORY,), site="coast.example"
            )
        )
        await kb.ask(QUESTION)  # warm: index built, models loaded
        if via == "url":
            server, base = await _serve(ALL[index]("http://127.0.0.1"))
            bomb = ALL[index](base)
            source = f"{base}/doc{bomb.suffix}"
        else:
            bomb = ALL[index]("https://hostile.example")
            path = tmp / f"doc{bomb.suffix}"
            path.write_bytes(bomb.data)
            source = str(path)
        stalls: list[float] = []
        latencies: list[float] = []
        answered: list[bool] = []
        stop = asyncio.Event()
        before = _rss_mb()
        tasks = [
            asyncio.create_task(_ticker(stalls, stop)),
            asyncio.create_task(_asker(kb, latencies, answered, stop)),
        ]
        started = time.perf_counter()
        results = await kb.ingest(source)
        seconds = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*tasks)
        peak = _rss_mb()
        stored = [a async for a in kb.export()]
        passages = [p for a in stored for p in a.paragraphs]
        final = await kb.ask(QUESTION)
        if server is not None:
            await server.close()
    return {
        "bomb": bomb.name,
        "via": via,
        "bytes": len(bomb.data),
        "seconds": round(seconds, 3),
        "rss_growth_mb": round(peak - before, 1),
        "max_loop_stall_s": round(max(stalls, default=0.0), 3),
        "max_ask_s": round(max(latencies, default=0.0), 3),
        "asks_during_ingest": len(latencies),
        "results": [
            {"status": r.status, "articles": r.articles, "passages": r.passages, "error": r.error}
            for r in results
        ],
        "stored_passages": len(passages),
        "longest_passage": max((len(p) for p in passages), default=0),
        "longest_url": max((len(a.url) for a in stored), default=0),
        "earlier_article_answers": not final.abstained,
    }


def run_case(index: int, via: str, timeout: float) -> dict[str, Any]:
    name = ALL[index]().name
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(index), "--via", via],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"bomb": name, "via": via, "seconds": f">{timeout:g}", "killed": "timeout"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {
            "bomb": name,
            "via": via,
            "seconds": round(time.perf_counter() - started, 1),
            "crashed": tail[:300],
        }
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--via", choices=("file", "url", "both"), default="both")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a case is killed")
    parser.add_argument("--only", default="", help="run the bombs whose name holds this text")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(asyncio.run(child(args.child, args.via))))
        return
    vias = ("file", "url") if args.via == "both" else (args.via,)
    cases = []
    for index, make in enumerate(ALL):
        if args.only.lower() not in make().name.lower():
            continue
        for via in vias:
            case = run_case(index, via, args.timeout)
            print(json.dumps(case), file=sys.stderr)
            cases.append(case)
    print(json.dumps({"timeout_s": args.timeout, "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
