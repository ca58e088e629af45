"""Turn a date phrase from a sentence into a calendar date, relative to the article's publication.

News writes "Monday" or "Dec. 30" without a year; the publication date pins them down. Past tense
is assumed for weekdays unless the sentence looks ahead ("will", "expected", "next").
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

log = logging.getLogger(__name__)

_MONTH_NUM = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_WEEKDAY_NUM = {
    d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
}
_FUTURE = re.compile(
    r"\b(?:will|would|expected|should|scheduled|due|next|upcoming|plans? to|set to|is to)\b", re.I
)
_MONTH_RE = "|".join(sorted(_MONTH_NUM, key=len, reverse=True))


def resolve(phrase: str, published: date | None, sentence: str = "") -> date | None:
    """The calendar date ``phrase`` refers to, or None when it names no single day."""
    p = phrase.lower()
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", p)
    if iso:
        return _safe(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    m = re.search(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", p) or re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?", p
    )
    if m:
        a, b, year = m.group(1), m.group(2), m.group(3)
        month, day = (_MONTH_NUM[a], int(b)) if a in _MONTH_NUM else (_MONTH_NUM[b], int(a))
        if year:
            return _safe(int(year), month, day)
        return _nearest_year(month, day, published) if published else None
    if published is None:
        return None
    for word, delta in (("yesterday", -1), ("today", 0), ("tonight", 0), ("tomorrow", 1)):
        if word in p:
            return published + timedelta(days=delta)
    wd = re.search(
        r"\b(last|next|this|on)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", p
    )
    if wd:
        target = _WEEKDAY_NUM[wd.group(2)]
        ahead = wd.group(1) == "next" or (wd.group(1) != "last" and bool(_FUTURE.search(sentence)))
        if ahead:
            return published + timedelta(days=(target - published.weekday() - 1) % 7 + 1)
        return published - timedelta(days=(published.weekday() - target) % 7)
    return None


def _nearest_year(month: int, day: int, published: date) -> date | None:
    """Place a yearless date in the year that puts it closest to publication (news looks back more)."""
    best: date | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        d = _safe(year, month, day)
        if d is None:
            continue
        distance = (published - d).days if d <= published else 2 * (d - published).days
        if best is None or distance < (
            (published - best).days if best <= published else 2 * (best - published).days
        ):
            best = d
    return best


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
