import json
from importlib import resources
from pathlib import Path

import pytest

from knowledge.reader.confidence import CONFIDENCE_FEATURES
from knowledge.reader.features import WINDOW_FEATURES
from knowledge.reader.model import LinearModel, load, parse, sigmoid
from knowledge.reader.pick import SPAN_FEATURES

ROOT = Path(__file__).resolve().parents[2]


def _raw() -> dict[str, object]:
    return json.loads(resources.files("knowledge.reader").joinpath("weights.json").read_text())


def test_weights_come_from_the_fitting_script_and_name_only_features_the_code_computes() -> None:
    raw = _raw()
    assert raw["meta"]["fitted_by"] == "bench/fit.py"  # type: ignore[index]
    for variant in ("lexical", "semantic"):
        block = raw.get(variant)
        if block is None:
            continue
        assert set(block["span"]["weights"]) <= set(SPAN_FEATURES)  # type: ignore[index]
        assert set(block["window"]["weights"]) <= set(WINDOW_FEATURES)  # type: ignore[index]
        assert set(block["confidence"]["weights"]) <= set(CONFIDENCE_FEATURES)  # type: ignore[index]
        assert 0.0 < block["threshold"] < 1.0  # type: ignore[index]


def test_the_lexical_variant_does_not_lean_on_semantic_features() -> None:
    lexical = _raw()["lexical"]
    assert not any(name.startswith("sem_") for name in lexical["window"]["weights"])  # type: ignore[index]
    assert not any(name.startswith("sem_") for name in lexical["confidence"]["weights"])  # type: ignore[index]


def test_packaged_weights_load() -> None:
    weights = load()
    assert weights.variant(False) is weights.lexical
    assert weights.variant(True) is (weights.semantic or weights.lexical)


def test_a_feature_the_file_does_not_name_weighs_nothing() -> None:
    model = LinearModel.for_features(("a", "b"), {"bias": 0.5, "weights": {"a": 2.0}})
    assert model.score([1.0, 100.0]) == pytest.approx(2.5)
    assert model.probability([0.0, 0.0]) == pytest.approx(sigmoid(0.5))


def test_a_file_without_the_semantic_variant_answers_lexically() -> None:
    raw = _raw()
    raw.pop("semantic", None)
    weights = parse(raw)
    assert weights.semantic is None and weights.variant(True) is weights.lexical


def test_the_fitting_script_never_reads_the_dev_set() -> None:
    for name in ("fit.py", "training.py", "learn.py", "semantic_cache.py"):
        text = (ROOT / "bench" / name).read_text()
        assert "dev.jsonl" not in text and "eval/" not in text, f"bench/{name} must not touch the dev set"
