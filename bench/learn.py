"""Model fitting for bench/fit.py: weighted logistic regression and a conditional (listwise) logit.

Both are linear, so the product only needs a dot product at answer time; both choose their
regularisation by cross-validation over groups (an article or a QA context is never split between
folds, so a model is always scored on articles it has not seen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

Array = npt.NDArray[np.float64]
FOLDS = 5


@dataclass(frozen=True)
class Linear:
    coef: Array
    bias: float
    strength: float  # the regularisation chosen

    def score(self, x: Array) -> Array:
        return x @ self.coef + self.bias

    def as_json(self, names: Sequence[str]) -> dict[str, object]:
        return {
            "bias": round(float(self.bias), 6),
            "weights": {
                n: round(float(w), 6) for n, w in zip(names, self.coef, strict=True) if abs(w) > 1e-9
            },
        }


def folds(groups: Sequence[str], n: int = FOLDS) -> list[tuple[Array, Array]]:
    """Train/test index pairs that never split a group."""
    splitter = GroupKFold(n_splits=n)
    idx = np.arange(len(groups))
    return [(tr, te) for tr, te in splitter.split(idx, groups=list(groups))]


def logistic(x: Array, y: Array, w: Array, c: float) -> Linear:
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y, sample_weight=w)
    return Linear(model.coef_[0].astype(np.float64), float(model.intercept_[0]), c)


def fit_logistic(
    x: Array,
    y: Array,
    w: Array,
    groups: Sequence[str],
    strengths: Sequence[float] = (0.01, 0.1, 1, 10, 100),
) -> tuple[Linear, Array, dict[str, float]]:
    """Logistic regression with C chosen by grouped CV (weighted log loss); also out-of-fold scores."""
    splits = folds(groups)
    best: tuple[float, float, Array] | None = None
    for c in strengths:
        oof = np.zeros(len(y))
        for tr, te in splits:
            oof[te] = logistic(x[tr], y[tr], w[tr], c).score(x[te])
        p = 1 / (1 + np.exp(-oof))
        loss = float(-np.sum(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))) / np.sum(w))
        if best is None or loss < best[0]:
            best = (loss, c, oof)
    assert best is not None
    loss, c, oof = best
    return logistic(x, y, w, c), oof, {"cv_log_loss": round(loss, 4), "C": c}


def _clogit_loss(
    theta: Array, x: Array, y: Array, starts: Array, gw: Array, lam: float
) -> tuple[float, Array]:
    s = x @ theta
    # per group: log sum exp over all - log sum exp over positives
    m = np.maximum.reduceat(s, starts)
    sizes = np.diff(np.append(starts, len(s)))
    shift = np.repeat(m, sizes)
    e = np.exp(s - shift)
    z_all = np.add.reduceat(e, starts)
    z_pos = np.add.reduceat(e * y, starts)
    loss = float(np.sum(gw * (np.log(z_all) - np.log(z_pos)))) + lam * float(theta @ theta)
    p_all = e / np.repeat(z_all, sizes)
    p_pos = e * y / np.repeat(z_pos, sizes)
    weights = np.repeat(gw, sizes)
    grad = x.T @ (weights * (p_all - p_pos)) + 2 * lam * theta
    return loss, grad


def conditional_logit(x: Array, y: Array, qid: Array, qw: Array, lam: float) -> Linear:
    """Listwise logit: per question, which of its rows (windows) holds the answer.

    ``x``/``y``/``qid`` sorted by ``qid``; every question has at least one positive; ``qw``: one weight
    per question, in order of first appearance.
    """
    starts = np.flatnonzero(np.r_[True, qid[1:] != qid[:-1]])
    theta0 = np.zeros(x.shape[1])
    result = minimize(_clogit_loss, theta0, args=(x, y, starts, qw, lam), jac=True, method="L-BFGS-B")
    return Linear(result.x, 0.0, lam)


def top1(score: Array, y: Array, qid: Array) -> Array:
    """Per question (in order), whether its best-scored row is a positive."""
    starts = np.flatnonzero(np.r_[True, qid[1:] != qid[:-1]])
    ends = np.append(starts[1:], len(score))
    return np.array([y[a + int(np.argmax(score[a:b]))] > 0 for a, b in zip(starts, ends, strict=True)])


def fit_conditional_logit(
    x: Array,
    y: Array,
    qid: Array,
    qw: Array,
    qgroups: Sequence[str],
    strengths: Sequence[float] = (0.001, 0.01, 0.1, 1.0),
) -> tuple[Linear, dict[str, Linear], dict[str, float]]:
    """Choose the L2 strength by grouped CV on weighted top-1 accuracy; returns the per-fold models too.

    ``qgroups``: one group per question (in order). The fold models let the caller score each
    question with a model that never saw its article (for fitting the confidence on honest inputs).
    """
    questions = np.unique(qid)
    splits = folds(qgroups)
    best: tuple[float, float, dict[str, Linear]] | None = None
    for lam in strengths:
        hits = np.zeros(len(questions))
        fold_models: dict[str, Linear] = {}
        for tr, te in splits:
            train_rows = np.isin(qid, questions[tr])
            model = conditional_logit(x[train_rows], y[train_rows], qid[train_rows], qw[tr], lam)
            test_rows = np.isin(qid, questions[te])
            hits[te] = top1(model.score(x[test_rows]), y[test_rows], qid[test_rows])
            for q in te:
                fold_models[qgroups[q]] = model
        acc = float(np.sum(hits * qw) / np.sum(qw))
        if best is None or acc > best[0]:
            best = (acc, lam, fold_models)
    assert best is not None
    acc, lam, fold_models = best
    return conditional_logit(x, y, qid, qw, lam), fold_models, {"cv_top1": round(acc, 4), "lambda": lam}
