"""The reader is the half of answering that never sees the index, the store or the engine."""

import re
from pathlib import Path

import pytest

READER = Path(__file__).resolve().parents[2] / "knowledge" / "reader"
IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
ALLOWED_FROM_RETRIEVAL = {"knowledge.retrieval.candidates", "knowledge.retrieval.query"}


@pytest.mark.parametrize("path", sorted(READER.glob("*.py")), ids=lambda p: p.name)
def test_reader_modules_import_no_index_store_or_engine(path: Path) -> None:
    imported = {a or b for a, b in IMPORT.findall(path.read_text())}
    bad = {
        name
        for name in imported
        if name.startswith(
            ("knowledge.store", "knowledge.service", "knowledge.semantic", "sqlalchemy", "tantivy")
        )
        or (name.startswith("knowledge.retrieval") and name not in ALLOWED_FROM_RETRIEVAL)
    }
    assert not bad, f"reader/{path.name} imports {bad}: the reader takes candidates, it does not fetch them"
