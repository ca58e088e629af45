from datetime import date

from knowledge.reader.dates import resolve

PUBLISHED = date(2015, 12, 31)  # a Thursday


def test_month_day_takes_the_publication_year() -> None:
    assert resolve("Dec. 30", PUBLISHED) == date(2015, 12, 30)
    assert resolve("November 30", PUBLISHED) == date(2015, 11, 30)


def test_explicit_year_wins() -> None:
    assert resolve("March 31, 2021", PUBLISHED) == date(2021, 3, 31)
    assert resolve("30 April 2020", None) == date(2020, 4, 30)


def test_early_january_after_a_late_december_publication_is_next_year() -> None:
    assert resolve("Jan. 5", PUBLISHED) == date(2016, 1, 5)


def test_weekday_is_the_last_one_unless_the_sentence_looks_ahead() -> None:
    assert resolve("Monday", PUBLISHED) == date(2015, 12, 28)
    assert resolve("Thursday", PUBLISHED) == PUBLISHED
    assert resolve("Wednesday", PUBLISHED, "The cold snap should peak Wednesday") == date(2016, 1, 6)
    assert resolve("next Monday", PUBLISHED) == date(2016, 1, 4)


def test_relative_words() -> None:
    assert resolve("yesterday", PUBLISHED) == date(2015, 12, 30)


def test_nothing_to_resolve() -> None:
    assert resolve("mid-September", PUBLISHED) is None
    assert resolve("Monday", None) is None
