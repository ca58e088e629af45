from knowledge.answer import Answerer
from knowledge.reader.confidence import CONFIDENCE_FEATURES, is_junk, named_terms
from knowledge.retrieval.engine import SearchEngine
from tests.retrieval.fakes import MemoryStore


def test_names_are_read_off_how_passages_write_them() -> None:
    texts = [
        "The premier of Canada met officials. Talks with Canada went well.",
        "Police found drugs on Main Street near the harbour.",
        "Canada is cold.",  # sentence-initial capitals say nothing
        "The street was closed and the drugs were seized.",
    ]
    named = named_terms(texts, {"canada", "street", "seiz"})
    assert named == frozenset({"canada"})  # "Main Street" ends a name; "street" is an ordinary word


def test_an_answer_of_only_function_words_is_no_answer() -> None:
    assert is_junk("into") and is_junk("of the")
    assert not is_junk("Canberra") and not is_junk(None) and not is_junk("Dec. 30")


def _archive() -> Answerer:
    store = MemoryStore()
    store.add_article(
        "Grenada's leader",
        ["The Prime Minister of Grenada, Dickon Mitchell, chairs the regional authority."],
    )
    store.add_article("Trade talks", ["Officials from Canada met trade partners in Ottawa on Monday."])
    store.add_article("Weather", ["A cold front will reach the islands by Thursday evening."])
    return Answerer(SearchEngine(store))


async def test_a_name_the_quoted_article_never_mentions_counts_against_answering() -> None:
    answerer = _archive()
    other = await answerer.read("who is the prime minister of canada")
    own = await answerer.read("who is the prime minister of grenada")
    features = dict(zip(CONFIDENCE_FEATURES, other.features, strict=True))
    assert features["missing_names"] == 1.0  # "Canada" is written as a name, and not in Grenada's article
    assert dict(zip(CONFIDENCE_FEATURES, own.features, strict=True))["missing_names"] == 0.0
    assert other.answer.score < own.answer.score
    assert own.answer.answer == "Dickon Mitchell"


async def test_words_the_archive_never_saw_count_against_answering() -> None:
    answerer = _archive()
    reading = await answerer.read("what is the price of bitcoin in grenada")
    features = dict(zip(CONFIDENCE_FEATURES, reading.features, strict=True))
    assert features["unknown_mass"] > 0.3
    assert reading.answer.abstained
