"""Index directories: one per database, one writer each, and replicas for concurrent processes.

Under the configured index location each database gets its own directory, named by the database's
id, so an index is never reused for another database. A process locks a directory (``flock`` on a
file beside it) for as long as it runs: the first process takes ``<id>``, the next ``<id>-r1`` and
so on. A replica that has never been built starts as a copy of the primary's last committed state
(hard links: tantivy's segment files are never modified once written) and catches up from the
change log, so a second process does not index a big archive from scratch.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 3  # bump whenever the analysis or the schema changes: older indexes are rebuilt
STATE = "state.json"
MAX_REPLICAS = 32
_UNLINKED = {STATE, "vocabulary.txt", ".tantivy-writer.lock", ".tantivy-meta.lock", "meta.json"}


@dataclass(frozen=True, slots=True)
class IndexState:
    """What a committed index was built from, and how far into the change log it is."""

    database: str
    cursor: int
    format: int = FORMAT

    def matches(self, database: str) -> bool:
        return self.database == database and self.format == FORMAT


def read_state(directory: Path) -> IndexState | None:
    try:
        raw: dict[str, Any] = json.loads((directory / STATE).read_text())
        return IndexState(str(raw["database"]), int(raw["cursor"]), int(raw["format"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(directory: Path, state: IndexState) -> None:
    """Atomically record ``state`` (after the tantivy commit it describes)."""
    tmp = directory / (STATE + ".tmp")
    tmp.write_text(json.dumps({"database": state.database, "cursor": state.cursor, "format": state.format}))
    os.replace(tmp, directory / STATE)


def forget_state(directory: Path) -> None:
    (directory / STATE).unlink(missing_ok=True)


class DirectoryLock:
    """An exclusive, non-blocking ``flock`` held until :meth:`release` or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the lock
            self._fd = None


def claim_directory(base: Path, database: str) -> tuple[Path, DirectoryLock]:
    """Lock the first free directory for ``database`` under ``base``: the primary, else a replica."""
    for n in range(MAX_REPLICAS + 1):
        name = database if n == 0 else f"{database}-r{n}"
        lock = DirectoryLock(base / f"{name}.lock")
        if lock.acquire():
            directory = base / name
            if n and not _built(directory, database):
                seed_from(base / database, directory, database)
            return directory, lock
    raise RuntimeError(f"more than {MAX_REPLICAS} processes hold search indexes under {base}")


def _built(directory: Path, database: str) -> bool:
    state = read_state(directory)
    return state is not None and state.matches(database)


def seed_from(primary: Path, replica: Path, database: str) -> bool:
    """Copy the primary's committed index into ``replica``; False (replica left empty) if it cannot."""
    for _ in range(3):
        state = read_state(primary)  # before meta.json: the copy is never ahead of its cursor
        if state is None or not state.matches(database):
            return False
        try:
            meta = (primary / "meta.json").read_bytes()
            vocabulary = (primary / "vocabulary.txt").read_bytes()
            shutil.rmtree(replica, ignore_errors=True)
            replica.mkdir(parents=True)
            for path in primary.iterdir():
                if path.is_file() and path.name not in _UNLINKED and not path.name.endswith(".tmp"):
                    os.link(path, replica / path.name)
            (replica / "vocabulary.txt").write_bytes(vocabulary)
            (replica / "meta.json").write_bytes(meta)
            write_state(replica, state)
        except FileNotFoundError:  # the primary merged and collected files meanwhile: try again
            continue
        except OSError as error:  # e.g. another filesystem: hard links impossible
            log.info("cannot copy the index at %s (%s); the replica builds from the database", primary, error)
            break
        missing = [s for s in _segment_files(meta) if not (replica / s).exists()]
        if not missing:
            log.info("replica %s starts from %s at cursor %d", replica, primary, state.cursor)
            return True
    shutil.rmtree(replica, ignore_errors=True)
    return False


def _segment_files(meta: bytes) -> list[str]:
    """Files a ``meta.json`` needs (the store file of each segment is enough to tell a torn copy)."""
    try:
        segments = json.loads(meta).get("segments", [])
    except ValueError:
        return ["meta.json"]
    return [f"{s['segment_id'].replace('-', '')}.store" for s in segments if "segment_id" in s]
