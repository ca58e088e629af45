from dataclasses import replace
from datetime import date, datetime

import pytest

from knowledge.answer import MAX_QUESTION_CHARS, Answerer
from knowledge.errors import InvalidInput, QuestionTooLong
from knowledge.models import Answer, Turn
from knowledge.retrieval.engine import SearchEngine
from tests.retrieval.fakes import MemoryStore

FILLER = [
    "The city council met on Tuesday to discuss the new budget for parks.",
    "Local schools reported higher attendance this year.",
    "The football team won its third game in a row.",
    "Heavy rain caused flooding in several neighbourhoods and closed two bridges.",
    "A new bakery opened downtown, offering bread and coffee.",
    "Officials said the airport expansion would create jobs.",
    "The museum will host an exhibition of modern art from local painters next month.",
    "Researchers published a study on sleep and memory in a medical journal.",
    "The company reported strong quarterly profits and plans to hire more engineers.",
    "Traffic on the main highway was slowed by road works during the morning rush.",
]


def _engine() -> SearchEngine:
    store = MemoryStore()
    for i in range(0, len(FILLER), 2):
        store.add_article(f"Local news {i}", FILLER[i : i + 2])
    store.add_article(
        "BlackBerry to Continue Operating in Pakistan",
        [
            "After saying that it would cease offering services in Pakistan after refusing a government "
            "demand for a backdoor into its encrypted communication service, BlackBerry said it will now "
            "continue service.",
            "“After productive discussions, the Government of Pakistan has rescinded its shutdown order,” "
            "Marty Beard, Chief Operating Officer at BlackBerry, wrote in a blog post.",
            "Initially ordered to exit the country by November 30, BlackBerry was allowed to continue "
            "operations for another month, extending the shutdown order to Dec. 30.",
            "In July 2014, BlackBerry acquired German voice and data encryption firm Secusmart.",
        ],
        published=datetime(2015, 12, 31),
        url="https://example.com/blackberry",
    )
    store.add_article(
        "Masks stolen from Kobe hospital",
        [
            "A total of 6,000 surgical masks have been lost at a hospital in Kobe, it was learned Tuesday.",
            "The masks, worth ¥40,000, had been kept at a machine room on the third floor.",
        ],
        published=datetime(2020, 2, 19),
    )
    store.add_article(
        "Cold snap",
        ["The sudden cold snap should peak Wednesday before temperatures climb back up on Thursday."],
        published=datetime(2020, 11, 3),
    )
    return SearchEngine(store)


async def test_when_question_gets_date_span_and_absolute_date() -> None:
    ans = await Answerer(_engine()).answer("when was the shutdown deadline?")
    assert not ans.abstained
    assert ans.answer == "Dec. 30"
    assert ans.answer_date == date(2015, 12, 30)
    assert ans.quote is not None and ans.span is not None
    assert ans.quote[ans.span[0] : ans.span[1]] == "Dec. 30"
    assert ans.url == "https://example.com/blackberry"
    assert 0.5 <= ans.score <= 1.0


async def test_who_question_answers_a_name_not_in_the_question() -> None:
    ans = await Answerer(_engine()).answer("who's the coo of blackbery")
    assert ans.answer == "Marty Beard"


async def test_count_and_money() -> None:
    answerer = Answerer(_engine())
    assert (await answerer.answer("how many surgical masks went missing in kobe")).answer == "6,000"
    assert (await answerer.answer("what were the kobe masks worth")).answer == "¥40,000"


async def test_future_weekday_resolves_forward() -> None:
    ans = await Answerer(_engine()).answer("When is the cold snap expected to peak?")
    assert ans.answer == "Wednesday"
    assert ans.answer_date == date(2020, 11, 4)


async def test_unrelated_question_abstains_with_nothing_quoted() -> None:
    ans = await Answerer(_engine()).answer("who won the women's singles at wimbledon in 2019")
    assert ans.abstained
    assert ans.answer is ans.quote is ans.passage is ans.url is None
    assert ans.score < 0.5


async def test_follow_up_uses_the_thread() -> None:
    context = [Turn("which german encryption company did blackberry buy", "Secusmart")]
    ans = await Answerer(_engine()).answer("and when did they buy it?", context=context)
    assert ans.answer == "July 2014"


async def test_guild_cannot_see_another_guilds_articles() -> None:
    store = MemoryStore()
    store.add_article("Harbour festival", ["The harbour festival opens on Friday with 40 boats."], guild=2)
    answerer = Answerer(SearchEngine(store))
    assert (await answerer.answer("how many boats at the harbour festival", guild=1)).abstained
    assert (await answerer.answer("how many boats at the harbour festival", guild=2)).answer == "40"


async def test_question_limits() -> None:
    answerer = Answerer(_engine())
    with pytest.raises(QuestionTooLong):
        await answerer.answer("x" * (MAX_QUESTION_CHARS + 1))
    with pytest.raises(InvalidInput):
        await answerer.answer("   ")


def _twin_deals() -> Answerer:
    store = MemoryStore()
    for i in range(0, len(FILLER), 2):
        store.add_article(f"Local news {i}", FILLER[i : i + 2])
    store.add_article(
        "Acme buys a widget maker",
        ["Acme bought the widget maker Sprocketco in March 2019, the company said."],
        url="https://example.com/acme",
    )
    store.add_article(
        "Globex buys a widget maker",
        ["Globex bought the widget maker Cogworks in July 2021, the company said."],
        url="https://example.com/globex",
    )
    return Answerer(SearchEngine(store))


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://example.com/acme", "March 2019"), ("https://example.com/globex", "July 2021")],
)
async def test_follow_up_prefers_the_article_the_thread_quoted(url: str, expected: str) -> None:
    context = [Turn("which company bought a widget maker", "a rival", url=url)]
    ans = await _twin_deals().answer("and when did they buy it?", context=context)
    assert ans.answer == expected
    assert ans.url == url


async def test_thread_article_is_a_preference_not_a_filter() -> None:
    context = [Turn("which company bought a widget maker", "a rival", url="https://example.com/acme")]
    ans = await _twin_deals().answer("how many boats are in the harbour festival?", context=context)
    assert ans.abstained or ans.url != "https://example.com/acme"
    ans = await _twin_deals().answer("when did globex buy cogworks", context=context)
    assert ans.answer == "July 2021"


async def test_a_value_question_whose_best_quote_holds_no_value_is_less_sure() -> None:
    async def ask(festival: str) -> Answer:
        # the same archive but for the festival's own article: with or without a date in it
        store = MemoryStore()
        for i in range(0, len(FILLER), 2):
            store.add_article(f"Local news {i}", FILLER[i : i + 2])
        store.add_article("Harbour festival", [festival])
        return await Answerer(SearchEngine(store)).answer("when does the harbour festival open")

    vague = await ask("The harbour festival opens with a parade of boats and music.")
    dated = await ask("The harbour festival opens on June 12 with a parade of boats and music.")
    assert dated.answer == "June 12"
    assert vague.score < dated.score


@pytest.mark.parametrize(
    "question",
    [
        "when was the blackberry shutdown deadline",
        "how many masks were lost in kobe",
        "who wrote the blog post about pakistan",
        "what did blackberry buy in 2014",
    ],
)
async def test_reading_question_words_off_the_index_answers_as_reading_the_texts(question: str) -> None:
    answerer = Answerer(_engine())
    retrieval = await answerer.retrieve(question)
    articles = retrieval.articles
    assert retrieval.terms_held is not None
    from_index = answerer.reader.read(question, retrieval, articles)
    from_text = answerer.reader.read(question, replace(retrieval, terms_held=None), articles)
    assert from_index.features == from_text.features
    assert [(r.candidate.passage.id, r.score) for r in from_index.ranked] == [
        (r.candidate.passage.id, r.score) for r in from_text.ranked
    ]
