"""An immutable slice of the inverted index: CSR postings plus per-document arrays.

A segment covers a contiguous range of global document numbers ``[start, start + n_docs)``, so
adjacent segments can be merged by concatenation plus one stable sort, and the index can glue the
per-document arrays of all segments into one view without copying postings.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U16 = npt.NDArray[np.uint16]

_FIELDS = ("pids", "lengths", "guilds", "term_ids", "offsets", "docs", "tfs")


@dataclass(frozen=True, slots=True)
class Segment:
    """Postings for documents ``start .. start + len(pids)``; ``docs`` hold global numbers."""

    start: int
    pids: I64  # passage id per document
    lengths: I32  # number of index terms per document
    guilds: I64  # 0 = visible to every server
    term_ids: I32  # sorted, unique
    offsets: I64  # len(term_ids) + 1; postings of term_ids[i] are docs[offsets[i]:offsets[i+1]]
    docs: I32
    tfs: U16

    @property
    def n_docs(self) -> int:
        return len(self.pids)

    @property
    def n_postings(self) -> int:
        return len(self.docs)

    def postings(self, term_id: int) -> tuple[I32, U16]:
        """Documents and term frequencies for one term (empty arrays when absent)."""
        i = int(np.searchsorted(self.term_ids, term_id))
        if i >= len(self.term_ids) or self.term_ids[i] != term_id:
            return _EMPTY_I32, _EMPTY_U16
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.docs[lo:hi], self.tfs[lo:hi]

    def df(self, term_id: int) -> int:
        i = int(np.searchsorted(self.term_ids, term_id))
        if i >= len(self.term_ids) or self.term_ids[i] != term_id:
            return 0
        return int(self.offsets[i + 1] - self.offsets[i])

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in _FIELDS:
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)
        (directory / "start").write_text(str(self.start))

    @classmethod
    def load(cls, directory: Path) -> Segment:
        """Memory-map a saved segment: pages load on demand, so opening a big index is instant."""
        arrays = {
            name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _FIELDS
        }
        return cls(start=int((directory / "start").read_text()), **arrays)


_EMPTY_I32: I32 = np.zeros(0, dtype=np.int32)
_EMPTY_U16: U16 = np.zeros(0, dtype=np.uint16)


def build(start: int, pids: list[int], guilds: list[int], doc_terms: list[list[int]]) -> Segment:
    """Build a segment from each document's term ids (in any order, repeats = frequency)."""
    n = len(pids)
    lengths = np.fromiter((len(t) for t in doc_terms), dtype=np.int32, count=n)
    flat = np.fromiter((t for terms in doc_terms for t in terms), dtype=np.int64, count=int(lengths.sum()))
    doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys, tf = np.unique(flat * n + doc_of, return_counts=True)  # sorted by (term, doc)
    term_of = keys // max(n, 1)
    docs = (keys % max(n, 1) + start).astype(np.int32)
    term_ids, offsets = _runs(term_of)
    return Segment(
        start=start,
        pids=np.asarray(pids, dtype=np.int64),
        lengths=lengths,
        guilds=np.asarray(guilds, dtype=np.int64),
        term_ids=term_ids,
        offsets=offsets,
        docs=docs,
        tfs=np.minimum(tf, 65535).astype(np.uint16),
    )


def merge(segments: list[Segment]) -> Segment:
    """Merge adjacent segments (in document order) into one."""
    if len(segments) == 1:
        return segments[0]
    for a, b in itertools.pairwise(segments):
        if a.start + a.n_docs != b.start:
            raise ValueError("only adjacent segments can be merged")
    term_of = np.concatenate([np.repeat(s.term_ids, np.diff(s.offsets)) for s in segments])
    docs = np.concatenate([s.docs for s in segments])
    tfs = np.concatenate([s.tfs for s in segments])
    order = np.argsort(term_of, kind="stable")  # stable: documents stay ascending within a term
    term_ids, offsets = _runs(term_of[order])
    return Segment(
        start=segments[0].start,
        pids=np.concatenate([s.pids for s in segments]),
        lengths=np.concatenate([s.lengths for s in segments]),
        guilds=np.concatenate([s.guilds for s in segments]),
        term_ids=term_ids,
        offsets=offsets,
        docs=docs[order],
        tfs=tfs[order],
    )


def _runs(sorted_terms: npt.NDArray[np.integer]) -> tuple[I32, I64]:
    """Distinct values of a sorted array and the CSR offsets of their runs."""
    if len(sorted_terms) == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_terms[1:] != sorted_terms[:-1]])
    offsets = np.append(starts, len(sorted_terms)).astype(np.int64)
    return sorted_terms[starts].astype(np.int32), offsets
