"""One of two processes ingesting, updating, removing and searching against one database at once.

    python -m tests.retrieval.worker TAG OTHER ROUNDS WORKDIR

Every article carries one made-up marker word. After each change this process searches for it:
its own new text is found at once, text it replaced or removed never comes back. When both
processes are done (a file each in WORKDIR), each checks every marker of both: the final state is
known in advance, so a lost passage or a returned deleted one shows up as a mismatch. Prints one
JSON line: {"tag", "problems": [...]}.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from pathlib import Path

from knowledge.config import Settings
from knowledge.models import Article, SearchOptions
from knowledge.service import Knowledge

SYLLABLES = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ro", "sa", "te"]


def marker(tag: str, n: int, version: int) -> str:
    return f"mark{tag}{n}v{version}x"


def plan(tag: str, rounds: int) -> dict[int, int | None]:
    """Final version of each article (None: removed); the same rule the run below follows."""
    final: dict[int, int | None] = {}
    for n in range(rounds):
        final[n] = 0
        if n % 3 == 2:
            final[n - 1] = 1 if final[n - 1] is not None else None
        if n % 5 == 4:
            final[n - 2] = None
    return final


def article(tag: str, n: int, version: int, rng: random.Random) -> Article:
    words = ["".join(rng.choices(SYLLABLES, k=3)) for _ in range(30)]
    paragraphs = (
        f"{' '.join(words[:12])} {marker(tag, n, version)}.",
        f"{' '.join(words[12:])}.",
    )
    return Article(url=f"https://{tag}.example/{n}", title=f"Story {tag} {n}", paragraphs=paragraphs)


async def found(kb: Knowledge, word: str) -> int:
    hits = await kb.search(word, SearchOptions(limit=5, min_score=0.0))
    return sum(word in h.passage.text for h in hits)


async def run(tag: str, other: str, rounds: int, workdir: Path) -> list[str]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    problems: list[str] = []
    rng = random.Random(tag)
    version: dict[int, int | None] = {}
    async with await Knowledge.open(settings) as kb:
        for n in range(rounds):
            await kb.store_article(article(tag, n, 0, rng))
            await kb.catch_up()
            version[n] = 0
            if await found(kb, marker(tag, n, 0)) != 1:
                problems.append(f"new {marker(tag, n, 0)} not found")
            if n % 3 == 2 and version[n - 1] is not None:
                await kb.store_article(article(tag, n - 1, 1, rng))
                await kb.catch_up()
                version[n - 1] = 1
                if await found(kb, marker(tag, n - 1, 0)):
                    problems.append(f"replaced {marker(tag, n - 1, 0)} still returned")
            if n % 5 == 4:
                await kb.remove_article(f"https://{tag}.example/{n - 2}")
                version[n - 2] = None
                if await found(kb, f"mark{tag}{n - 2}v0x") or await found(kb, f"mark{tag}{n - 2}v1x"):
                    problems.append(f"removed article {n - 2} still returned")
        (workdir / f"done-{tag}").touch()
        for _ in range(600):
            if (workdir / f"done-{other}").exists():
                break
            await asyncio.sleep(0.1)
        else:
            return [*problems, f"{other} never finished"]
        for who in (tag, other):
            for n, final in plan(who, rounds).items():
                for v in (0, 1):
                    want = 1 if final == v else 0
                    if await found(kb, marker(who, n, v)) != want:
                        problems.append(f"{marker(who, n, v)}: expected {want} hits at the end")
        status = await kb.index_status()
        if not status.caught_up:
            problems.append(f"{status.pending} changes still pending at the end")
        if (problem := await kb.check_index()) is not None:
            problems.append(problem)
    return problems


def main() -> int:
    tag, other, rounds, workdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    os.environ.setdefault("NEWSDESK_EMBEDDING_MODEL", "off")
    problems = asyncio.run(run(tag, other, rounds, workdir))
    print(json.dumps({"tag": tag, "problems": problems}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
