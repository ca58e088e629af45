"""Persistence: the single source of truth. Rows stay here; frozen models leave."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge.models import Changes, IndexRow
from knowledge.store.articles import NewArticle, SaveOutcome
from knowledge.store.batch import BatchStore, BatchWriter, RecentPrint, Write
from knowledge.store.changes import ChangeStore
from knowledge.store.convert import passage_key
from knowledge.store.database import (
    create_engine,
    describe_database,
    is_sqlite,
    session_factory,
    sqlite_path,
    unavailable,
    upgrade,
)
from knowledge.store.local import LocalReads
from knowledge.store.schedules import ScheduleStore
from knowledge.store.sources import SourceStore
from knowledge.store.vectors import StoredVectors, VectorStore

__all__ = [
    "BatchWriter",
    "Changes",
    "IndexRow",
    "NewArticle",
    "RecentPrint",
    "SaveOutcome",
    "Store",
    "StoredVectors",
    "Write",
    "describe_database",
    "is_sqlite",
    "passage_key",
    "sqlite_path",
]


class Store(BatchStore, ChangeStore, SourceStore, ScheduleStore, VectorStore):
    """Every query Newsdesk makes, over one engine and its session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        # a URL with options (``?mode=memory&uri=true``) may not name a file: it keeps the async route
        self._local = LocalReads(path) if path is not None and not engine.url.query else None

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect; apply migrations first unless told not to.

        A database that cannot be opened raises :class:`DatabaseUnavailable` naming it and why.
        """
        try:
            engine = create_engine(url)
        except (ImportError, OSError) as error:  # a driver that is not installed, a folder we cannot make
            raise unavailable(url, error) from error
        try:
            if migrate:
                await upgrade(engine)
        except (DBAPIError, OSError, TimeoutError) as error:
            await engine.dispose()
            raise unavailable(url, error) from error
        return cls(engine)

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query (readiness checks)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def upgrade(self) -> None:
        await upgrade(self.engine)

    async def close(self) -> None:
        if self._local is not None:
            self._local.close()
        await self.engine.dispose()
