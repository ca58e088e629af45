from knowledge.reader.confidence import (
    Evidence,
    article_evidence,
    article_terms,
    confidence,
    is_junk,
    named_terms,
)
from knowledge.reader.rank import Features
from knowledge.retrieval.query import Concept, Query

F = Features(passage_cov=0.6, context_cov=0.6, sentence_cov=0.6, typed=0.6, proximity=0.5, bm25=0.3)


def _query(*words: str) -> Query:
    q = Query()
    for w in words:
        q.add(Concept(w, 1.0, frozenset({w})), {})
    return q


def test_names_are_read_off_how_passages_write_them() -> None:
    texts = [
        "The premier of Canada met officials. Talks with Canada went well.",
        "Police found drugs on Main Street near the harbour.",
        "Canada is cold.",  # sentence-initial capitals say nothing
        "The street was closed and the drugs were seized.",
    ]
    named = named_terms(texts, {"canada", "street", "seiz"})
    assert named == frozenset({"canada"})  # "Main Street" ends a name; "street" is an ordinary word


def test_a_name_the_article_never_mentions_counts_against_answering() -> None:
    query = _query("prime", "minist", "canada")
    present = article_terms(["The Prime Minister of Grenada chairs the authority."])
    idf = {"prime": 5.0, "minist": 4.5, "canada": 6.0}.__getitem__
    plain = article_evidence(F, query, idf, present | {"canada"}, named=frozenset({"canada"}))
    missing = article_evidence(F, query, idf, present, named=frozenset({"canada"}))
    unnamed = article_evidence(F, query, idf, present)
    assert (plain.missing_names, missing.missing_names, unnamed.missing_names) == (0, 1, 0)
    assert confidence(missing) < 0.5 < confidence(unnamed)


def test_an_answer_of_only_function_words_is_no_answer() -> None:
    assert is_junk("into") and is_junk("of the")
    assert not is_junk("Canberra") and not is_junk(None) and not is_junk("Dec. 30")
    query = _query("capit", "australia")
    idf = {"capit": 5.0, "australia": 5.0}.__getitem__
    present = frozenset({"capit", "australia"})
    named = article_evidence(F, query, idf, present, answer="Canberra")
    junk = article_evidence(F, query, idf, present, answer="into")
    assert junk.junk_answer and junk.features.typed == 0.0
    assert confidence(junk) < 0.5 < confidence(named)
    assert isinstance(junk, Evidence)
