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
    """The files a SOURCE argument names: the file itself, or a directory's files in name order.

    Inside a directory, a symbolic link is followed only when it stays inside that directory:
    a link to ``/etc/passwd`` dropped into a folder of pages is skipped with a warning, never read.
    """
    path = Path(source).expanduser()
    if path.is_dir():
        root = path.resolve()
        for child in sorted(path.rglob("*")):
            if any(part.startswith(".") for part in child.relative_to(path).parts):
                continue
            if child.is_symlink() and not _inside(child, root):
                log.warning("skipped %s: it links to a file outside %s", child, path)
                continue
            if child.is_file():
                yield child
        return
    yield path


def _inside(link: Path, root: Path) -> bool:
    try:
        return link.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a broken or looping link
        return False


def _mistyped_link(path: Path) -> str | None:
    """For a path that is really a link with a wrong scheme (``htps://``), what to say instead."""
    scheme, sep, rest = str(path).partition(":/")
    if not sep or not scheme.isascii() or not scheme.isalpha() or len(scheme) < 2:
        return None
    rest = rest.lstrip("/")
    link = f"{scheme}://{rest}"
    if scheme.lower() == "file":
        return f"{scheme}:///{rest}: give the file's path itself (/{rest}), not a link"
    if scheme.lower() in ("http", "https"):
        return f"{link}: write the scheme in lower case: {scheme.lower()}://{rest}"
    close = [s for s in ("https", "http") if _near(scheme.lower(), s)]
    hint = f"; did you mean {close[0]}://{rest}?" if close else "."
    return f"{link} is not a file, and only http:// and https:// links can be fetched{hint}"


def _near(a: str, b: str) -> bool:
    """True when ``a`` is ``b`` with one letter added, dropped, changed or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diffs) == 2 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        return len(diffs) == 1 or swapped
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def read_document(path: Path) -> LocalDocument:
    """Read one file, refusing what cannot be an article with a specific reason."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileProblem(_mistyped_link(path) or f"{path}: no such file or directory.")
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
