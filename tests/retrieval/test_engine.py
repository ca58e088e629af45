from pathlib import Path

import pytest

from knowledge.analysis.tokenize import terms
from knowledge.models import SearchOptions
from knowledge.retrieval.engine import SearchEngine, index_dir_for
from tests.retrieval.fakes import MemoryStore


def _store() -> MemoryStore:
    store = MemoryStore()
    store.add_article(
        "BlackBerry to Continue Operating in Pakistan",
        [
            "BlackBerry said it will now continue service in the Pakistan market.",
            "Initially ordered to exit the country by November 30, BlackBerry was allowed to continue "
            "operations for another month, extending the shutdown order to Dec. 30.",
        ],
    )
    store.add_article(
        "The Amazon is on fire",
        [
            "In the middle of the day on Monday, the sky above São Paulo, Brazil went dark.",
            "According to the Global Fire Emissions Database, 8,668 fires have been detected in Amazonas.",
        ],
    )
    store.add_article("Kobe masks", ["A total of 6,000 surgical masks have been lost at a hospital in Kobe."])
    return store


async def test_golden_ranking() -> None:
    engine = SearchEngine(_store())
    hits = await engine.search("shutdown order extended", SearchOptions(limit=3))
    assert hits[0].passage.text.endswith("Dec. 30.")
    hits = await engine.search("fires detected in amazonas")
    assert hits[0].passage.text.startswith("According to the Global Fire")
    assert all(0.0 <= h.score <= 1.0 for h in hits)


async def test_accents_and_typos_still_match() -> None:
    engine = SearchEngine(_store())
    assert (await engine.search("sao paulo"))[0].passage.text.startswith("In the middle")
    assert (await engine.search("blackbery shutdwn"))[0].passage.text.endswith("Dec. 30.")


async def test_short_and_known_words_are_not_corrected() -> None:
    engine = SearchEngine(_store())
    await engine.catch_up()
    assert engine.corrections("kob", "kob") == [] or engine.known("kob") is False
    assert engine.analyse("kob").weights == {"kob": 1.0}
    assert "kobe" in engine.analyse("kobe").weights


async def test_catch_up_indexes_only_new_passages() -> None:
    store = _store()
    engine = SearchEngine(store)
    assert await engine.catch_up() == 5
    assert await engine.catch_up() == 0
    store.add_article("Secusmart", ["In July 2014, BlackBerry acquired Secusmart."])
    hits = await engine.search("secusmart")  # search catches up by itself
    assert hits and hits[0].passage.text.startswith("In July 2014")
    assert engine.index.n_docs == 6


async def test_deleted_passages_vanish_from_results() -> None:
    store = _store()
    engine = SearchEngine(store)
    assert await engine.search("kobe masks")
    store.delete_article(3)
    assert await engine.search("kobe masks") == []
    assert engine.index.n_docs == 4
    store.add_article("Kobe masks", ["Updated: 6,000 surgical masks were lost at a hospital in Kobe."])
    hits = await engine.search("kobe masks")
    assert [h.passage.text[:8] for h in hits] == ["Updated:"]


async def test_updated_article_old_text_is_never_returned() -> None:
    store = _store()
    engine = SearchEngine(store)
    assert await engine.search("surgical masks")
    store.add_article("Kobe gloves", ["Two boxes of rubber gloves went missing in Kobe."], article_id=3)
    assert await engine.search("surgical masks") == []
    assert (await engine.search("rubber gloves"))[0].passage.title == "Kobe gloves"
    assert not engine.known("surgic")  # gone from the statistics too, not only from results


async def test_guild_scope() -> None:
    store = MemoryStore()
    store.add_article("Global", ["The harbour festival opens on Friday."])
    store.add_article("Mine", ["The harbour festival has a secret guest."], guild=1)
    store.add_article("Theirs", ["The harbour festival sells out."], guild=2)
    engine = SearchEngine(store)
    assert {h.passage.title for h in await engine.search("harbour festival", guild=1)} == {"Global", "Mine"}
    assert {h.passage.title for h in await engine.search("harbour festival", guild=2)} == {"Global", "Theirs"}
    assert {h.passage.title for h in await engine.search("harbour festival")} == {"Global"}


async def test_persisted_index_is_reused(tmp_path: Path) -> None:
    store = _store()
    first = SearchEngine(store, tmp_path / "idx")
    await first.catch_up()
    first.close()
    second = SearchEngine(store, tmp_path / "idx")
    assert await second.catch_up() == 0
    assert second.directory == first.directory
    assert (await second.search("surgical masks"))[0].passage.title == "Kobe masks"


async def test_a_second_engine_gets_its_own_replica_copied_from_the_first(tmp_path: Path) -> None:
    store = _store()
    first = SearchEngine(store, tmp_path / "idx")
    await first.catch_up()
    second = SearchEngine(store, tmp_path / "idx")
    assert await second.catch_up() == 0  # a copy of the first's index, not a build from scratch
    assert second.directory != first.directory
    store.add_article("Tulips", ["Tulip prices doubled in Amsterdam."])
    assert (await second.search("tulip prices"))[0].passage.title == "Tulips"
    assert (await first.search("tulip prices"))[0].passage.title == "Tulips"
    assert first.index.n_docs == second.index.n_docs == 6


async def test_an_index_is_never_reused_for_another_database(tmp_path: Path) -> None:
    await SearchEngine(_store(), tmp_path / "idx").catch_up()
    fresh = MemoryStore()
    fresh.add_article("Other", ["Completely different text about tulips."])
    engine = SearchEngine(fresh, tmp_path / "idx")
    await engine.catch_up()
    assert engine.index.n_docs == 1
    assert (await engine.search("tulips"))[0].passage.title == "Other"
    assert await engine.search("kobe masks") == []


def test_index_dir_for() -> None:
    assert index_dir_for("sqlite+aiosqlite:///:memory:") is None
    assert index_dir_for("sqlite+aiosqlite:///data/news.db") == Path("data/news.db.index")
    assert index_dir_for("sqlite+aiosqlite:///x.db", Path("/tmp/i")) == Path("/tmp/i")
    pg = index_dir_for("postgresql+asyncpg://u:secret@h/db")
    assert pg is not None and "secret" not in str(pg)


async def test_rare_known_word_also_tries_its_common_neighbour() -> None:
    store = MemoryStore()
    store.add_article("Band", ["Sean Irishan played the fiddle."])
    store.add_article("Film", [f"The Irishman review number {i}." for i in range(5)])
    engine = SearchEngine(store)
    await engine.catch_up()
    concept = engine.analyse("irishan").concepts[0]
    assert concept.term == "irishan"  # the word as typed is kept: it may be a name
    assert "irishman" in concept.alternatives


async def test_index_from_a_later_copy_of_the_database_is_rebuilt(tmp_path: Path) -> None:
    store = _store()
    await SearchEngine(store, tmp_path / "idx").catch_up()
    store.log = store.log[:2]  # the database restored from an older backup: its log is shorter
    del store.passages[5]
    engine = SearchEngine(store, tmp_path / "idx")
    await engine.catch_up()
    assert engine.index.n_docs == 4


async def test_status_reports_what_is_not_indexed_yet() -> None:
    store = _store()
    engine = SearchEngine(store)
    before = await engine.status()
    assert before.pending > 0 and not before.caught_up
    await engine.catch_up()
    after = await engine.status()
    assert after.caught_up and after.documents == 5
    store.delete_article(1)
    assert (await engine.status()).pending == 1


async def test_a_parallel_build_indexes_the_same_as_a_serial_one(tmp_path: Path) -> None:
    store = _store()
    for i in range(30):
        store.add_article(f"Filler {i}", [f"Harbour note {i} about boats and tides.", "The tide was low."])
    serial = SearchEngine(store)
    parallel = SearchEngine(store)
    parallel.parallel_min = 1  # analysis in worker processes even for this small archive
    assert await serial.catch_up() == await parallel.catch_up() == 65
    for query in ("harbour note 17", "shutdown order extended", "low tide"):
        assert await serial.search(query) == await parallel.search(query)
    assert sorted(serial.index.vocabulary) == sorted(parallel.index.vocabulary)


async def test_a_question_does_not_queue_behind_a_catch_up_in_progress() -> None:
    store = _store()
    engine = SearchEngine(store)
    await engine.catch_up()
    store.add_article("Tulips", ["Tulip prices doubled in Amsterdam."])
    async with engine._write_lock:  # another task is applying changes right now
        assert await engine.catch_up() == 0  # returns at once instead of waiting for it
        assert (await engine.search("surgical masks"))[0].passage.title == "Kobe masks"
    assert await engine.catch_up(wait=True) == 1
    assert (await engine.search("tulip prices"))[0].passage.title == "Tulips"


async def test_retrieval_reads_which_question_words_each_passage_of_a_candidate_article_holds() -> None:
    store = MemoryStore()
    store.add_article("Harbour festival", ["Tickets sell out on Friday.", "The mayor opens it with a talk."])
    store.add_article("Weather", ["Rain is expected on Friday."])
    engine = SearchEngine(store)
    await engine.catch_up()
    query = engine.analyse("when do harbour festival tickets sell out")
    retrieval = await engine.retrieve(query, 5, guild=None)
    held = retrieval.terms_held
    assert held is not None
    harbour, festival, ticket, sell = (terms(w)[0] for w in ("harbour", "festival", "tickets", "sell"))
    # the title's words count for every passage of its article, and a passage holding nothing else is there
    assert held[1] >= {harbour, festival, ticket, sell}
    assert harbour in held[2] and ticket not in held[2]
    assert 3 not in held  # the weather article is no candidate


async def test_words_held_follow_an_updated_article() -> None:
    store = MemoryStore()
    store.add_article("Harbour festival", ["Tickets sell out on Friday."])
    engine = SearchEngine(store)
    store.add_article("Harbour festival", ["Tickets are still on sale."], article_id=1)
    await engine.catch_up()
    retrieval = await engine.retrieve(engine.analyse("harbour festival tickets sell out"), 5, guild=None)
    assert retrieval.terms_held is not None
    assert set(retrieval.terms_held) == {2}  # the replaced passage is gone from the reading too
    assert terms("sell")[0] not in retrieval.terms_held[2]


async def test_a_candidate_deleted_since_the_index_caught_up_is_left_out_with_its_article() -> None:
    store = _store()
    engine = SearchEngine(store)
    await engine.catch_up()
    query = engine.analyse("surgical masks in kobe hospital")
    before = await engine.retrieve(query, 5, guild=None)
    assert before.candidates[0].passage.article_id == 3 and 3 in before.articles
    store.delete_article(3)  # the index has not caught up with this yet
    retrieval = await engine.retrieve(query, 5, guild=None)
    assert all(c.passage.article_id != 3 for c in retrieval.candidates)
    assert 3 not in retrieval.articles
    kept = {c.passage.article_id for c in retrieval.candidates}
    assert set(retrieval.articles) == kept
    assert all(
        [p.position for p in retrieval.articles[a]] == sorted(p.position for p in retrieval.articles[a])
        for a in kept
    )


async def test_words_held_cover_articles_longer_than_the_first_batch_of_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("knowledge.retrieval.tantivy_index.SCOPE_HITS", 2)
    store = MemoryStore()
    store.add_article(
        "Harbour festival", [f"Stall {n} sells tickets for the harbour festival." for n in range(5)]
    )
    engine = SearchEngine(store)
    await engine.catch_up()
    retrieval = await engine.retrieve(engine.analyse("harbour festival tickets"), 3, guild=None)
    assert retrieval.terms_held is not None
    assert set(retrieval.terms_held) == {1, 2, 3, 4, 5}  # every passage, not the first two found
    assert all(terms("tickets")[0] in held for held in retrieval.terms_held.values())
