"""The semantic path end to end: ingest embeds passages, and an ask uses the fitted semantic variant."""

from pathlib import Path

import pytest

from knowledge.semantic.embedder import DEFAULT_MODEL
from knowledge.service import Knowledge
from tests.conftest import FIXTURES, make_settings
from tests.semantic.test_embedder import needs_model


@needs_model
async def test_an_ask_with_the_model_answers_on_the_semantic_variant_and_says_so_in_its_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, NEWSDESK_EMBEDDING_MODEL=DEFAULT_MODEL)
    async with await Knowledge.open(settings) as kb:
        [result] = await kb.ingest(str(FIXTURES / "semantic" / "diver.txt"), url="https://news.example/diver")
        assert result.status == "added"
        with caplog.at_level("INFO", logger="knowledge.answer"):
            answer = await kb.ask("what killed the harbour diver?")
    assert not answer.abstained
    assert answer.url == "https://news.example/diver"
    assert answer.title == "Harbour diver found dead in flooded boathouse"
    assert any("semantic=True" in r.getMessage() for r in caplog.records)
