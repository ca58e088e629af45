"""Per-server digest schedules and small key/value app state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.models import DigestRun, DigestSchedule
from knowledge.store.tables import DigestRunRow, DigestScheduleRow, SettingRow


def _to_schedule(row: DigestScheduleRow) -> DigestSchedule:
    return DigestSchedule(
        guild=row.guild_id,
        channel_id=row.channel_id,
        time=row.time,
        timezone=row.timezone,
        enabled=row.enabled,
        last_posted_on=row.last_posted_on,
        last_posted_at=row.last_posted_at,
        last_error=row.last_error,
    )


class ScheduleStore:
    _sessions: async_sessionmaker[AsyncSession]

    async def set_schedule(self, guild: int, channel_id: int, time: str, timezone: str) -> DigestSchedule:
        """Create or change a server's schedule; what was already posted stays recorded."""
        async with self._sessions() as session, session.begin():
            row = await session.get(DigestScheduleRow, guild)
            if row is None:
                row = DigestScheduleRow(guild_id=guild)
                session.add(row)
            row.channel_id = channel_id
            row.time = time
            row.timezone = timezone
            row.enabled = True
            row.last_error = None
            await session.flush()
            # an admin fixing the channel should not wait out the backoff of a failing digest
            await session.execute(
                update(DigestRunRow)
                .where(DigestRunRow.guild_id == guild, DigestRunRow.done.is_(False))
                .values(retry_at=None)
            )
            return _to_schedule(row)

    async def get_schedule(self, guild: int) -> DigestSchedule | None:
        async with self._sessions() as session:
            row = await session.get(DigestScheduleRow, guild)
            return _to_schedule(row) if row else None

    async def enabled_schedules(self) -> list[DigestSchedule]:
        async with self._sessions() as session:
            rows = await session.scalars(select(DigestScheduleRow).where(DigestScheduleRow.enabled.is_(True)))
            return [_to_schedule(row) for row in rows]

    async def disable_schedule(self, guild: int) -> bool:
        async with self._sessions() as session, session.begin():
            row = await session.get(DigestScheduleRow, guild)
            if row is None or not row.enabled:
                return False
            row.enabled = False
            return True

    async def record_posting(
        self, guild: int, *, for_date: date | None, at: datetime, error: str | None
    ) -> None:
        """Remember a posted digest (for_date: the scheduled day it covers) or a failed attempt."""
        async with self._sessions() as session, session.begin():
            row = await session.get(DigestScheduleRow, guild)
            if row is None:
                return
            row.last_error = error
            if error is not None:
                return
            row.last_posted_at = at
            if for_date is not None:
                row.last_posted_on = max(for_date, row.last_posted_on) if row.last_posted_on else for_date

    async def get_state(self, key: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(SettingRow, key)
            return row.value if row else None

    async def set_state(self, key: str, value: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(SettingRow, key)
            if row is None:
                session.add(SettingRow(key=key, value=value))
            else:
                row.value = value

    # -- digest runs: at most one digest per server per local day, even from several processes -------

    async def claim_digest_run(
        self, guild: int, day: date, *, channel_id: int, now: datetime, owner: str, lease: timedelta
    ) -> DigestRun | None:
        """Claim the (guild, day) digest for ``owner`` unless it is done, held by a live claim or
        waiting out a retry delay. The first claim fixes the article cut-off (``until``) for every
        attempt; a claim for another channel starts the messages over."""
        async with self._sessions() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(DigestRunRow).values(
                guild_id=guild,
                day=day,
                channel_id=channel_id,
                window_until=now,
                done=False,
                owner=owner,
                claimed_until=now + lease,
                sent=0,
                attempts=1,
            )
            current = DigestRunRow.__table__.c
            claim = statement.on_conflict_do_update(
                index_elements=[current.guild_id, current.day],
                set_={
                    "owner": statement.excluded.owner,
                    "claimed_until": statement.excluded.claimed_until,
                    "attempts": current.attempts + 1,
                    "sent": case(
                        (current.channel_id == statement.excluded.channel_id, current.sent), else_=0
                    ),
                    "channel_id": statement.excluded.channel_id,
                },
                where=and_(
                    current.done.is_(False),
                    or_(current.claimed_until.is_(None), current.claimed_until <= now),
                    or_(current.retry_at.is_(None), current.retry_at <= now),
                ),
            ).returning(
                current.guild_id,
                current.day,
                current.channel_id,
                current.window_until,
                current.sent,
                current.attempts,
            )
            async with session.begin():
                row = (await session.execute(claim)).first()
        if row is None:
            return None
        return DigestRun(
            guild=int(row.guild_id),
            day=row.day,
            channel_id=int(row.channel_id),
            until=_aware(row.window_until),
            sent=int(row.sent),
            attempts=int(row.attempts),
        )

    async def digest_run_progress(
        self, run: DigestRun, *, sent: int, owner: str, claimed_until: datetime
    ) -> bool:
        """Record that ``sent`` messages are out (and extend the claim); False if the claim was lost."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(DigestRunRow)
                .where(_run_is(run), DigestRunRow.owner == owner, DigestRunRow.done.is_(False))
                .values(sent=sent, claimed_until=claimed_until)
            )
            return bool(getattr(result, "rowcount", 0))

    async def finish_digest_run(self, run: DigestRun, *, owner: str, at: datetime, error: str | None) -> bool:
        """Mark the day's digest done and record it on the schedule, in one transaction."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(DigestRunRow)
                .where(_run_is(run), DigestRunRow.owner == owner, DigestRunRow.done.is_(False))
                .values(done=True, owner=None, claimed_until=None, error=error, finished_at=at)
            )
            if not getattr(result, "rowcount", 0):
                return False
            schedule = await session.get(DigestScheduleRow, run.guild)
            if schedule is not None:
                schedule.last_error = error
                schedule.last_posted_at = run.until
                if schedule.last_posted_on is None or schedule.last_posted_on < run.day:
                    schedule.last_posted_on = run.day
            return True

    async def postpone_digest_run(
        self, run: DigestRun, *, owner: str, error: str, retry_at: datetime
    ) -> None:
        """Give the claim back after a failure; the next attempt waits until ``retry_at``."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(DigestRunRow)
                .where(_run_is(run), DigestRunRow.owner == owner)
                .values(owner=None, claimed_until=None, error=error, retry_at=retry_at)
            )
            schedule = await session.get(DigestScheduleRow, run.guild)
            if schedule is not None:
                schedule.last_error = error

    async def release_digest_runs(self, *, owner: str) -> None:
        """Give back every unfinished digest ``owner`` holds (graceful shutdown)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(DigestRunRow)
                .where(DigestRunRow.owner == owner, DigestRunRow.done.is_(False))
                .values(owner=None, claimed_until=None)
            )

    async def digest_runs(self, guild: int) -> list[DigestRun]:
        """Every recorded digest day of a server, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DigestRunRow).where(DigestRunRow.guild_id == guild).order_by(DigestRunRow.day)
            )
            return [
                DigestRun(r.guild_id, r.day, r.channel_id, r.window_until, r.sent, r.attempts) for r in rows
            ]


def _run_is(run: DigestRun) -> ColumnElement[bool]:
    return and_(DigestRunRow.guild_id == run.guild, DigestRunRow.day == run.day)


def _aware(value: datetime) -> datetime:
    """RETURNING bypasses the column type on some backends: make sure the time is aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
