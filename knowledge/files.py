"""Local files and directories as ingest sources: what to read, and why a file is refused."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import FileProblem

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_SUFFIXES = frozenset({".txt"})
FEED_SUFFIXES = frozenset({".xml", ".json", ".rss", ".atom"})
SUPPORTED = HTML_SUFFIXES | TEXT_SUFFIXES | FEED_SUFFIXES


@dataclass(frozen=True, slots=True)
class LocalDocument:
    path: Path
    data: bytes

    @property
    def kind(self) -> str:
        suffix = self.path.suffix.lower()
        if suffix in HTML_SUFFIXES:
            return "html"
        if suffix in TEXT_SUFFIXES:
            return "text"
        return "feed"


def expand(source: str) -> Iterator[Path]:
    """The files a SOURCE argument names: the file itself, or a directory's files in name order."""
    path = Path(source).expanduser()
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                yield child
        return
    yield path


def read_document(path: Path) -> LocalDocument:
    """Read one file, refusing what cannot be an article with a specific reason."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileProblem(f"{path}: no such file or directory.")
    if not path.is_file():
        raise FileProblem(f"{path}: not a regular file.")
    if suffix not in SUPPORTED:
        kinds = ", ".join(sorted(SUPPORTED))
        raise FileProblem(f"{path}: unsupported file type {suffix or '(none)'!r}; expected one of {kinds}.")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileProblem(
                f"{path}: file is {size / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB."
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise FileProblem(f"{path}: permission denied.") from None
    except OSError as error:
        raise FileProblem(f"{path}: cannot be read ({error.strerror or error}).") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"{path}: file is larger than {MAX_FILE_BYTES // 1_048_576} MB.")
    if not data.strip():
        raise FileProblem(f"{path}: the file is empty.")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(f"{path}: looks like a binary file, not HTML or text.")
    return LocalDocument(path, data)
