"""A deterministic stand-in for a sentence-embedding model: bag of hashed words, unit length."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.analysis.tokenize import terms


class HashEmbedder:
    """Sentences sharing words get similar vectors; counts every sentence it was asked to embed."""

    name = "test/hash-embedder"
    dim = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in terms(text) or ["-"]:
                out[i, int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out
