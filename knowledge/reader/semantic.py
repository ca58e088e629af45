"""Sentence embeddings as the reader sees them: the question's vector and each candidate's sentences.

The reader only compares vectors it is handed (cosine similarity of unit vectors); embedding text and
storing vectors happen elsewhere (``knowledge.semantic``), so the reader works the same with or
without the optional model installed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SentenceVectors:
    """The question's unit vector and, per passage id, one unit row per sentence."""

    question: Matrix
    passages: Mapping[int, Matrix]

    def covers(self, passage_ids: list[int]) -> bool:
        return all(pid in self.passages for pid in passage_ids)

    def similarities(self, passage_id: int) -> list[float] | None:
        """Cosine of each sentence of the passage with the question; None when it has no vectors."""
        rows = self.passages.get(passage_id)
        if rows is None:
            return None
        return [float(v) for v in rows @ self.question]
