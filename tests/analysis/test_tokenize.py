from knowledge.analysis.tokenize import fold, query_words, stem, terms, word_spans, words


def test_fold_strips_case_and_accents() -> None:
    assert fold("São Paulo RONDÔNIA") == "sao paulo rondonia"


def test_numbers_stay_whole() -> None:
    assert words("8,668 fires, $4.3 million by 2030 at 6:36 p.m.") == [
        "8,668",
        "fires",
        "4.3",
        "million",
        "by",
        "2030",
        "at",
        "6:36",
        "p",
        "m",
    ]


def test_thousands_separator_is_dropped_from_the_term() -> None:
    assert terms("8,668 fires") == ["8668", "fire"]


def test_stopwords_removed_and_words_stemmed() -> None:
    assert terms("The shutdowns were extended to Dec. 30") == ["shutdown", "extend", "dec", "30"]


def test_possessive_dropped() -> None:
    assert terms("BlackBerry’s servers") == terms("blackberry servers") == ["blackberri", "server"]


def test_mixed_letters_and_digits_are_one_token() -> None:
    assert words("CO2 and 80TB") == ["co2", "and", "80tb"]


def test_chat_spelling_expanded_in_questions_only() -> None:
    assert query_words("14 yr old") == ["14", "year", "old"]
    assert words("14 yr old") == ["14", "yr", "old"]


def test_word_spans_point_into_the_original_text() -> None:
    text = "In São Paulo, it went dark."
    spans = word_spans(text)
    assert [(w, text[a:b]) for w, a, b in spans][1:3] == [("sao", "São"), ("paulo", "Paulo")]


def test_stem_leaves_numbers() -> None:
    assert stem("2,006") == "2006"
    assert stem("running") == "run"


def test_short_numbers_in_questions_are_expanded() -> None:
    assert query_words("rate per 100k") == ["rate", "per", "100,000"]
    assert terms("per 100,000 people") == ["per", "100000", "peopl"]
