"""What ``newsdesk ingest`` shows on a terminal while it works, and the line it ends with."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TextIO

from knowledge.importer import ImportProgress

WIDTH = 30


def summary_line(counts: Mapping[str, int], seconds: float) -> str:
    """``added N, updated N, unchanged N, failed N in S s``: one line for the whole command."""
    parts = ", ".join(
        f"{status} {counts.get(status, 0)}" for status in ("added", "updated", "unchanged", "failed")
    )
    return f"{parts} in {seconds:.1f} s"


class IngestBar:
    """A one-line progress bar redrawn in place (only ever given a terminal); it clears itself
    when the last file is done, so the results print on a clean line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, update: ImportProgress) -> None:
        if update.total <= 1:
            return  # a single file: its result line is all there is to see
        filled = WIDTH * update.done // max(update.total, 1)
        rate = update.passages / max(time.monotonic() - self.started, 1e-3)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {update.done:,}/{update.total:,} files, "
            f"{update.passages:,} passages ({rate:,.0f}/s)\x1b[K"
        )
        if update.done >= update.total:
            self.stream.write("\r\x1b[K")
        self.stream.flush()
