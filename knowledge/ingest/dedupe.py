"""Near-duplicate detection for wire copy republished on several sites.

A 64-bit SimHash over word 3-shingles: two texts that share most of their shingles get
fingerprints a few bits apart, whatever the byline, the site furniture or a changed sentence.
The fingerprint is stored per article and compared with XOR + popcount (cheap enough to scan
the recent archive, or vectorise with numpy). The threshold: on the shared news corpus unrelated
articles are at least 19 bits apart, while wire copy with a byline added and a sentence edited
stays within 10.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from knowledge.ingest.limits import stream_safe

log = logging.getLogger(__name__)

BITS = 64
MAX_DISTANCE = 10
MIN_SHINGLES = 8
_MASK = (1 << BITS) - 1
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(paragraphs: Iterable[str]) -> list[str]:
    text = unicodedata.normalize("NFKC", stream_safe("\n".join(paragraphs))).casefold()
    return _WORD.findall(text)


def _signed(value: int) -> int:
    """Two's complement, so the value fits a signed 64-bit SQL integer."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def fingerprint(paragraphs: Iterable[str]) -> int:
    """SimHash of the text's word 3-shingles as a signed 64-bit int; 0 when the text is too short."""
    words = _words(paragraphs)
    shingles = set(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    if len(shingles) < MIN_SHINGLES:
        return 0
    # one bit vote per shingle and bit position, summed column-wise (the per-bit Python loop
    # cost ~15 ms an article); a bit is set when more shingles have it set than clear
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles])
    hashes = np.frombuffer(digests, dtype=">u8")
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1)  # bit 63 first
    ones = bits.sum(axis=0, dtype=np.int64)
    value = 0
    for position, count in enumerate(ones[::-1].tolist()):  # position 0 is the lowest bit
        if 2 * count > len(shingles):
            value |= 1 << position
    return _signed(value) or 1  # 0 is reserved for "too short to judge"


def distance(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return ((a ^ b) & _MASK).bit_count()


def is_near_duplicate(a: int, b: int, *, max_distance: int = MAX_DISTANCE) -> bool:
    """True when two fingerprints are within ``max_distance`` bits (0 means "unknown": never)."""
    if a == 0 or b == 0:
        return False
    return distance(a, b) <= max_distance


def first_near_duplicate(
    value: int, prints: npt.NDArray[np.int64], *, max_distance: int = MAX_DISTANCE
) -> int | None:
    """Index of the first of ``prints`` within ``max_distance`` bits of ``value`` (same rule as
    :func:`is_near_duplicate`, 0 never matches), or None; one vectorised pass over the array."""
    if value == 0 or prints.size == 0:
        return None
    differing = np.bitwise_count(np.bitwise_xor(prints, np.int64(value)).view(np.uint64))
    hits = np.flatnonzero((differing <= max_distance) & (prints != 0))
    return int(hits[0]) if hits.size else None


def as_prints(values: Sequence[int]) -> npt.NDArray[np.int64]:
    """Fingerprints as the array :func:`first_near_duplicate` scans."""
    return np.asarray(values, dtype=np.int64)


class StoredPrint(Protocol):
    """A stored original's id, fingerprint and link (``knowledge.store.RecentPrint``)."""

    @property
    def id(self) -> int: ...
    @property
    def fingerprint(self) -> int: ...
    @property
    def url(self) -> str: ...


class DuplicateWindow:
    """The ``limit`` newest stored originals, as ``Store.recent_fingerprints`` chooses them, kept
    current as a batch writes; one vectorised scan finds an article's first near-duplicate.

    ``rows`` come newest first; they are kept oldest first, so a new article is an append.
    """

    def __init__(self, rows: Sequence[StoredPrint], *, limit: int) -> None:
        self.limit = limit
        self._size = len(rows)
        capacity = max(16, 2 * len(rows))
        self._ids: npt.NDArray[np.int64] = np.zeros(capacity, dtype=np.int64)
        self._prints: npt.NDArray[np.int64] = np.zeros(capacity, dtype=np.int64)
        self._ids[: self._size] = [r.id for r in reversed(rows)]
        self._prints[: self._size] = [r.fingerprint for r in reversed(rows)]
        self._urls: dict[int, str] = {r.id: r.url for r in rows}
        self._by_url: dict[str, set[int]] = {}
        for row in rows:
            self._by_url.setdefault(row.url, set()).add(row.id)

    def find(self, value: int, *, exclude_url: str) -> int | None:
        """The id of the newest of the ``limit`` newest originals other than ``exclude_url``'s
        that ``value`` nearly duplicates, or None."""
        excluded = self._by_url.get(exclude_url, set())
        reach = min(self._size, self.limit + len(excluded))
        ids = self._ids[self._size - reach : self._size][::-1]  # newest first
        prints = self._prints[self._size - reach : self._size][::-1]
        if excluded:
            keep = ~np.isin(ids, np.fromiter(excluded, dtype=np.int64))
            ids, prints = ids[keep], prints[keep]
        hit = first_near_duplicate(value, prints[: self.limit])
        return int(ids[hit]) if hit is not None else None

    def record(self, article_id: int, url: str, value: int, *, original: bool) -> None:
        """An article was written: it is now an original with ``value``, or a duplicate (left out)."""
        size = self._size
        if article_id in self._urls:
            at = int(np.flatnonzero(self._ids[:size] == article_id)[0])
            self._ids[at : size - 1] = self._ids[at + 1 : size]
            self._prints[at : size - 1] = self._prints[at + 1 : size]
            size -= 1
            self._by_url[self._urls.pop(article_id)].discard(article_id)
        if original:
            if size == self._ids.size:
                self._ids = np.resize(self._ids, 2 * size)
                self._prints = np.resize(self._prints, 2 * size)
            at = int(np.searchsorted(self._ids[:size], article_id))  # the end, unless an old article
            self._ids[at + 1 : size + 1] = self._ids[at:size].copy()
            self._prints[at + 1 : size + 1] = self._prints[at:size].copy()
            self._ids[at], self._prints[at] = article_id, value
            size += 1
            self._urls[article_id] = url
            self._by_url.setdefault(url, set()).add(article_id)
        self._size = size
