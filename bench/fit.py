"""Fit every weight and threshold of the reader from training data; write knowledge/reader/weights.json.

    python bench/fit.py [--semantic] [--cache DIR] [--fresh] [--dry-run]

Training data only (see bench/training.py): XQuAD, the SQuAD 2.0 sample (its unanswerable questions
teach abstention) and our own news questions in bench/data/*_train.jsonl. The dev question set is
for reporting only and is never read here. Three models, fitted in order, each choosing its
regularisation by grouped cross-validation (no article or QA context in two folds):
  1. span: logistic regression, P(span is the answer | its sentence holds the answer);
  2. window: conditional logit over every quote window of every candidate of a question;
  3. confidence: two logistic regressions on the best quote of out-of-fold window models: the score
     shown, P(the quote holds the answer), and P(the archive answers the question at all), fitted with
     every answerable question asked once more without its article as the unanswerable case; the
     abstention threshold is read off the out-of-fold curve of the latter.
With --semantic the same is fitted again with sentence-embedding features as a second variant.
Prints a JSON report (cross-validated rates, Brier score, reliability table).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from learn import Linear, fit_conditional_logit, fit_logistic  # noqa: E402
from training import (  # noqa: E402
    SEED_URL,
    Asked,
    TrainQuestion,
    contains_answer,
    load,
    load_questions,
    norm,
    qa_articles,
    save,
)

from knowledge.reader import confidence, pick  # noqa: E402
from knowledge.reader.features import SEMANTIC_FEATURES, WINDOW_FEATURES, Window, sentences, term_set, windows  # noqa: E402
from knowledge.reader.model import LinearModel  # noqa: E402
from knowledge.reader.question import QuestionView, view  # noqa: E402
from knowledge.reader.rank import order  # noqa: E402

WEIGHTS = ROOT / "knowledge" / "reader" / "weights.json"
DOMAIN_WEIGHT = {"news": 3.0, "xquad": 1.0, "squad2": 1.0}
MAX_FALSE_ABSTENTION = 0.05  # on news questions that have an answer, out of fold (the bar allows 5%)
DUMP: Path | None = None  # --dump: where to keep the confidence rows for analysis
WITHHELD_WEIGHT = 0.5  # a question asked without its article counts half a real unanswerable one
SPAN_EXTRA_WORDS = 3


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_SHARED") or ROOT.parent / "shared")


# ---- the archive and the candidates ------------------------------------------------------------


async def collect(shared: Path, cache: Path, questions: Sequence[TrainQuestion]) -> list[Asked]:
    """Ingest the training archive once (cached) and retrieve candidates for every question."""
    from knowledge.config import Settings
    from knowledge.service import Knowledge

    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / "archive.json"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        NEWSDESK_DATABASE_URL=f"sqlite+aiosqlite:///{cache / 'archive.db'}",
        NEWSDESK_INDEX_DIR=str(cache / "index"),
        # --semantic embeds only the candidates' sentences, once (bench/semantic_cache.py)
        NEWSDESK_EMBEDDING_MODEL="off",
    )
    async with await Knowledge.open(settings) as kb:
        if not marker.exists():
            t0 = time.perf_counter()
            results = await kb.ingest(str(shared / "corpus/html"))
            results += await kb.ingest(str(shared / "corpus/seed/blackberry-pakistan.txt"), url=SEED_URL)
            results += await kb.ingest(str(shared / "corpus/bbc"))
            for article in qa_articles(shared):
                results.append(await kb.store_article(article))
            failed = [r.source for r in results if r.status == "failed"]
            marker.write_text(
                json.dumps({"sources": len(results), "failed": failed, "seconds": time.perf_counter() - t0})
            )
        asked = []
        for q in questions:
            retrieval = await kb.answerer.retrieve(q.question)
            articles = retrieval.articles
            asked.append(Asked(q, retrieval, {k: list(v) for k, v in articles.items()}))
    return asked


# ---- labels ------------------------------------------------------------------------------------


def span_is_answer(text: str | None, q: TrainQuestion) -> bool:
    """The label a span is fitted to: it holds a gold answer whole, with at most SPAN_EXTRA_WORDS
    words around it (what a reader sees as the answer, just not trimmed; a part of the answer is
    not one, as ``bench/eval_qa.py`` counts it)."""
    if not text:
        return False
    got = norm(text)
    for answer in q.answers:
        gold = norm(answer)
        if gold and f" {gold} " in f" {got} " and len(got.split()) - len(gold.split()) <= SPAN_EXTRA_WORDS:
            return True
    return False


# ---- 1. spans ----------------------------------------------------------------------------------


@dataclass
class SpanRows:
    """One row per candidate span of every answering sentence, and which sentence it came from."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    group: list[str]
    sentence: np.ndarray  # per row: the index of its sentence
    domains: list[str]  # per sentence (one with no candidate at all is counted too)


def span_rows(asked: Sequence[Asked]) -> SpanRows:
    xs, ys, ws, groups, of_sentence, domains = [], [], [], [], [], []
    for a in asked:
        q = a.question
        if not q.answerable:
            continue
        gold = [c.passage for c in a.retrieval.candidates if q.is_gold(c.passage)]
        if not gold:
            continue
        qv = view(q.question, a.retrieval.query, a.retrieval.idf_of)
        text = gold[0].text
        for start, end in sentences(text):
            sentence = text[start:end]
            if not q.holds_answer(sentence):
                continue
            anchors = pick.anchors_of(sentence, qv)
            for span in pick.candidates(sentence, qv):
                xs.append(pick.features(span, sentence, qv, anchors))
                ys.append(float(span_is_answer(span.text(sentence), q)))
                ws.append(DOMAIN_WEIGHT[q.domain])
                groups.append(q.group)
                of_sentence.append(len(domains))
            domains.append(q.domain)
    return SpanRows(np.array(xs), np.array(ys), np.array(ws), groups, np.array(of_sentence), domains)


def span_top1(rows: SpanRows, oof: np.ndarray) -> dict[str, float]:
    """Per domain, how often the out-of-fold best span of an answering sentence is the answer: what
    the span model is for (the log loss also weighs the ranks of spans nobody is shown)."""
    hit = np.zeros(len(rows.domains), dtype=bool)
    best: dict[int, int] = {}
    for k, s in enumerate(rows.sentence):
        if s not in best or oof[k] > oof[best[s]]:
            best[s] = k
    for s, k in best.items():
        hit[s] = rows.y[k] == 1
    domains = np.array(rows.domains, dtype=object)
    return {d: round(float(hit[domains == d].mean()), 4) for d in sorted(set(rows.domains))}


# ---- 2. windows --------------------------------------------------------------------------------


def question_windows(a: Asked, qv: QuestionView, span_model: LinearModel, semantic: bool) -> list[Window]:
    vectors = a.vectors if semantic else None
    return windows(qv, a.retrieval.candidates, a.articles, span_model, vectors)


def window_labels(a: Asked, found: Sequence[Window]) -> np.ndarray:
    q = a.question
    cands = a.retrieval.candidates
    y = np.array(
        [
            float(
                q.is_gold(cands[w.index].passage)
                and q.holds_answer(cands[w.index].passage.text[w.start : w.end])
            )
            for w in found
        ]
    )
    if not y.any():  # the answer is split across windows: any window of the answering paragraph
        y = np.array([float(q.is_gold(cands[w.index].passage)) for w in found])
    return y


# ---- 3. confidence -----------------------------------------------------------------------------


def correct(a: Asked, ranking: Any) -> bool:
    """The quote's passage is the answering paragraph and the quote holds the answer."""
    if not ranking.ranked or not a.question.answerable:
        return False
    best = ranking.ranked[0]
    return a.question.is_gold(best.candidate.passage) and a.question.holds_answer(best.quote)


def reliability(p: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        mask = (p >= lo) & ((p < hi) if k < 9 else (p <= hi))
        if mask.any():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(mask.sum()),
                    "mean_p": round(float(p[mask].mean()), 3),
                    "right": round(float(y[mask].mean()), 3),
                }
            )
    return rows


def fit_variant(asked: Sequence[Asked], semantic: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit span, window and confidence models for one feature set; returns (weights block, report)."""
    t0 = time.perf_counter()
    report: dict[str, Any] = {}
    views = [view(a.question.question, a.retrieval.query, a.retrieval.idf_of) for a in asked]

    spans = span_rows(asked)
    span_fit, span_oof, span_cv = fit_logistic(spans.x, spans.y, spans.weight, spans.group)
    span_model = LinearModel.for_features(pick.SPAN_FEATURES, span_fit.as_json(pick.SPAN_FEATURES))
    report["span"] = {
        "rows": len(spans.y),
        "positives": int(spans.y.sum()),
        **span_cv,
        "top1_out_of_fold": span_top1(spans, span_oof),
    }

    per_question = [question_windows(a, qv, span_model, semantic) for a, qv in zip(asked, views, strict=True)]
    names = [n for n in WINDOW_FEATURES if semantic or n not in SEMANTIC_FEATURES]
    columns = [WINDOW_FEATURES.index(n) for n in names]
    xs, ys, qids, qweights, qgroups, trained = [], [], [], [], [], []
    for i, (a, found) in enumerate(zip(asked, per_question, strict=True)):
        if not a.question.answerable or not found:
            continue
        labels = window_labels(a, found)
        if not labels.any():
            continue
        xs.append(np.array([f.x for f in found])[:, columns])
        ys.append(labels)
        qids.append(np.full(len(found), len(trained)))
        qweights.append(DOMAIN_WEIGHT[a.question.domain])
        qgroups.append(a.question.group)
        trained.append(i)
    window_fit, fold_models, window_cv = fit_conditional_logit(
        np.vstack(xs), np.concatenate(ys), np.concatenate(qids), np.array(qweights), qgroups
    )
    report["window"] = {"questions": len(trained), **window_cv}
    full = np.zeros(len(WINDOW_FEATURES))
    full[columns] = window_fit.coef

    def model_of(linear: Linear) -> LinearModel:
        coef = np.zeros(len(WINDOW_FEATURES))
        coef[columns] = linear.coef
        return LinearModel(WINDOW_FEATURES, tuple(float(c) for c in coef), 0.0)

    honest = {g: model_of(m) for g, m in fold_models.items()}
    window_model = model_of(window_fit)  # for questions whose article no fold trained on

    rows = confidence_rows(asked, views, per_question, honest, window_model)
    if DUMP is not None:
        save_rows(DUMP / f"confidence-{'semantic' if semantic else 'lexical'}.pkl", rows)
    cx, cy, cw = rows.x, rows.right, rows.weight
    cgroups, domains, answerable, rank_ok = rows.group, rows.domain, rows.answerable, rows.rank_ok
    conf_names = [n for n in confidence.CONFIDENCE_FEATURES if semantic or n not in SEMANTIC_FEATURES]
    conf_columns = [confidence.CONFIDENCE_FEATURES.index(n) for n in conf_names]
    cxa = np.array(cx)[:, conf_columns]
    right_a, weight_a = np.array(cy), np.array(cw)
    answerable_a, withheld_a = np.array(answerable), np.array(rows.withheld)
    natural = ~withheld_a
    natural_groups = [g for g, keep in zip(cgroups, natural, strict=True) if keep]
    # P(the quote holds the answer): the score shown, on questions as they come (no withheld rows)
    right_fit, right_oof, right_cv = fit_logistic(
        cxa[natural], right_a[natural], weight_a[natural], natural_groups
    )
    # P(the archive answers at all): what abstention reads, with the withheld questions as extra negatives
    ans_fit, ans_oof, ans_cv = fit_logistic(cxa, answerable_a.astype(float), weight_a, cgroups)
    report["confidence"] = {"questions": int(natural.sum()), **right_cv}
    report["answerable"] = {"rows": len(cy), "withheld": int(withheld_a.sum()), **ans_cv}
    p_right = np.zeros(len(cy))
    p_right[natural] = 1 / (1 + np.exp(-right_oof))
    p_ans = 1 / (1 + np.exp(-ans_oof))

    domains_a = np.array(domains, dtype=object)
    threshold = choose_threshold(p_ans[natural & (domains_a == "news") & answerable_a])
    report["threshold"] = round(threshold, 4)
    given = p_ans >= threshold
    report["by_domain"] = {}
    for d in sorted(set(domains)):
        m = (domains_a == d) & natural
        ans, un = m & answerable_a, m & ~answerable_a
        entry: dict[str, Any] = {"questions": int(m.sum())}
        if ans.any():
            entry["passage@1"] = round(float(np.mean(np.array(rank_ok)[ans])), 3)
            entry["quote_right_answered"] = round(float(np.mean(right_a[ans] * given[ans])), 3)
            entry["short_right_answered"] = round(float(np.mean(np.array(rows.short)[ans] * given[ans])), 3)
            entry["false_abstention"] = round(float(np.mean(~given[ans])), 3)
        if un.any():
            entry["abstained_unanswerable"] = round(float(np.mean(~given[un])), 3)
        held = (domains_a == d) & withheld_a
        if held.any():
            entry["abstained_withheld"] = round(float(np.mean(~given[held])), 3)
        high = m & given & (p_right >= 0.9)
        if high.any():
            entry["right_when_score>=0.9"] = round(float(np.mean(right_a[high])), 3)
        entry["brier"] = round(float(np.mean((p_right[m] - right_a[m]) ** 2)), 4)
        report["by_domain"][d] = entry
    report["reliability"] = reliability(p_right[natural], right_a[natural])
    report["seconds"] = round(time.perf_counter() - t0, 1)

    def full_json(fitted: Linear) -> dict[str, object]:
        coef = np.zeros(len(confidence.CONFIDENCE_FEATURES))
        coef[conf_columns] = fitted.coef
        return Linear(coef, fitted.bias, fitted.strength).as_json(confidence.CONFIDENCE_FEATURES)

    block = {
        "span": span_fit.as_json(pick.SPAN_FEATURES),
        "window": Linear(full, 0.0, window_fit.strength).as_json(WINDOW_FEATURES),
        "confidence": full_json(right_fit),
        "answerable": full_json(ans_fit),
        "threshold": round(threshold, 6),
    }
    return block, report


@dataclass
class ConfidenceRows:
    """One row per question, plus one per answerable question asked with its article withheld."""

    x: list[list[float]] = field(default_factory=list)
    right: list[float] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    answerable: list[bool] = field(default_factory=list)
    withheld: list[bool] = field(default_factory=list)
    rank_ok: list[bool] = field(default_factory=list)
    short: list[bool] = field(default_factory=list)  # the short answer shown matches a gold answer

    def add(
        self,
        x: list[float],
        right: bool,
        a: Asked,
        answerable: bool,
        withheld: bool,
        ok: bool,
        short: bool = False,
    ) -> None:
        self.x.append(x)
        self.right.append(float(right))
        self.weight.append(DOMAIN_WEIGHT[a.question.domain] * (WITHHELD_WEIGHT if withheld else 1.0))
        self.group.append(a.question.group)
        self.domain.append(a.question.domain)
        self.answerable.append(answerable)
        self.withheld.append(withheld)
        self.rank_ok.append(ok)
        self.short.append(short)


def save_rows(path: Path, rows: ConfidenceRows) -> None:
    import pickle

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(rows))


def confidence_rows(
    asked: Sequence[Asked],
    views: Sequence[QuestionView],
    per_question: Sequence[Sequence[Window]],
    honest: dict[str, LinearModel],
    default: LinearModel,
) -> ConfidenceRows:
    """Confidence features of the best quote under a window model that never saw the question's article.

    An answerable question asked again without its article is the unanswerable case the archive will
    meet most (the topic is there, the fact is not), so each one also gives a withheld row.
    """
    rows = ConfidenceRows()
    for a, qv, found in zip(asked, views, per_question, strict=True):
        if not found:
            continue
        model = honest.get(a.question.group, default)
        cands = a.retrieval.candidates
        scores = [model.score(f.x) for f in found]
        ranking = order(cands, found, scores)
        best = ranking.ranked[0].candidate.passage
        x = confidence.features(qv, ranking, a.articles.get(best.article_id, ()), a.retrieval.unknown)
        q = a.question
        top = ranking.ranked[0]
        answer = top.quote[top.span.start : top.span.end] if top.span else None
        short = q.answerable and contains_answer(answer, q.answers)
        rows.add(x, correct(a, ranking), a, q.answerable, False, q.answerable and q.is_gold(best), short)
        if not q.answerable or q.domain == "squad2":
            continue
        gold_articles = {c.passage.article_id for c in cands if q.is_gold(c.passage)}
        if not gold_articles:
            continue
        keep = [k for k, f in enumerate(found) if cands[f.index].passage.article_id not in gold_articles]
        if not keep:
            continue
        ranking = order(cands, [found[k] for k in keep], [scores[k] for k in keep])
        best = ranking.ranked[0].candidate.passage
        unknown = a.retrieval.unknown | only_in(a, gold_articles)
        x = confidence.features(qv, ranking, a.articles.get(best.article_id, ()), unknown)
        rows.add(x, False, a, False, True, False)
    return rows


def only_in(a: Asked, withheld: set[int]) -> frozenset[str]:
    """Query terms found only in the withheld articles: without them the archive never saw these words.

    Document frequencies come back from the IDFs retrieval reported (BM25's idf inverted), less the
    passages of the withheld articles that hold the term.
    """
    n = a.retrieval.documents
    held = [p for article in withheld for p in a.articles.get(article, ())]
    held_terms = [term_set(p.text) | term_set(p.title or "") for p in held]
    gone = set()
    for term, value in a.retrieval.idf.items():
        if term in a.retrieval.unknown or n <= 0:
            continue
        df = (n + 1.0) / math.exp(value) - 0.5
        if round(df) <= sum(1 for ts in held_terms if term in ts):
            gone.add(term)
    return frozenset(gone)


def choose_threshold(p_answerable: np.ndarray) -> float:
    """The highest threshold on P(answerable) that abstains on at most MAX_FALSE_ABSTENTION of answerable
    news questions (out of fold): false abstentions are what a reader of the bot minds most."""
    ordered = np.sort(p_answerable)
    k = int(np.floor(MAX_FALSE_ABSTENTION * len(ordered)))
    return float(ordered[k]) if len(ordered) else 0.5


# ---- main --------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--semantic", action="store_true", help="also fit the variant with sentence embeddings")
    ap.add_argument("--cache", type=Path, help="where the archive and candidates are kept between runs")
    ap.add_argument(
        "--fresh", action="store_true", help="retrieve candidates again (after retrieval changes)"
    )
    ap.add_argument("--dry-run", action="store_true", help="report only; do not write weights.json")
    ap.add_argument("--dump", type=Path, help="also keep the confidence rows here (for analysis)")
    ap.add_argument(
        "--only",
        choices=["lexical", "semantic"],
        help="fit this variant only and keep the other one's block of weights.json as it is",
    )
    args = ap.parse_args()
    global DUMP
    DUMP = args.dump
    shared = shared_dir()
    if not (shared / "qa").exists():
        print(json.dumps({"skipped": f"training data not found at {shared}"}))
        return 0
    cache = args.cache or Path(tempfile.gettempdir()) / "newsdesk-fit"
    questions = load_questions(shared)
    pickled = cache / "asked.pkl"
    if args.fresh or not pickled.exists():
        asked = asyncio.run(collect(shared, cache, questions))
        save(pickled, asked)
    else:
        asked = load(pickled)
    if args.semantic:
        from semantic_cache import attach_vectors

        attach_vectors(asked, cache)
    counts: dict[str, int] = defaultdict(int)
    for a in asked:
        counts[f"{a.question.domain}{'' if a.question.answerable else '_unanswerable'}"] += 1
    variants = [args.only] if args.only else ["lexical", *(["semantic"] if args.semantic else [])]
    if "semantic" in variants and not args.semantic:
        ap.error("--only semantic needs --semantic")
    out: dict[str, Any] = json.loads(WEIGHTS.read_text(encoding="utf-8")) if args.only else {}
    out["meta"] = {
        "fitted_by": "bench/fit.py",
        "questions": dict(sorted(counts.items())),
        "domain_weight": DOMAIN_WEIGHT,
        "max_false_abstention": MAX_FALSE_ABSTENTION,
    }
    report: dict[str, Any] = {"questions": dict(sorted(counts.items()))}
    for name in variants:
        block, report[name] = fit_variant(asked, semantic=name == "semantic")
        (cache / f"block-{name}.json").write_text(json.dumps(block), encoding="utf-8")
        if not args.dry_run:  # read again: another run may have written the other variant meanwhile
            current = json.loads(WEIGHTS.read_text(encoding="utf-8")) if args.only else out
            current.update({"meta": out["meta"], name: block})
            out = current
            WEIGHTS.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
