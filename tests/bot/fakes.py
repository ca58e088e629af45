"""A small in-memory stand-in for the Knowledge service (unit tests that don't need a database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from knowledge.errors import NotFound
from knowledge.models import (
    Answer,
    Digest,
    DigestSchedule,
    IngestResult,
    SearchHit,
    SearchOptions,
    Source,
    Turn,
)


class FakeKnowledge:
    """Records calls and returns canned values; only what the cogs use."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int | None, tuple[Turn, ...]]] = []
        self.answer = Answer("q", None, None, None, None, None, None, 0.0, True)
        self.hits: list[SearchHit] = []
        self.sources: dict[int, Source] = {}
        self.schedules: dict[int, DigestSchedule] = {}
        self.polls = 0
        self.closed = False

    async def ask(self, question: str, *, guild: int | None = None, context: Sequence[Turn] = ()) -> Answer:
        self.asked.append((question, guild, tuple(context)))
        return self.answer

    async def search(
        self, query: str, options: SearchOptions | None = None, *, guild: int | None = None
    ) -> list[SearchHit]:
        return self.hits

    async def add_source(self, url: str, *, guild: int | None = None) -> tuple[Source, list[IngestResult]]:
        source = Source(len(self.sources) + 1, url, "page", guild, "active")
        self.sources[source.id] = source
        return source, [IngestResult(url, "added", 1, 3)]

    async def list_sources(self, *, guild: int | None = None, all_guilds: bool = False) -> list[Source]:
        return [s for s in self.sources.values() if all_guilds or s.guild == guild]

    async def remove_source(self, source_id: int, *, guild: int | None = None) -> Source:
        source = self.sources.get(source_id)
        if source is None or source.guild != guild:
            raise NotFound(f"There is no source #{source_id} in this server.")
        return self.sources.pop(source_id)

    async def poll_due(self) -> list[IngestResult]:
        self.polls += 1
        return []

    async def guild_digest(self, guild: int) -> Digest:
        return Digest(None, datetime.now(UTC))

    async def set_digest(self, guild: int, channel_id: int, time: str, timezone: str) -> DigestSchedule:
        self.schedules[guild] = DigestSchedule(guild, channel_id, time, timezone)
        return self.schedules[guild]

    async def disable_digest(self, guild: int) -> bool:
        return self.schedules.pop(guild, None) is not None

    async def get_digest(self, guild: int) -> DigestSchedule | None:
        return self.schedules.get(guild)

    async def due_digests(self, now: datetime) -> list[tuple[DigestSchedule, date]]:
        return []

    async def record_digest(
        self, guild: int, *, for_date: date | None, at: datetime, error: str | None = None
    ) -> None:
        return None

    async def close(self) -> None:
        self.closed = True
