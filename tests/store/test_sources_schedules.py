"""Sources and digest schedules persist their state on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from knowledge.errors import InvalidInput, NotFound
from knowledge.store import Store


async def test_source_lifecycle(store: Store) -> None:
    source = await store.add_source("https://n.example/feed.xml", "feed", guild=7)
    assert source.state == "active" and source.guild == 7
    with pytest.raises(InvalidInput, match="already a source"):
        await store.add_source("https://n.example/feed.xml", "feed", guild=7)
    await store.update_source(source.id, failures=3, last_error="HTTP 500", etag='"abc"')
    listed = await store.list_sources(guild=7)
    assert [(s.failures, s.last_error, s.etag) for s in listed] == [(3, "HTTP 500", '"abc"')]
    assert await store.list_sources(guild=8) == []
    with pytest.raises(NotFound):
        await store.remove_source(source.id, guild=8)
    removed = await store.remove_source(source.id, guild=7)
    assert removed.url == source.url
    assert await store.list_sources(all_guilds=True) == []


async def test_due_sources_respect_next_poll_and_pause(store: Store) -> None:
    now = datetime.now(UTC)
    due = await store.add_source("https://a.example/feed", "feed", guild=None)
    later = await store.add_source("https://b.example/feed", "feed", guild=None)
    paused = await store.add_source("https://c.example/feed", "feed", guild=None)
    await store.update_source(later.id, next_poll_at=now + timedelta(minutes=10))
    await store.update_source(paused.id, state="paused")
    assert [s.id for s in await store.due_sources(now + timedelta(seconds=1))] == [due.id]


async def test_unknown_source_field_is_refused(store: Store) -> None:
    source = await store.add_source("https://a.example/feed", "feed", guild=None)
    with pytest.raises(ValueError, match="unknown source fields"):
        await store.update_source(source.id, bogus=1)


async def test_schedule_records_postings(store: Store) -> None:
    await store.set_schedule(1, 10, "08:30", "Europe/Paris")
    at = datetime(2026, 1, 2, 7, 31, tzinfo=UTC)
    await store.record_posting(1, for_date=date(2026, 1, 2), at=at, error=None)
    await store.record_posting(1, for_date=None, at=at + timedelta(hours=1), error="Missing Access")
    schedule = await store.get_schedule(1)
    assert schedule is not None
    assert (schedule.last_posted_on, schedule.last_posted_at, schedule.last_error) == (
        date(2026, 1, 2),
        at,
        "Missing Access",
    )
    changed = await store.set_schedule(1, 11, "09:00", "UTC")
    assert (changed.channel_id, changed.last_posted_on, changed.last_error) == (11, date(2026, 1, 2), None)
    assert await store.disable_schedule(1) is True
    assert await store.enabled_schedules() == []


async def test_app_state(store: Store) -> None:
    assert await store.get_state("commands") is None
    await store.set_state("commands", "abc")
    await store.set_state("commands", "def")
    assert await store.get_state("commands") == "def"
