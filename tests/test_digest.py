"""When a daily digest is due: once per local day, caught up after downtime, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from knowledge.digest import due_date, first_sentence, parse_time, parse_timezone
from knowledge.errors import InvalidInput
from knowledge.models import DigestSchedule


def schedule(time: str = "08:00", tz: str = "Europe/Paris", last: date | None = None) -> DigestSchedule:
    return DigestSchedule(guild=1, channel_id=2, time=time, timezone=tz, last_posted_on=last)


def test_not_due_before_local_time() -> None:
    # 06:59 UTC is 07:59 in Paris in winter
    assert due_date(schedule(), datetime(2026, 1, 5, 6, 59, tzinfo=UTC)) is None


def test_due_at_local_time_for_local_day() -> None:
    assert due_date(schedule(), datetime(2026, 1, 5, 7, 0, tzinfo=UTC)) == date(2026, 1, 5)


def test_never_twice_the_same_day() -> None:
    posted = schedule(last=date(2026, 1, 5))
    assert due_date(posted, datetime(2026, 1, 5, 15, 0, tzinfo=UTC)) is None
    assert due_date(posted, datetime(2026, 1, 6, 7, 1, tzinfo=UTC)) == date(2026, 1, 6)


def test_catch_up_after_midnight_downtime() -> None:
    late = schedule(time="23:59", tz="UTC", last=date(2026, 1, 4))
    # the bot was down at 23:59 and came back ten minutes later, on the next calendar day
    assert due_date(late, datetime(2026, 1, 6, 0, 9, tzinfo=UTC)) == date(2026, 1, 5)


def test_long_outage_does_not_post_stale_day() -> None:
    assert due_date(schedule(tz="UTC"), datetime(2026, 1, 5, 21, 0, tzinfo=UTC)) is None


def test_disabled_is_never_due() -> None:
    off = DigestSchedule(guild=1, channel_id=2, time="08:00", timezone="UTC", enabled=False)
    assert due_date(off, datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize(("raw", "expected"), [("7:05", "07:05"), ("23.59", "23:59"), (" 18h30 ", "18:30")])
def test_parse_time(raw: str, expected: str) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "noon", "7", "12:60"])
def test_parse_time_refuses(raw: str) -> None:
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_time(raw)


def test_parse_timezone() -> None:
    assert parse_timezone("europe/paris").key == "Europe/Paris"
    with pytest.raises(InvalidInput, match="time zone"):
        parse_timezone("Mars/Olympus")


def test_first_sentence_keeps_closing_quote() -> None:
    lede = "“We are staying,” Beard said. He thanked the government."
    assert first_sentence(lede) == "“We are staying,” Beard said."


def test_first_sentence_is_not_cut_at_abbreviations() -> None:
    lede = "The order was extended to Dec. 30 by the U.S. regulator. Then it was lifted."
    assert first_sentence(lede) == "The order was extended to Dec. 30 by the U.S. regulator."
