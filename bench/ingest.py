"""Bulk ingest speed through the real command line; prints JSON.

    NEWSDESK_EMBEDDING_MODEL=off python bench/ingest.py [--files 10000] [--paragraphs 10] [--skip-bbc]

Two runs of ``newsdesk ingest DIR --json``, each a subprocess on a fresh SQLite archive:

* ``generated``: ``--files`` text files of ``--paragraphs`` paragraphs each, written to a temporary
  directory from sentence templates (news-like, all different, nothing from any corpus);
* ``bbc``: the 2,225 BBC texts of ``../shared/corpus/bbc`` (skipped with the reason when absent).

Per run: files, paragraphs stored (from the JSON lines), wall seconds, paragraphs per second, CPU
seconds of the command and its workers, the largest process's peak RSS, the exit code and the
command's own summary line. The load average is
printed too: on a shared machine it explains a slow run. The embedding model is forced ``off``
(sentence embeddings are computed after ingest, by the semantic extra; not measured here).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))

SUBJECTS = [
    "The city council",
    "Engineers at the port",
    "A group of residents",
    "The regional health board",
    "Officials in the northern district",
    "The ferry operator",
    "Local farmers",
    "The school governors",
    "Police in the harbour town",
    "The transport minister",
    "A spokesperson for the hospital",
    "Volunteers from the rescue service",
    "The water company",
    "Researchers at the university",
    "The festival organisers",
    "Shop owners on the high street",
    "The county court",
    "Union leaders",
]
VERBS = [
    "approved",
    "rejected",
    "delayed",
    "announced",
    "criticised",
    "welcomed",
    "reviewed",
    "funded",
    "postponed",
    "defended",
    "questioned",
    "launched",
    "completed",
    "suspended",
    "expanded",
    "reported",
]
OBJECTS = [
    "a plan to rebuild the old bridge",
    "the budget for road repairs",
    "a new bus route to the coast",
    "the closure of the night clinic",
    "an inquiry into the flooding",
    "a contract for the sea wall",
    "changes to parking charges",
    "the reopening of the library",
    "a survey of river pollution",
    "the move to a four-day week",
    "plans for a wind farm offshore",
    "a scheme to train apprentices",
    "the sale of the former station",
    "new rules for short-term lets",
    "a trial of later school hours",
]
WHENS = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "at the weekend",
    "last month",
    "earlier this year",
    "after a long debate",
    "despite protests",
    "ahead of the winter",
]
DETAILS = [
    "The cost is estimated at {n} million pounds.",
    "About {n} people attended the meeting.",
    "Work is expected to take {n} months.",
    "The decision affects roughly {n} households.",
    "A report said {n} per cent of those asked were in favour.",
    "The previous plan was dropped in {y}.",
    "It is the first change of its kind since {y}.",
    "Around {n} jobs could be created.",
    "Critics said the figure of {n} was too optimistic.",
    "A final vote is due in {y}.",
]
NAMES = ["Ana Ruiz", "Tom Okafor", "Priya Shah", "Liam Byrne", "Mei Chen", "Jonas Berg", "Sara Novak"]
QUOTES = [
    '"We have listened to everyone," said {name}.',
    '"This is long overdue," {name} told reporters.',
    "{name}, who chairs the committee, said the work would start soon.",
    '"The money is simply not there," said {name}.',
    "{name} called the result a fair compromise.",
]


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHENS)}."
    if kind < 0.8:
        return rng.choice(DETAILS).format(n=rng.randint(2, 950), y=rng.randint(1990, 2026))
    return rng.choice(QUOTES).format(name=rng.choice(NAMES))


def write_corpus(folder: Path, files: int, paragraphs: int, seed: int = 7) -> None:
    """``files`` text files: a headline, then ``paragraphs`` paragraphs of 2-4 sentences."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (report {n})"
        body = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(paragraphs)]
        (folder / f"story-{n:06d}.txt").write_text(
            title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8"
        )


def _command() -> list[str]:
    script = Path(sys.executable).parent / "newsdesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run_ingest(folder: Path, work: Path) -> dict[str, Any]:
    """``newsdesk ingest folder --json`` on a fresh archive in ``work``; what it took."""
    env = dict(os.environ)
    env.update(
        NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{work / 'bench.db'}",
        NEWSDESK_INDEX_DIR=str(work / "index"),
        NEWSDESK_EMBEDDING_MODEL="off",
    )
    out, err = work / "out.jsonl", work / "err.txt"
    started = time.perf_counter()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*_command(), "ingest", str(folder), "--json"], stdout=stdout, stderr=stderr, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    lines = [
        json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("{")
    ]
    paragraphs = sum(int(line["passages"]) for line in lines)
    summary = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return {
        "files": len(lines),
        "failed": sum(1 for line in lines if line["status"] == "failed"),
        "paragraphs": paragraphs,
        "seconds": round(seconds, 2),
        "paragraphs_per_s": round(paragraphs / seconds, 1),
        # user + system CPU of the command and its worker processes: what the run costs on an idle
        # machine, whatever else shares this one
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "paragraphs_per_cpu_s": round(paragraphs / max(usage.ru_utime + usage.ru_stime, 1e-6), 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": os.waitstatus_to_exitcode(status),
        "summary": summary[-1] if summary else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="generated files (default 10,000)")
    parser.add_argument("--paragraphs", type=int, default=10, help="paragraphs per generated file")
    parser.add_argument("--skip-bbc", action="store_true", help="only the generated run")
    args = parser.parse_args()
    report: dict[str, Any] = {"embedding_model": "off", "cpus": os.cpu_count(), "command": _command()}
    with tempfile.TemporaryDirectory(prefix="newsdesk-ingest-") as tmp:
        base = Path(tmp)
        corpus = base / "generated"
        write_corpus(corpus, args.files, args.paragraphs)
        (base / "run-generated").mkdir()
        report["load_before"] = [round(x, 2) for x in os.getloadavg()]
        report["generated"] = run_ingest(corpus, base / "run-generated")
        bbc = SHARED / "corpus" / "bbc"
        if args.skip_bbc:
            report["bbc"] = {"skipped": "--skip-bbc"}
        elif not bbc.is_dir():
            report["bbc"] = {"skipped": f"{bbc} not found (the shared evaluation corpus is not here)"}
        else:
            (base / "run-bbc").mkdir()
            report["bbc"] = run_ingest(bbc, base / "run-bbc")
        report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
