"""Two real processes ingest, update, remove and search one database at once: nothing is lost,
nothing deleted or replaced comes back (SQLite file and PostgreSQL; one index location shared)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from knowledge.store import Store

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20


async def test_two_processes_lose_nothing_and_return_nothing_deleted(db_url: str, tmp_path: Path) -> None:
    store = await Store.open(db_url)  # migrate once up front; the workers find it done
    await store.close()
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": db_url,
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),  # the same location: each takes its own directory
        "NEWSDESK_EMBEDDING_MODEL": "off",
        "PYTHONPATH": str(ROOT),
    }
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.retrieval.worker",
            tag,
            other,
            str(ROUNDS),
            str(tmp_path),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for tag, other in (("a", "b"), ("b", "a"))
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), 300)
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()[-3000:]
        report = json.loads(out.decode().strip().splitlines()[-1])
        assert report["problems"] == [], report
    assert len({p.name for p in (tmp_path / "index").iterdir() if p.is_dir()}) == 2  # primary + replica
