"""The inverted index: a derived, incremental cache of the passages table.

Documents arrive in passage-id order and are appended as small segments; adjacent segments are
merged log-structured (a segment merges into its left neighbour once it is at least half its size),
so each posting is rewritten O(log n) times and ingesting one article never rebuilds anything large.
Scoring is vectorised: each query term adds its BM25 contributions into one dense float32 array.
Persistence is optional: segments are ``.npy`` files memory-mapped on open, and ``manifest.json``
(written last, atomically) says which segments and which passage-id watermark are committed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.retrieval import bm25
from knowledge.retrieval.segment import I32, I64, Segment, build, merge

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # bump whenever tokenization or the file layout changes: old indexes get rebuilt
PRUNE_MIN_DOCS = 50_000  # below this, score every posting (exact BM25, as the tests check)
COMMON_SHARE = 0.02
SAMPLES = 8


@dataclass(frozen=True, slots=True)
class Doc:
    """What the index needs from one passage."""

    pid: int
    guild: int | None
    terms: list[str]


def _sorted_unique(arrays: list[npt.NDArray[np.int32]]) -> npt.NDArray[np.int32]:
    """Distinct document numbers of several postings lists (sort-based; faster than np.unique here)."""
    if not arrays:
        return np.zeros(0, dtype=np.int32)
    flat = np.sort(np.concatenate(arrays))
    return flat[np.r_[True, flat[1:] != flat[:-1]]] if len(flat) else flat


class Vocabulary:
    """Term <-> id, append-only (ids are positions in ``vocab.txt``)."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms: list[str] = list(terms)
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> int | None:
        return self.ids.get(term)

    def add(self, term: str) -> int:
        i = self.ids.get(term)
        if i is None:
            i = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return i


class InvertedIndex:
    """Segments + vocabulary + the glued per-document arrays used at query time."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.vocab = Vocabulary()
        self.segments: list[Segment] = []
        self.watermark = 0
        self.samples: list[tuple[int, str]] = []
        self.dead: set[int] = set()  # document numbers whose passage is gone from the database
        self._lock = threading.Lock()
        self._view: tuple[I64, I32, I64] | None = None  # pids, lengths, guilds over all segments
        self._total_len = 0
        self._saved_vocab = 0
        if directory is not None and (directory / "manifest.json").exists():
            self._load(directory)

    # ---- statistics -------------------------------------------------------------------------
    @property
    def n_docs(self) -> int:
        return sum(s.n_docs for s in self.segments)

    @property
    def avg_len(self) -> float:
        n = self.n_docs
        return self._total_len / n if n else 1.0

    def df(self, term_id: int) -> int:
        return sum(s.df(term_id) for s in self.segments)

    def term_df(self, term: str) -> int:
        i = self.vocab.get(term)
        return 0 if i is None else self.df(i)

    # ---- writing ----------------------------------------------------------------------------
    def add(self, docs: list[Doc], watermark: int, samples: list[tuple[int, str]] | None = None) -> None:
        """Append documents (ascending passage ids) and advance the watermark.

        ``samples`` are (passage id, text digest) pairs remembered so a reopened index can tell
        whether the database under it is still the one it was built from.
        """
        if samples:
            self.samples = (self.samples + samples)[-SAMPLES:]
        if docs:
            with self._lock:
                ids = [[self.vocab.add(t) for t in d.terms] for d in docs]
                start = self.n_docs
                seg = build(start, [d.pid for d in docs], [d.guild or 0 for d in docs], ids)
                self._total_len += int(seg.lengths.sum())
                segments = [*self.segments, seg]
                while len(segments) >= 2 and segments[-2].n_docs <= 2 * segments[-1].n_docs:
                    segments[-2:] = [merge(segments[-2:])]
                self.segments = segments
                self._view = None
        self.watermark = max(self.watermark, watermark)
        self._save()

    def mark_dead(self, pids: Iterable[int]) -> None:
        """Remember that these passages no longer exist, so they stop taking top-k slots."""
        pids_arr, _, _ = self.view()
        wanted = np.asarray(sorted(set(pids)), dtype=np.int64)
        pos = np.searchsorted(pids_arr, wanted)
        ok = (pos < len(pids_arr)) & (pids_arr[np.minimum(pos, len(pids_arr) - 1)] == wanted)
        self.dead.update(int(p) for p in pos[ok])

    def view(self) -> tuple[I64, I32, I64]:
        """Per-document arrays (passage id, length, guild) across all segments, ascending pid."""
        view = self._view
        if view is None:
            segs = self.segments
            if not segs:
                view = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64))
            else:
                view = (
                    np.concatenate([s.pids for s in segs]),
                    np.concatenate([s.lengths for s in segs]),
                    np.concatenate([s.guilds for s in segs]),
                )
            self._view = view
        return view

    # ---- reading ----------------------------------------------------------------------------
    def search(self, weights: Mapping[str, float], k: int, guild: int | None) -> list[tuple[int, float]]:
        """Top ``k`` (passage id, BM25 score) visible to ``guild``; ``weights`` scale each term."""
        segments = self.segments
        pids, lengths, guilds = self.view()
        n = len(pids)
        if n == 0 or k <= 0:
            return []
        avg = self._total_len / n
        postings = []
        for term, weight in weights.items():
            tid = self.vocab.get(term)
            if tid is None or weight <= 0:
                continue
            parts = [p for p in (s.postings(tid) for s in segments) if len(p[0])]
            df = sum(len(d) for d, _ in parts)
            if df:
                postings.append((df, bm25.idf(df, n) * weight, parts))
        postings.sort(key=lambda p: p[0])
        scores = np.zeros(n, dtype=np.float32)
        # MaxScore-style pruning on big archives: common terms (in > 2% of documents) only add to
        # documents some rarer term already matched, instead of touching hundreds of thousands.
        common = n >= PRUNE_MIN_DOCS and postings[0][0] <= n * COMMON_SHARE if postings else False
        touched: list[npt.NDArray[np.int32]] = []
        cand: npt.NDArray[np.int32] | None = None
        for df, w, parts in postings:
            if common and df > n * COMMON_SHARE:
                if cand is None:
                    cand = _sorted_unique(touched)
                for docs, tfs in parts:
                    if len(cand) * 16 > len(docs):  # probing would cost more than one pass
                        scores[docs] += bm25.term_scores(tfs, lengths[docs], avg, w)
                        continue
                    pos = np.searchsorted(docs, cand)
                    pos_ok = pos < len(docs)
                    hit = np.zeros(len(cand), dtype=bool)
                    hit[pos_ok] = docs[pos[pos_ok]] == cand[pos_ok]
                    at, where = cand[hit], pos[hit]
                    scores[at] += bm25.term_scores(tfs[where], lengths[at], avg, w)
                continue
            for docs, tfs in parts:
                scores[docs] += bm25.term_scores(tfs, lengths[docs], avg, w)
                if common:
                    touched.append(docs)
        if not common:
            cand = np.flatnonzero(scores).astype(np.int32)
        elif cand is None:
            cand = _sorted_unique(touched)
        if len(cand) == 0:
            return []
        g = guilds[cand]
        visible = g == 0 if guild is None else (g == 0) | (g == guild)
        cand = cand[visible]
        if self.dead:
            cand = cand[~np.isin(cand, np.array(list(self.dead), dtype=np.int64))]
        if len(cand) > k:
            top = np.argpartition(-scores[cand], k - 1)[:k]
            cand = cand[top]
        cand = cand[np.argsort(-scores[cand], kind="stable")]
        return [(int(pids[c]), float(scores[c])) for c in cand]

    # ---- persistence ------------------------------------------------------------------------
    def _load(self, directory: Path) -> None:
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest.get("version") != FORMAT_VERSION:
            log.warning("index at %s has an old format or tokenizer; rebuilding", directory)
            self.clear()
            return
        with (directory / "vocab.txt").open(encoding="utf-8") as fh:
            terms = [line.rstrip("\n") for _, line in zip(range(manifest["vocab"]), fh, strict=False)]
        self.vocab = Vocabulary(terms)
        self.segments = [Segment.load(directory / name) for name in manifest["segments"]]
        self.watermark = int(manifest["watermark"])
        self.samples = [(int(pid), str(digest)) for pid, digest in manifest.get("samples", [])]
        self._total_len = int(manifest["total_len"])
        self._saved_vocab = len(terms)
        self._rewrite_vocab_if_longer(directory)
        log.info("opened index %s: %d documents, watermark %d", directory, self.n_docs, self.watermark)

    def _rewrite_vocab_if_longer(self, directory: Path) -> None:
        """Drop vocabulary lines written by a save that crashed before its manifest."""
        path = directory / "vocab.txt"
        with path.open(encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
        if lines != self._saved_vocab:
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(t + "\n" for t in self.vocab.terms), encoding="utf-8")
            os.replace(tmp, path)

    def _save(self) -> None:
        directory = self.directory
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        names = []
        for seg in self.segments:
            name = f"seg-{seg.start:012d}-{seg.n_docs:012d}"
            if not (directory / name).exists():
                tmp = directory / (name + ".tmp")
                shutil.rmtree(tmp, ignore_errors=True)
                seg.save(tmp)
                os.replace(tmp, directory / name)
            names.append(name)
        if len(self.vocab) > self._saved_vocab:
            with (directory / "vocab.txt").open("a", encoding="utf-8") as fh:
                fh.writelines(t + "\n" for t in self.vocab.terms[self._saved_vocab :])
        else:
            (directory / "vocab.txt").touch()
        manifest = {
            "version": FORMAT_VERSION,
            "watermark": self.watermark,
            "segments": names,
            "vocab": len(self.vocab),
            "total_len": self._total_len,
            "samples": self.samples,
        }
        tmp_manifest = directory / "manifest.json.tmp"
        tmp_manifest.write_text(json.dumps(manifest))
        os.replace(tmp_manifest, directory / "manifest.json")
        self._saved_vocab = len(self.vocab)
        keep = set(names)
        for old in directory.glob("seg-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def clear(self) -> None:
        """Forget everything (the database was replaced); files are rewritten on the next save."""
        with self._lock:
            self.vocab = Vocabulary()
            self.segments = []
            self.watermark = 0
            self.samples = []
            self.dead = set()
            self._view = None
            self._total_len = 0
            self._saved_vocab = 0
            if self.directory is not None and self.directory.exists():
                for p in self.directory.iterdir():
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink()
