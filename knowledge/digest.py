"""When a server's daily digest is due, and what goes in it.

A digest is due once per local day, at or after its wall-clock time. A bot that was down at that
moment still posts when it comes back within the catch-up window, so a restart never skips a day,
and the recorded local date makes sure a day is never posted twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from knowledge.analysis.sentences import split_sentences
from knowledge.errors import InvalidInput
from knowledge.models import Digest, DigestItem, DigestSchedule
from knowledge.store import NewArticle

log = logging.getLogger(__name__)

CATCH_UP = timedelta(hours=12)
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\s*$")


def parse_time(value: str) -> str:
    """Accept "7:05", "07:05", "23.59", "18h30"; return canonical "HH:MM"."""
    match = _TIME.match(value)
    if not match:
        raise InvalidInput(f"{value!r} is not a time of day; use 24-hour HH:MM, for example 08:30.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone, matched case-insensitively so "europe/paris" works too."""
    cleaned = name.strip()
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = {zone.lower(): zone for zone in available_timezones()}
    if cleaned.lower() in lowered:
        return ZoneInfo(lowered[cleaned.lower()])
    raise InvalidInput(f"{name!r} is not a time zone I know; use an IANA name such as Europe/London or UTC.")


def due_date(schedule: DigestSchedule, now: datetime) -> date | None:
    """The local date whose digest should be posted now, or None if nothing is due."""
    if not schedule.enabled:
        return None
    zone = parse_timezone(schedule.timezone)
    hour, minute = (int(part) for part in schedule.time.split(":"))
    local_now = now.astimezone(zone)
    occurrence = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    if occurrence > local_now:
        occurrence -= timedelta(days=1)
    if local_now - occurrence > CATCH_UP:
        return None
    day = occurrence.date()
    if schedule.last_posted_on is not None and schedule.last_posted_on >= day:
        return None
    return day


def first_sentence(paragraph: str, limit: int = 300) -> str:
    """The lede's opening sentence, cut at a word boundary if it runs long."""
    text = " ".join(paragraph.split())
    sentences = split_sentences(text)
    sentence = sentences[0] if sentences else ""
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


# "WASHINGTON —", "NEW YORK, Dec. 3 (Reuters) -", "LONDON (AP) —": where, not what
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z.'’ -]*[A-Z.]\b(?:,[^—–\n]{0,30})?(?:\s*\([^)\n]{1,40}\))?\s*[—–-]{1,2}\s*$"
)


def is_dateline(text: str) -> bool:
    """Whether ``text`` is only a dateline (a place, maybe a date and an agency, then a dash)."""
    return bool(_DATELINE.match(text))


def lede_of(new: NewArticle) -> str:
    """The first sentence that says something: one that is only a dateline, or the headline again,
    is skipped."""
    title = " ".join(new.article.title.split()).casefold()
    for paragraph in new.opening or (new.lede,):
        for sentence in split_sentences(" ".join(paragraph.split()))[:2]:
            if sentence and not is_dateline(sentence) and sentence.casefold() != title:
                return first_sentence(sentence)
    return ""


def build_digest(
    articles: Sequence[NewArticle],
    *,
    since: datetime | None,
    until: datetime,
    total: int | None = None,
    by: str = "stored",
) -> Digest:
    items = tuple(
        DigestItem(
            title=new.article.title,
            url=new.article.url,
            site=new.article.site,
            published=new.article.published,
            lede=lede_of(new),
        )
        for new in articles
    )
    return Digest(since=since, until=until, items=items, total=total, by=by)
