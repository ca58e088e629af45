"""The reads every question makes, run on the caller's thread when the database is a SQLite file.

aiosqlite hands each call (execute, fetch, commit, close: several per query) to its own thread and
back. Once the reader has kept the CPU busy for a few milliseconds, those hand-offs cost 2-3 ms per
query on a 2-core machine: more than the indexed reads themselves, which take 0.2-1.5 ms. So the two
reads on the ask path (the change log and the candidates' whole articles) run synchronously on
plain sqlite3 connections to the same file, as tantivy's top-k search runs on the event loop's
thread. WAL mode lets them read while another connection or process writes; every write stays on the
async engine. In-memory SQLite (a single connection the async engine owns) and PostgreSQL (a network
round trip either way) keep the async path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, create_engine, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# A reader in WAL mode waits only while another connection recovers a crashed writer's log; that
# wait blocks the event loop, so it is kept far shorter than the async engine's 30 s.
BUSY_TIMEOUT_S = 2.0
# Pages of recently read articles stay in the connection's own cache (SQLite's default is 2 MB).
CACHE_KIB = 64 * 1024


class LocalReads:
    """Synchronous read-only queries against a SQLite file (see the module docstring for why)."""

    def __init__(self, path: Path) -> None:
        self._engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(self._engine, "connect", _pragmas)

    def rows(self, statement: Executable) -> Sequence[Sequence[Any]]:
        """All rows of ``statement``, read in one short transaction of their own."""
        with self._engine.connect() as connection:
            return connection.execute(statement).all()

    def close(self) -> None:
        self._engine.dispose()


class LocalReadStore:
    """Store mixin: ``_read_rows`` takes the local route when there is one."""

    _sessions: async_sessionmaker[AsyncSession]
    _local: LocalReads | None

    async def _read_rows(self, statement: Executable) -> Sequence[Sequence[Any]]:
        if self._local is not None:
            return self._local.rows(statement)
        async with self._sessions() as session:
            return (await session.execute(statement)).all()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
