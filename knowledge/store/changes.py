"""The index change log: which articles changed, so every process can bring its own index up to date.

Writers call :func:`log_changes` inside the transaction that changes articles, so a change and its
log row commit (or roll back) together. Readers follow the log with an opaque integer cursor:

* SQLite commits one writer at a time, so ``seq`` order is commit order: the cursor is the last
  ``seq`` applied.
* PostgreSQL writers commit concurrently, out of ``seq`` order, so the cursor is a transaction-id
  horizon instead: every row written by a transaction whose id is below it has been applied. A
  reader only takes rows of transactions older than the oldest one still running (its snapshot's
  ``xmin``), which can no longer commit anything new below that line.

The log keeps one row per article: replaying "article A changed" reads A as it is now, so a newer
row for A makes every older one redundant, and :func:`log_changes` deletes them (see there why no
reader can miss a change by it).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.models import Changes, IndexRow
from knowledge.store.convert import guild_of
from knowledge.store.local import LocalReads
from knowledge.store.tables import ArticleRow, IndexChangeRow, PassageRow, SettingRow

log = logging.getLogger(__name__)

DATABASE_ID = "database_id"
_PG_TXID = "pg_current_xact_id()::text::bigint"
_PG_HORIZON = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_LOG = cast(Table, IndexChangeRow.__table__)
# SQLite's log after a cursor, built once: every question asks it (see ``knowledge.store.local``)
_CHANGES_AFTER = (
    select(IndexChangeRow.seq, IndexChangeRow.article_id)
    .where(IndexChangeRow.seq > bindparam("cursor"))
    .order_by(IndexChangeRow.seq)
    .limit(bindparam("limit"))
)
_CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def log_changes(session: AsyncSession, article_ids: Iterable[int]) -> None:
    """Log that these articles changed, in the caller's transaction (every article write path calls it).

    Their earlier rows go in the same transaction. No reader misses a change by it, because every
    cursor that has not passed a deleted row is at or before the new one:

    * SQLite commits one writer at a time and ``seq`` is AUTOINCREMENT (a deleted highest ``seq`` is
      never reused), so the new row's ``seq`` is above every deleted one.
    * PostgreSQL: the deletes become visible only when we commit, and every cursor taken before
      that is at most our txid (the horizon cannot pass a running transaction, nor a txid not yet
      given out). The new row carries our txid and readers take ``txid >= cursor``, so they all
      take it once the horizon passes us, whatever txids the deleted rows had. Two writers logging
      one article at once cannot see each other's uncommitted row, so both rows stay.

    Ids are sorted so that concurrent writers lock several articles' rows in one order.
    """
    ids = sorted(set(article_ids))
    if not ids:
        return
    if _postgres(session):
        params = {"ids": ids}
        await session.execute(
            text("DELETE FROM index_changes WHERE article_id = ANY(CAST(:ids AS integer[]))"), params
        )
        await session.execute(
            text(
                "INSERT INTO index_changes (article_id, txid) "
                f"SELECT x, {_PG_TXID} FROM unnest(CAST(:ids AS integer[])) AS x"
            ),
            params,
        )
        return
    for start in range(0, len(ids), _CHUNK):  # one indexed lookup per id (ix_index_changes_article_id)
        await session.execute(delete(_LOG).where(_LOG.c.article_id.in_(ids[start : start + _CHUNK])))
    await session.execute(insert(_LOG), [{"article_id": i} for i in ids])


_Q = TypeVar("_Q", bound=Select)  # type: ignore[type-arg]


def _indexable(query: _Q) -> _Q:
    """Passages search may return: near-duplicate articles stay out of the index."""
    return query.join(ArticleRow, ArticleRow.id == PassageRow.article_id).where(
        ArticleRow.duplicate_of.is_(None)
    )


_ROW = (PassageRow.id, PassageRow.text, ArticleRow.guild_id, ArticleRow.id, ArticleRow.title)


class ChangeStore:
    _sessions: async_sessionmaker[AsyncSession]
    _local: LocalReads | None

    async def database_id(self) -> str:
        """A name for this database, made once (by migration 0005, or here if the row is missing)."""
        async with self._sessions() as session:
            value = await session.scalar(select(SettingRow.value).where(SettingRow.key == DATABASE_ID))
            if value is not None:
                return value
        try:
            async with self._sessions() as session, session.begin():
                made = uuid.uuid4().hex
                session.add(SettingRow(key=DATABASE_ID, value=made))
            return made
        except IntegrityError:  # another process made it first
            async with self._sessions() as session:
                found = await session.scalar(select(SettingRow.value).where(SettingRow.key == DATABASE_ID))
                return str(found)

    async def change_cursor(self) -> int:
        """A cursor before every change not yet committed: take it, then read the archive in full."""
        async with self._sessions() as session:
            if _postgres(session):
                return int(await session.scalar(text(_PG_HORIZON)) or 0)
            return int(await session.scalar(select(func.max(IndexChangeRow.seq))) or 0)

    async def changes_after(self, cursor: int, limit: int = 5000) -> Changes:
        """Articles changed after ``cursor`` (a batch of at most ``limit`` log rows on SQLite)."""
        params = {"cursor": cursor, "limit": limit}
        rows: Sequence[Sequence[Any]]
        if self._local is not None:
            rows = self._local.rows(_CHANGES_AFTER, params)
        else:
            async with self._sessions() as session:
                if _postgres(session):
                    horizon = int(await session.scalar(text(_PG_HORIZON)) or 0)
                    if horizon <= cursor:
                        return Changes((), cursor)
                    ids = await session.scalars(
                        select(IndexChangeRow.article_id)
                        .where(IndexChangeRow.txid >= cursor, IndexChangeRow.txid < horizon)
                        .distinct()
                    )
                    return Changes(tuple(sorted(ids)), horizon)
                rows = (await session.execute(_CHANGES_AFTER, params)).all()
        if not rows:
            return Changes((), cursor)
        return Changes(tuple(sorted({int(row[1]) for row in rows})), int(rows[-1][0]))

    async def pending_changes(self, cursor: int) -> int:
        """Log rows after ``cursor`` (committed ones; some may not be safe to apply yet)."""
        async with self._sessions() as session:
            column = IndexChangeRow.txid if _postgres(session) else IndexChangeRow.seq
            after = column >= cursor if _postgres(session) else column > cursor
            return int(await session.scalar(select(func.count()).where(after)) or 0)

    async def latest_change(self) -> int:
        """The newest cursor value any reader could have reached (to spot an index from the future)."""
        async with self._sessions() as session:
            if _postgres(session):
                return int(await session.scalar(text(_PG_HORIZON)) or 0)
            return int(await session.scalar(select(func.max(IndexChangeRow.seq))) or 0)

    async def index_rows(self, article_ids: Sequence[int]) -> list[IndexRow]:
        """The indexable passages of these articles now (none for removed or duplicate articles)."""
        if not article_ids:
            return []
        async with self._sessions() as session:
            result = await session.execute(
                _indexable(select(*_ROW))
                .where(PassageRow.article_id.in_(set(article_ids)))
                .order_by(PassageRow.id)
            )
            return [IndexRow(pid, txt, guild_of(gid), aid, title) for pid, txt, gid, aid, title in result]

    async def passages_after(self, after_id: int, limit: int) -> list[IndexRow]:
        """Indexable passages with id > ``after_id`` in id order (a full index build pages through these)."""
        async with self._sessions() as session:
            result = await session.execute(
                _indexable(select(*_ROW)).where(PassageRow.id > after_id).order_by(PassageRow.id).limit(limit)
            )
            return [IndexRow(pid, txt, guild_of(gid), aid, title) for pid, txt, gid, aid, title in result]

    async def count_indexable(self) -> int:
        """Passages a complete index holds."""
        async with self._sessions() as session:
            return int(await session.scalar(_indexable(select(func.count(PassageRow.id)))) or 0)

    async def sample_index_rows(self, n: int, seed: int | None = None) -> list[IndexRow]:
        """About ``n`` indexable passages spread over the id range (for ``index check``)."""
        async with self._sessions() as session:
            top = int(await session.scalar(select(func.max(PassageRow.id))) or 0)
        if top == 0 or n <= 0:
            return []
        rng = random.Random(seed)
        picks = sorted({rng.randint(1, top) for _ in range(n)})
        rows: dict[int, IndexRow] = {}
        for start in picks:
            for row in await self.passages_after(start - 1, 1):
                rows[row.id] = row
        return list(rows.values())
