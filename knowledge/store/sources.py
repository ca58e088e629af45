"""Polled sources: their scope, conditional-GET validators and health."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.errors import InvalidInput, NotFound
from knowledge.models import Source, SourceKind
from knowledge.store.convert import guild_key, to_source
from knowledge.store.tables import GLOBAL, ArticleRow, SourceClaimRow, SourceRow, UTCDateTime, utcnow

log = logging.getLogger(__name__)

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

    async def make_sources_due(self, now: datetime) -> int:
        """Make every active source due at ``now`` (poll them all, due or not); returns how many."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(SourceRow)
                .where(SourceRow.state == "active", SourceRow.next_poll_at > now)
                .values(next_poll_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)

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

    # -- claims: several processes, each due source polled by exactly one ---------------------------

    async def claim_due_sources(
        self, now: datetime, *, owner: str, lease: timedelta, limit: int = 100
    ) -> list[Source]:
        """Lease up to ``limit`` due sources to ``owner`` until ``now + lease``; none leased twice.

        One INSERT ... SELECT ... ON CONFLICT statement takes the leases: rows another process has
        locked are skipped (PostgreSQL ``FOR UPDATE SKIP LOCKED``), and a live lease is only taken
        over once it has expired. A source polled by someone else since we looked is not due any
        more; it is checked again after the claim and given back.
        """
        expires = now + lease
        async with self._sessions() as session:
            dialect = session.get_bind().dialect.name
            live = select(SourceClaimRow.source_id).where(SourceClaimRow.expires_at > now)
            due = (
                select(
                    SourceRow.id,
                    literal(owner).label("owner"),
                    literal(expires, UTCDateTime()).label("expires_at"),
                )
                .where(
                    SourceRow.state == "active",
                    or_(SourceRow.next_poll_at.is_(None), SourceRow.next_poll_at <= now),
                    SourceRow.id.not_in(live),
                )
                .order_by(SourceRow.next_poll_at, SourceRow.id)
                .limit(limit)
            )
            if dialect == "postgresql":
                due = due.with_for_update(of=SourceRow, skip_locked=True)
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(SourceClaimRow).from_select(["source_id", "owner", "expires_at"], due)
            claim = statement.on_conflict_do_update(
                index_elements=[SourceClaimRow.source_id],
                set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
                where=SourceClaimRow.expires_at <= now,
            ).returning(SourceClaimRow.source_id)
            try:
                async with session.begin():
                    claimed = set(await session.scalars(claim))
            except DBAPIError as error:  # a deadlock or serialization failure: try again next round
                log.info("claiming due sources failed (%s); retrying next round", type(error.orig).__name__)
                return []
        if not claimed:
            return []
        async with self._sessions() as session:
            rows = list(await session.scalars(select(SourceRow).where(SourceRow.id.in_(claimed))))
        still_due = [
            r for r in rows if r.state == "active" and (r.next_poll_at is None or r.next_poll_at <= now)
        ]
        stale = claimed - {r.id for r in still_due}
        if stale:
            await self.release_source_claims(stale, owner=owner)
        still_due.sort(key=lambda r: (r.next_poll_at or now, r.id))
        return [to_source(row) for row in still_due]

    async def renew_source_claims(self, source_ids: Collection[int], *, owner: str, until: datetime) -> int:
        """Extend ``owner``'s leases (a long poll keeps its sources); returns how many it still held."""
        if not source_ids:
            return 0
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(SourceClaimRow)
                .where(SourceClaimRow.source_id.in_(list(source_ids)), SourceClaimRow.owner == owner)
                .values(expires_at=until)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def release_source_claims(self, source_ids: Collection[int] | None = None, *, owner: str) -> None:
        """Give back ``owner``'s leases (all of them when ``source_ids`` is None)."""
        query = delete(SourceClaimRow).where(SourceClaimRow.owner == owner)
        if source_ids is not None:
            if not source_ids:
                return
            query = query.where(SourceClaimRow.source_id.in_(list(source_ids)))
        async with self._sessions() as session, session.begin():
            await session.execute(query)

    async def source_claims(self) -> dict[int, str]:
        """Live and expired leases: source id -> owner (what an operator or a test looks at)."""
        async with self._sessions() as session:
            result = await session.execute(select(SourceClaimRow.source_id, SourceClaimRow.owner))
            return {int(source_id): str(owner) for source_id, owner in result}
