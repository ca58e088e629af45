"""Persistence: the single source of truth. Rows stay here; frozen models leave."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge.store.articles import ArticleStore, NewArticle, SaveOutcome
from knowledge.store.changes import Changes, ChangeStore, IndexRow
from knowledge.store.convert import passage_key
from knowledge.store.database import create_engine, is_sqlite, session_factory, sqlite_path, upgrade
from knowledge.store.schedules import ScheduleStore
from knowledge.store.sources import SourceStore
from knowledge.store.vectors import StoredVectors, VectorStore

__all__ = [
    "Changes",
    "IndexRow",
    "NewArticle",
    "SaveOutcome",
    "Store",
    "StoredVectors",
    "is_sqlite",
    "passage_key",
    "sqlite_path",
]


class Store(ArticleStore, ChangeStore, SourceStore, ScheduleStore, VectorStore):
    """Every query Newsdesk makes, over one engine and its session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect; apply migrations first unless told not to."""
        engine = create_engine(url)
        if migrate:
            await upgrade(engine)
        return cls(engine)

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query (readiness checks)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def upgrade(self) -> None:
        await upgrade(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
