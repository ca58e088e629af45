"""The reads every question makes, run on the caller's thread when the database is a SQLite file.

aiosqlite hands each call (execute, fetch, commit, close: several per query) to its own thread and
back. Once the reader has kept the CPU busy for a few milliseconds, those hand-offs cost 2-3 ms per
query on a 2-core machine: more than the indexed reads themselves, which take 0.2-1.5 ms. So the two
reads on the ask path (the change log and the candidates' whole articles) run synchronously on a
plain sqlite3 connection to the same file, as tantivy's top-k search runs on the event loop's
thread. WAL mode lets them read while another connection or process writes; every write stays on the
async engine. In-memory SQLite (a single connection the async engine owns) and PostgreSQL (a network
round trip either way) keep the async path.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Select, String
from sqlalchemy.dialects import sqlite

# A reader in WAL mode waits only while another connection recovers a crashed writer's log; that
# wait blocks the event loop, so it is kept far shorter than the async engine's 30 s.
BUSY_TIMEOUT_S = 2.0
# Pages of recently read articles stay in the connection's own cache (SQLite's default is 2 MB).
CACHE_KIB = 64 * 1024
_DIALECT = sqlite.dialect(paramstyle="qmark")


class LocalReads:
    """Synchronous read-only queries against a SQLite file (see the module docstring for why).

    Statements are compiled once each by SQLAlchemy (so they must be built once, with bind
    parameters, not per call) and run on one sqlite3 connection in autocommit mode: compiling per
    call and SQLAlchemy's own execution path each cost about 1 ms a query, and with no transaction
    left open each read sees every commit made before it. Only integer and text columns may be
    selected, as their values need no conversion from what sqlite3 returns.
    """

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._connection.execute("PRAGMA query_only=ON")
        self._lock = threading.Lock()  # one connection: a caller on another thread waits its turn
        self._compiled: dict[Select[*tuple[Any, ...]], tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def rows(self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows of ``statement`` with its bind parameters set from ``params``."""
        sql, names, defaults = self._compiled.get(statement) or self._compile(statement)
        values = [params[name] if name in params else defaults[name] for name in names]
        with self._lock:
            return self._connection.execute(sql, values).fetchall()

    def _compile(self, statement: Select[*tuple[Any, ...]]) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """The SQL, its parameters' names in order, and the values SQLAlchemy set itself (an OFFSET)."""
        for column in statement.selected_columns:
            if not isinstance(column.type, Integer | String):
                raise TypeError(f"{column} is {column.type}: local reads return integers and text only")
        compiled = statement.compile(dialect=_DIALECT)
        found = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
        self._compiled[statement] = found
        return found

    def close(self) -> None:
        self._connection.close()
