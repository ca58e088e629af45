"""Per-server digest schedules and small key/value app state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from knowledge.models import DigestSchedule
from knowledge.store.tables import DigestScheduleRow, SettingRow


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
