"""Polled sources: their scope, conditional-GET validators and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.errors import InvalidInput, NotFound
from knowledge.models import Source, SourceKind
from knowledge.store.convert import guild_key, to_source
from knowledge.store.tables import GLOBAL, ArticleRow, SourceRow, utcnow

SOURCE_FIELDS = frozenset(
    {
        "title",
        "kind",
        "etag",
        "last_modified",
        "state",
        "failures",
        "last_error",
        "last_success_at",
        "last_attempt_at",
        "next_poll_at",
        "backfilled",
    }
)


class SourceStore:
    _sessions: async_sessionmaker[AsyncSession]

    async def add_source(
        self, url: str, kind: SourceKind, *, guild: int | None, title: str | None = None
    ) -> Source:
        """Register a source; adding the same URL twice in one scope is refused, not duplicated."""
        async with self._sessions() as session:
            row = SourceRow(url=url, kind=kind, guild_id=guild_key(guild), title=title, next_poll_at=utcnow())
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                raise InvalidInput(f"{url} is already a source here.") from None
            return to_source(row)

    async def get_source(self, source_id: int) -> Source:
        async with self._sessions() as session:
            row = await session.get(SourceRow, source_id)
            if row is None:
                raise NotFound(f"There is no source with id {source_id}.")
            return to_source(row, await self._article_count(session, row.id))

    async def find_source(self, url: str, *, guild: int | None) -> Source | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(SourceRow).where(SourceRow.url == url, SourceRow.guild_id == guild_key(guild))
            )
            return to_source(row) if row else None

    async def list_sources(self, *, guild: int | None = None, all_guilds: bool = False) -> list[Source]:
        """Sources a server manages (its own and global ones), or every source for the CLI."""
        async with self._sessions() as session:
            result = await session.execute(
                select(ArticleRow.source_id, func.count())
                .where(ArticleRow.source_id.is_not(None))
                .group_by(ArticleRow.source_id)
            )
            counts = {source_id: int(n) for source_id, n in result}
            query = select(SourceRow).order_by(SourceRow.id)
            if not all_guilds:
                query = query.where(or_(SourceRow.guild_id == GLOBAL, SourceRow.guild_id == guild_key(guild)))
            rows = await session.scalars(query)
            return [to_source(row, counts.get(row.id, 0)) for row in rows]

    async def remove_source(
        self, source_id: int, *, guild: int | None = None, any_guild: bool = False
    ) -> Source:
        """Delete a source; its articles stay (they are still true), unlinked from it."""
        async with self._sessions() as session, session.begin():
            row = await session.get(SourceRow, source_id)
            if row is None or (not any_guild and row.guild_id not in {GLOBAL, guild_key(guild)}):
                raise NotFound(f"There is no source with id {source_id} here.")
            if not any_guild and guild is not None and row.guild_id == GLOBAL:
                raise InvalidInput("That source is shared by every server; remove it from the command line.")
            source = to_source(row)
            await session.delete(row)
            return source

    async def due_sources(self, now: datetime, *, limit: int = 100) -> list[Source]:
        """Active sources whose next poll time has come, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SourceRow)
                .where(
                    SourceRow.state == "active",
                    or_(SourceRow.next_poll_at.is_(None), SourceRow.next_poll_at <= now),
                )
                .order_by(SourceRow.next_poll_at)
                .limit(limit)
            )
            return [to_source(row) for row in rows]

    async def update_source(self, source_id: int, **fields: Any) -> None:
        """Record poll results: validators, health, next due time (names as in the sources table)."""
        unknown = set(fields) - SOURCE_FIELDS
        if unknown:
            raise ValueError(f"unknown source fields: {sorted(unknown)}")
        async with self._sessions() as session, session.begin():
            await session.execute(update(SourceRow).where(SourceRow.id == source_id).values(**fields))

    async def _article_count(self, session: AsyncSession, source_id: int) -> int:
        return int(
            await session.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.source_id == source_id)
            )
            or 0
        )
