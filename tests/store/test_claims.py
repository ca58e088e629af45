"""Work claimed once across processes: source leases and per-day digest runs, on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from knowledge.models import DigestRun
from knowledge.store import Store

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)  # after add_source made them due
LEASE = timedelta(seconds=30)
DAY = NOW.date()


async def test_each_due_source_is_leased_to_one_worker(store: Store) -> None:
    ids = [(await store.add_source(f"https://s{i}.example/feed", "feed", guild=None)).id for i in range(6)]
    for source_id in ids:
        await store.update_source(source_id, next_poll_at=NOW - timedelta(minutes=1))
    first, second = await asyncio.gather(
        store.claim_due_sources(NOW, owner="a", lease=LEASE),
        store.claim_due_sources(NOW, owner="b", lease=LEASE),
    )
    got_a, got_b = {s.id for s in first}, {s.id for s in second}
    assert not got_a & got_b and got_a | got_b == set(ids)
    assert await store.claim_due_sources(NOW + LEASE / 2, owner="c", lease=LEASE) == []
    assert set((await store.source_claims()).values()) <= {"a", "b"}


async def test_an_expired_lease_is_taken_over_and_a_renewed_one_is_not(store: Store) -> None:
    kept = await store.add_source("https://kept.example/feed", "feed", guild=None)
    dead = await store.add_source("https://dead.example/feed", "feed", guild=None)
    assert {s.id for s in await store.claim_due_sources(NOW, owner="a", lease=LEASE)} == {kept.id, dead.id}
    assert await store.renew_source_claims([kept.id], owner="a", until=NOW + 3 * LEASE) == 1
    assert await store.renew_source_claims([kept.id], owner="b", until=NOW + 9 * LEASE) == 0
    taken = await store.claim_due_sources(NOW + 2 * LEASE, owner="b", lease=LEASE)
    assert [s.id for s in taken] == [dead.id]
    assert await store.source_claims() == {kept.id: "a", dead.id: "b"}


async def test_a_source_polled_meanwhile_is_not_claimed_again(store: Store) -> None:
    source = await store.add_source("https://x.example/feed", "feed", guild=None)
    [claimed] = await store.claim_due_sources(NOW, owner="a", lease=LEASE)
    await store.update_source(claimed.id, next_poll_at=NOW + timedelta(minutes=15))
    await store.release_source_claims([claimed.id], owner="a")
    assert await store.source_claims() == {}
    assert await store.claim_due_sources(NOW + timedelta(seconds=1), owner="b", lease=LEASE) == []
    assert source.id == claimed.id


async def test_releasing_everything_a_worker_holds(store: Store) -> None:
    for i in range(3):
        await store.add_source(f"https://r{i}.example/feed", "feed", guild=None)
    assert len(await store.claim_due_sources(NOW, owner="a", lease=LEASE)) == 3
    await store.release_source_claims(owner="b")
    assert len(await store.source_claims()) == 3
    await store.release_source_claims(owner="a")
    assert len(await store.claim_due_sources(NOW, owner="b", lease=LEASE)) == 3


async def claim(store: Store, owner: str, at: datetime = NOW, channel: int = 10) -> DigestRun | None:
    return await store.claim_digest_run(1, DAY, channel_id=channel, now=at, owner=owner, lease=LEASE)


async def test_one_digest_per_server_and_day_even_when_two_workers_try(store: Store) -> None:
    await store.set_schedule(1, 10, "08:00", "UTC")
    runs = await asyncio.gather(claim(store, "a"), claim(store, "b"))
    [run] = [r for r in runs if r is not None]
    owner = "a" if runs[0] is not None else "b"
    assert run.until == NOW and run.sent == 0
    assert await store.digest_run_progress(run, sent=2, owner=owner, claimed_until=NOW + LEASE)
    assert await store.finish_digest_run(run, owner=owner, at=NOW + timedelta(seconds=5), error=None)
    assert await claim(store, "a", NOW + timedelta(hours=1)) is None
    schedule = await store.get_schedule(1)
    assert schedule is not None and schedule.last_posted_on == DAY
    assert schedule.last_posted_at == NOW


async def test_a_crashed_poster_is_resumed_after_its_lease_where_it_stopped(store: Store) -> None:
    await store.set_schedule(1, 10, "08:00", "UTC")
    run = await claim(store, "a")
    assert run is not None
    assert await store.digest_run_progress(run, sent=1, owner="a", claimed_until=NOW + LEASE)
    assert await claim(store, "b", NOW + LEASE / 2) is None  # a's claim is alive
    resumed = await claim(store, "b", NOW + 2 * LEASE)
    assert resumed is not None and resumed.sent == 1 and resumed.until == NOW and resumed.attempts == 2
    assert not await store.digest_run_progress(run, sent=2, owner="a", claimed_until=NOW + 3 * LEASE)
    assert not await store.finish_digest_run(run, owner="a", at=NOW, error=None)


async def test_a_failed_post_waits_before_retrying_unless_the_admin_changes_it(store: Store) -> None:
    await store.set_schedule(1, 10, "08:00", "UTC")
    run = await claim(store, "a")
    assert run is not None
    await store.postpone_digest_run(
        run, owner="a", error="Missing Access", retry_at=NOW + timedelta(minutes=4)
    )
    assert await claim(store, "a", NOW + timedelta(minutes=1)) is None
    schedule = await store.get_schedule(1)
    assert schedule is not None and schedule.last_error == "Missing Access"
    await store.set_schedule(1, 11, "08:00", "UTC")
    moved = await claim(store, "a", NOW + timedelta(minutes=1), channel=11)
    assert moved is not None and moved.channel_id == 11 and moved.sent == 0


async def test_release_gives_back_unfinished_digests(store: Store) -> None:
    await store.set_schedule(1, 10, "08:00", "UTC")
    assert await claim(store, "a") is not None
    await store.release_digest_runs(owner="a")
    assert await claim(store, "b", NOW + timedelta(seconds=1)) is not None


async def test_two_processes_on_one_sqlite_file_share_the_sources(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first, second = await Store.open(url), await Store.open(url)  # two engines, as two processes have
    try:
        for i in range(20):
            await first.add_source(f"https://f{i}.example/feed", "feed", guild=None)
        rounds = await asyncio.gather(
            *(
                s.claim_due_sources(NOW, owner=name, lease=LEASE, limit=5)
                for s, name in [(first, "a"), (second, "b")] * 3
            )
        )
        claimed = [source.id for found in rounds for source in found]
        assert len(claimed) == len(set(claimed)) == 20
    finally:
        await first.close()
        await second.close()
