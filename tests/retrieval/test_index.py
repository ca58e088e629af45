from pathlib import Path

import numpy as np

from knowledge.retrieval.index import Doc, InvertedIndex
from knowledge.retrieval.segment import build, merge

DOCS = [
    Doc(1, None, ["alpha", "beta"]),
    Doc(2, 7, ["beta", "gamma", "gamma"]),
    Doc(3, None, ["gamma", "delta"]),
    Doc(5, 8, ["alpha", "delta", "delta"]),
    Doc(9, None, ["beta"]),
]


def _one_shot() -> InvertedIndex:
    index = InvertedIndex()
    index.add(DOCS, watermark=9)
    return index


def test_many_small_adds_equal_one_big_add() -> None:
    piecewise = InvertedIndex()
    for i, doc in enumerate(DOCS):
        piecewise.add([doc], watermark=doc.pid)
        assert piecewise.n_docs == i + 1
    assert len(piecewise.segments) < len(DOCS)  # tiered merging kept the segment count down
    whole = _one_shot()
    for q in (["alpha"], ["gamma", "delta"], ["beta", "delta"]):
        weights = dict.fromkeys(q, 1.0)
        assert piecewise.search(weights, 10, 7) == whole.search(weights, 10, 7)


def test_merge_keeps_postings_sorted_by_document() -> None:
    a = build(0, [1, 2], [0, 0], [[1, 2], [2, 3]])
    b = build(2, [3], [0], [[2, 2, 1]])
    m = merge([a, b])
    docs, tfs = m.postings(2)
    assert docs.tolist() == [0, 1, 2]
    assert tfs.tolist() == [1, 1, 2]
    assert m.lengths.tolist() == [2, 2, 3]


def test_guild_sees_global_and_its_own_only() -> None:
    index = _one_shot()
    assert {pid for pid, _ in index.search({"delta": 1.0}, 10, None)} == {3}
    assert {pid for pid, _ in index.search({"delta": 1.0}, 10, 8)} == {3, 5}
    assert {pid for pid, _ in index.search({"gamma": 1.0}, 10, 8)} == {3}
    assert {pid for pid, _ in index.search({"gamma": 1.0}, 10, 7)} == {2, 3}


def test_dead_passages_are_skipped() -> None:
    index = _one_shot()
    index.mark_dead([1])
    assert [pid for pid, _ in index.search({"alpha": 1.0}, 10, 8)] == [5]


def test_top_k_is_cut_and_sorted() -> None:
    index = _one_shot()
    hits = index.search({"beta": 1.0, "gamma": 1.0, "delta": 1.0}, 2, 7)
    assert len(hits) == 2
    assert hits[0][1] >= hits[1][1]


def test_persisted_index_reopens_identically(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    index = InvertedIndex(directory)
    index.add(DOCS[:3], watermark=3)
    index.add(DOCS[3:], watermark=9)
    before = index.search({"delta": 1.0, "beta": 0.5}, 10, 8)
    reopened = InvertedIndex(directory)
    assert reopened.watermark == 9
    assert reopened.n_docs == 5
    assert reopened.search({"delta": 1.0, "beta": 0.5}, 10, 8) == before
    assert isinstance(reopened.segments[0].docs, np.memmap)
    reopened.add([Doc(10, None, ["epsilon"])], watermark=10)
    assert InvertedIndex(directory).search({"epsilon": 1.0}, 5, None)[0][0] == 10


def test_clear_forgets_everything(tmp_path: Path) -> None:
    index = InvertedIndex(tmp_path / "idx")
    index.add(DOCS, watermark=9)
    index.clear()
    assert index.n_docs == 0 and index.watermark == 0
    assert InvertedIndex(tmp_path / "idx").n_docs == 0


def test_index_of_another_format_is_rebuilt(tmp_path: Path) -> None:
    index = InvertedIndex(tmp_path / "idx")
    index.add(DOCS, watermark=9)
    manifest = tmp_path / "idx" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": 2', '"version": 1'))
    reopened = InvertedIndex(tmp_path / "idx")
    assert reopened.n_docs == 0 and reopened.watermark == 0
    reopened.add([Doc(10, None, ["epsilon"])], watermark=10)
    again = InvertedIndex(tmp_path / "idx")
    assert again.vocab.terms == ["epsilon"]
