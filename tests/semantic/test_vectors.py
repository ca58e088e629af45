from knowledge.models import Article
from knowledge.semantic.vectors import SemanticIndex
from knowledge.store import Store, passage_key
from tests.semantic.fakes import HashEmbedder


def _article(url: str, *paragraphs: str) -> tuple[Article, list[str]]:
    return Article(url=url, title="T", paragraphs=paragraphs), [passage_key(p) for p in paragraphs]


async def test_ingested_passages_are_embedded_once_and_read_back(store: Store) -> None:
    await store.bulk_add_articles(
        [
            _article(
                "https://example.com/a",
                "The council met on Tuesday. It approved the park budget.",
                "Heavy rain closed two bridges.",
            ),
            _article("https://example.com/b", "Heavy rain closed two bridges."),  # a recurring line
        ]
    )
    embedder = HashEmbedder()
    index = SemanticIndex(store, embedder)
    assert await index.embed_pending() == 3
    assert await index.embed_pending() == 0  # nothing left: nothing embedded twice
    assert sorted(embedder.encoded) == sorted(
        ["The council met on Tuesday.", "It approved the park budget.", "Heavy rain closed two bridges."]
    )
    passages = list((await store.get_passages([1, 2, 3])).values())
    vectors = await index.for_question("when did rain close the bridges", passages)
    assert vectors is not None
    first = vectors.similarities(1)
    assert first is not None and len(first) == 2  # one vector per quoted sentence
    rain = vectors.similarities(2)
    assert rain is not None and rain[0] > max(first)


async def test_a_candidate_without_vectors_sends_the_question_down_the_lexical_path(store: Store) -> None:
    await store.bulk_add_articles([_article("https://example.com/a", "Heavy rain closed two bridges.")])
    index = SemanticIndex(store, HashEmbedder())
    passages = list((await store.get_passages([1])).values())
    assert await index.for_question("rain", passages) is None
    await index.embed_pending()
    assert await index.for_question("rain", passages) is not None
