"""Training questions for the reader and the archive they are asked against (used by bench/fit.py).

Training data, never the dev question set: XQuAD and the SQuAD 2.0 sample from ../shared/qa (their contexts
become articles of the archive), and the news questions committed in bench/data/*_train.jsonl over
corpus pages and BBC stories that dev does not cover. Every question is asked of ONE archive holding
all of it (corpus pages, the seed article, the BBC stories, every QA context), ingested through
``Knowledge`` exactly as ``newsdesk ingest`` does, so candidates come from the real retrieval.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.analysis.tokenize import fold
from knowledge.models import Article, Passage

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
SEED_URL = "https://www.securityweek.com/blackberry-continue-operating-pakistan"
QA_URL = "https://qa.newsdesk.invalid/{set}/{n}"


def ws(text: str | None) -> str:
    return " ".join((text or "").split())


def norm(text: str | None) -> str:
    """Folded words only: how answers are compared (as bench/eval_qa.py does)."""
    return " ".join(re.sub(r"[^\w%$£¥€]+", " ", fold(text or "")).split())


def contains_answer(text: str | None, answers: Sequence[str]) -> bool:
    """A gold answer inside ``text``, both normalised: how a short answer (or a quote) counts as right."""
    got = norm(text)
    return any(norm(answer) in got for answer in answers)


@dataclass(frozen=True, slots=True)
class TrainQuestion:
    id: str
    domain: str  # "news" (corpus + BBC questions), "xquad" or "squad2"
    question: str
    answers: tuple[str, ...]  # empty when unanswerable
    group: str  # the article or context: folds never split one
    evidence: str | None = None  # news: a verbatim piece of the answering paragraph
    context: str | None = None  # QA: the answering paragraph itself
    qtype: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def is_gold(self, passage: Passage) -> bool:
        """Whether ``passage`` is the paragraph that answers."""
        if not self.answerable:
            return False
        if self.context is not None:
            return ws(passage.text) == ws(self.context)
        return ws(self.evidence) in ws(passage.text)

    def holds_answer(self, text: str) -> bool:
        folded = norm(text)
        return any(norm(a) and norm(a) in folded for a in self.answers)


@dataclass(slots=True)
class Asked:
    """One question with what retrieval returned for it (cached between fitting runs)."""

    question: TrainQuestion
    retrieval: Any  # knowledge.retrieval.candidates.Retrieval
    articles: dict[int, list[Passage]]
    vectors: Any = None  # knowledge.reader.semantic.SentenceVectors
    extra: dict[str, Any] = field(default_factory=dict)


def qa_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_questions(shared: Path) -> list[TrainQuestion]:
    """Every training question: XQuAD, the SQuAD 2.0 sample, and our news training files."""
    out: list[TrainQuestion] = []
    for domain, name in (("xquad", "xquad_en.jsonl"), ("squad2", "squad2_dev_sample500.jsonl")):
        for r in qa_rows(shared / "qa" / name):
            answers = tuple(dict.fromkeys(a for a in r["answers"] if a.strip()))
            out.append(
                TrainQuestion(
                    id=f"{domain}:{r['id']}",
                    domain=domain,
                    question=r["question"],
                    answers=answers,
                    group=f"{domain}:{_digest(r['context'])}",
                    context=r["context"],
                )
            )
    for path in sorted(DATA.glob("*_train.jsonl")):
        for r in qa_rows(path):
            answer = r.get("answer")
            out.append(
                TrainQuestion(
                    id=f"news:{r['id']}",
                    domain="news",
                    question=r["question"],
                    answers=(answer,) if answer else (),
                    group=f"news:{r.get('source') or r['id']}",
                    evidence=r.get("evidence"),
                    qtype=r.get("type"),
                )
            )
    return out


def qa_articles(shared: Path) -> Iterator[Article]:
    """Every distinct QA context as a one-paragraph article titled after its Wikipedia page."""
    seen: set[str] = set()
    for domain, name in (("xquad", "xquad_en.jsonl"), ("squad2", "squad2_dev_sample500.jsonl")):
        for r in qa_rows(shared / "qa" / name):
            key = ws(r["context"])
            if key in seen:
                continue
            seen.add(key)
            title = (r.get("title") or "").replace("_", " ") or r["context"].split(".")[0][:80]
            url = QA_URL.format(set=domain, n=len(seen))
            yield Article(url=url, title=title, paragraphs=(r["context"],), site="qa.newsdesk.invalid")


def _digest(text: str) -> str:
    return hashlib.blake2b(ws(text).encode(), digest_size=6).hexdigest()


def save(path: Path, asked: Sequence[Asked]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(list(asked), f, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path) -> list[Asked]:
    with path.open("rb") as f:
        return list(pickle.load(f))
