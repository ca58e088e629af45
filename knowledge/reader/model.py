"""The reader's fitted numbers: linear models loaded from one data file written by ``bench/fit.py``.

Nothing in the reader's code sets a weight or a threshold by hand. ``weights.json`` holds, per
variant (``lexical``, and ``semantic`` when sentence embeddings are available), a model for spans,
one for sentences (quote windows), one for the confidence shown and one for whether the archive
answers at all, each as named weights plus a bias, and the abstention threshold chosen on the fitted
curve of the last. A feature the file does not name weighs
nothing, so adding a feature without refitting changes no answer.
"""

from __future__ import annotations

import json
import logging
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``bias + sum(w * x)`` over named features; ``probability`` applies the logistic."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float = 0.0

    @classmethod
    def for_features(cls, names: Sequence[str], fitted: Mapping[str, Any]) -> LinearModel:
        """Align a fitted ``{"bias", "weights": {name: w}}`` with the code's feature order."""
        given = fitted.get("weights", {})
        unknown = sorted(set(given) - set(names))
        if unknown:
            log.warning("weights for features the code no longer computes: %s", ", ".join(unknown))
        return cls(
            tuple(names), tuple(float(given.get(n, 0.0)) for n in names), float(fitted.get("bias", 0.0))
        )

    def score(self, x: Sequence[float]) -> float:
        if len(x) != len(self.weights):
            raise ValueError(f"{len(x)} features for a model of {len(self.weights)}")
        return self.bias + float(sum(map(operator.mul, self.weights, x)))

    def probability(self, x: Sequence[float]) -> float:
        return sigmoid(self.score(x))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Variant:
    """The three models and the threshold of one feature set (lexical, or lexical + semantic)."""

    span: LinearModel
    window: LinearModel
    confidence: LinearModel  # P(the quote holds the answer): the score shown
    answerable: LinearModel  # P(the archive answers the question at all): what abstention reads
    threshold: float  # on ``answerable``


@dataclass(frozen=True, slots=True)
class Weights:
    lexical: Variant
    semantic: Variant | None
    meta: Mapping[str, Any]

    def variant(self, semantic: bool) -> Variant:
        return self.semantic if semantic and self.semantic is not None else self.lexical


def parse(raw: Mapping[str, Any]) -> Weights:
    """Weights from the JSON structure ``bench/fit.py`` writes."""
    from knowledge.reader.confidence import CONFIDENCE_FEATURES
    from knowledge.reader.features import WINDOW_FEATURES
    from knowledge.reader.pick import SPAN_FEATURES

    def variant(block: Mapping[str, Any]) -> Variant:
        return Variant(
            span=LinearModel.for_features(SPAN_FEATURES, block["span"]),
            window=LinearModel.for_features(WINDOW_FEATURES, block["window"]),
            confidence=LinearModel.for_features(CONFIDENCE_FEATURES, block["confidence"]),
            answerable=LinearModel.for_features(CONFIDENCE_FEATURES, block["answerable"]),
            threshold=float(block["threshold"]),
        )

    semantic = raw.get("semantic")
    return Weights(variant(raw["lexical"]), variant(semantic) if semantic else None, raw.get("meta", {}))


@cache
def load(path: str | None = None) -> Weights:
    """The packaged weights (or those at ``path``), read once."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("knowledge.reader").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    return parse(json.loads(text))
