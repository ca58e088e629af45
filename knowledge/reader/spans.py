"""Candidate short answers inside a sentence: dates, times, counts, money, names, quoted phrases.

Each candidate has a kind; ``KINDS_FOR`` says which kinds answer which question type, in order of
preference. Picking among candidates (distance to the question's words, not repeating the question)
happens in ``knowledge.reader.pick``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.analysis.tokenize import wordlist
from knowledge.reader.qtype import QType

log = logging.getLogger(__name__)

MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMWORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a dozen"
    r"|dozens|hundreds|thousands|millions|half a|a few|several)"
)
_SCALE = r"(?:\s*-?\s*(?:million|billion|trillion|thousand|hundred|m\b|bn\b|k\b))?"
NUM = rf"(?:\d(?:[\d,]*\d)?(?:\.\d+)?{_SCALE}|(?i:{_NUMWORD})(?:[- ](?i:{_NUMWORD}))?{_SCALE})"
_MOD = (  # in any case: "More than 85 percent", "Over 50,000" open sentences
    r"(?i:(?:more|fewer|less) than|about|around|nearly|almost|over|under|at least|up to|roughly"
    r"|approximately|some|just)\s+"
)
_UNIT_TIME = r"(?:second|minute|hour|day|week|month|year|decade|century)s?"
_CURRENCY_WORDS = r"(?:dollars|euros|pounds sterling|yuan|yen|rupees|won|pesos|francs|bitcoin)"
# a middle initial keeps its full stop inside a name ("Walter A. Clyburn Reed", "Carissa F. Etienne")
_CAP_WORD = r"(?<![\w’'])(?:[A-Z][\w’'&.-]*[\w]|[A-Z]\.(?=\s+[A-Z])|[A-Z]|[a-z]{1,2}[A-Z][\w-]*\w)"
_CONNECT = r"(?:of the|of|de|da|del|van|von|der|&)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "time",
        re.compile(
            rf"\b\d{{1,2}}(?::\d{{2}})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b|a\.m\b|p\.m\b)"
            rf"(?:,?\s+(?:on\s+)?{WEEKDAYS})?|\b(?:noon|midnight|midday)\b"
        ),
    ),
    (
        "date",
        re.compile(
            rf"\b(?:(?:early|mid|late)[- ])?{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}(?:,?\s+\d{{4}})?"
            rf"|\b(?:(?:early|mid|late)[- ])?{MONTHS}(?:\s+\d{{4}})?\b(?!\s*\d)"
            rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
            rf"|\b(?i:(?:the )?(?:(?:early|mid|late)[- ])?(?:spring|summer|autumn|fall|winter)(?: of)?)"
            rf" (?:\d{{4}}|(?i:last|next|this) year)\b"
        ),
    ),
    (
        "weekday",
        re.compile(rf"\b(?:(?:last|next|this|on)\s+)?{WEEKDAYS}(?:\s+(?:morning|afternoon|evening|night))?"),
    ),
    ("year", re.compile(r"\b(?:1[89]|20)\d{2}s?\b(?![-:,.]\d)")),
    (
        "relative",
        re.compile(
            r"\b(?:yesterday|today|tonight|tomorrow|(?:last|next|this) (?:week|month|year|weekend))\b"
            rf"|\b(?:{_MOD})?{NUM} (?:{_UNIT_TIME}) ago\b"
        ),
    ),
    # "aged 23", "a 32-year-old", "50,000 years old", and the appositive "Jane Doe, 51, said"
    (
        "age",
        re.compile(
            rf"\b(?:aged?\s+{NUM}|{NUM}-year-old|(?:{_MOD})?{NUM} years? old)|(?<=[a-z], )\d{{2}}(?=, )"
        ),
    ),
    ("duration", re.compile(rf"\b(?:{_MOD})?(?:{NUM}|a|an|half an?)[- ]{_UNIT_TIME}\b")),
    (
        "money",
        re.compile(
            rf"(?:\b{_MOD})?(?:\b(?:US|C|A|HK|NZ|S|R)|\b)?[$€£¥₹]\s?{NUM}(?:-(?:million|billion|trillion))?"
            rf"|(?:\b{_MOD})?\b{NUM}[- ](?:{_CURRENCY_WORDS})\b"
        ),
    ),
    ("percent", re.compile(rf"(?:\b{_MOD})?\b{NUM}\s?(?:%|percent\b|per cent\b|percentage points?\b)")),
    ("number", re.compile(rf"(?:\b{_MOD})?(?<![\w.$£€¥])(?:{NUM})(?![\w%$])")),
    ("quote", re.compile(r"[“\"‘]([^”\"’]{2,80})[”\"’]")),
    (
        "called",
        re.compile(
            r"\b(?:dubbed|called|named|known as|nicknamed)\s+[“\"‘]?"
            r"([^\s,;:”\"’()]+(?:\s+[A-Z0-9][^\s,;:”\"’()]*)*)"
        ),
    ),
    ("name", re.compile(rf"(?:{_CAP_WORD})(?:\s+(?:{_CONNECT}\s+)?(?:{_CAP_WORD}))*")),
]

NAME_KINDS = frozenset({"name", "quote", "called"})
# What ``find_spans`` makes when asked for values: its other patterns' kinds, numbers' quantities and
# ranges of those; "phrase", "clause" and "expansion" come from ``knowledge.reader.pick``.
VALUE_KINDS = frozenset({kind for kind, _ in _PATTERNS if kind not in NAME_KINDS} | {"quantity"})

# What each costly value pattern cannot match without (``_may_match``): most sentences hold no number
# at all, and trying the number-led patterns at every position of them was most of the time spent
# finding spans. Each test is implied by its pattern (a superset), so skipping a pattern never loses
# a match.
_ANY_NUMBER = re.compile(rf"\d|{_NUMWORD}")
_UNITS = ("second", "minute", "hour", "day", "week", "month", "year", "decade", "century")
_CURRENCY = (
    "dollars",
    "euros",
    "pounds sterling",
    "yuan",
    "yen",
    "rupees",
    "won",
    "pesos",
    "francs",
    "bitcoin",
)
_RELATIVE_WORDS = ("yesterday", "today", "tonight", "tomorrow", "week", "month", "year")
# Besides a number, each pattern needs some literal in the sentence itself, in the pattern's own case
# ("Yesterday" makes no "relative" span): ``_may_match`` looks for it with substring tests (a regex
# alternation tried at every position costs as much as the pattern), so a sentence mentioning
# "years" or "someone" does not run the number-led patterns.
# ``NUM`` starts with a digit, or with a number word no letter precedes (it follows ``\b``, a space
# or a currency sign), matched as case-insensitively as in the patterns.
_NUMBER_START = re.compile(rf"\d|(?<!\w)(?i:{_NUMWORD})")
_DIGIT = re.compile(r"\d")
_TIME_CUES = ("am", "pm", "a.m", "p.m")  # after the digits and an optional space
_TIMES_OF_DAY = ("noon", "midnight", "midday")
_MONTH_STARTS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SEASON = re.compile(r"(?i:spring|summer|autumn|fall|winter)")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RELATIVE_CUES = (
    "yesterday",
    "today",
    "tonight",
    "tomorrow",
    *(f"{which} {unit}" for which in ("last", "next", "this") for unit in ("week", "month", "year")),
    " ago",
)
_UNIT_CUES = tuple(f"{gap}{unit}" for unit in _UNITS for gap in " -")
_CURRENCY_CUES = tuple(f"{gap}{word}" for word in _CURRENCY for gap in " -")
_APPOSITIVE_AGE = re.compile(r", \d{2}, ")


def _may_match(kind: str, sentence: str, folded: str, digit: bool, number: bool, number_start: bool) -> bool:
    """False only when ``kind``'s pattern cannot match ``sentence``: a literal it needs is missing.

    ``folded``: its casefold; ``digit``: it holds one; ``number``: a digit or number word anywhere
    in ``folded``; ``number_start``: ``_NUMBER_START`` matches it (every ``NUM`` match starts with
    one; it implies ``number``). Each test covers every alternative of its pattern.
    """
    if kind == "time":
        return (digit and any(c in sentence for c in _TIME_CUES)) or any(t in sentence for t in _TIMES_OF_DAY)
    if kind == "date":  # a month (each starts with its abbreviation), 2024-05-01, "spring 2024"
        return (
            any(m in sentence for m in _MONTH_STARTS)
            or (digit and "-" in sentence)
            or ((digit or " year" in sentence) and _SEASON.search(sentence) is not None)
        )
    if kind == "weekday":
        return "day" in sentence and any(d in sentence for d in _WEEKDAY_NAMES)
    if kind == "year":
        return digit
    if kind == "relative":  # " ago" only after a number
        return any(c in sentence for c in _RELATIVE_CUES) and (
            any(w in folded for w in _RELATIVE_WORDS) or (number and "ago" in folded)
        )
    if kind == "age":  # "aged 23", "a 23-year-old", "23 years old", "Jane Doe, 51, said"
        return number_start and (
            "age" in sentence
            or "-year-old" in sentence
            or ("year" in sentence and " old" in sentence)
            or (digit and _APPOSITIVE_AGE.search(sentence) is not None)
        )
    if kind == "duration":
        return any(u in sentence for u in _UNIT_CUES)
    if kind == "money":
        return any(c in sentence for c in "$€£¥₹") or (
            number_start and any(c in sentence for c in _CURRENCY_CUES)
        )
    if kind == "percent":
        return number_start and ("%" in sentence or "percent" in sentence or "per cent" in sentence)
    if kind == "number":
        return number_start
    return True


KINDS_FOR: dict[QType, tuple[str, ...]] = {
    "when": ("date", "time", "weekday", "year", "relative"),
    "how_many": ("number", "percent", "money", "duration"),
    "how_much": ("money", "percent", "quantity", "number"),
    "how_long": ("duration", "quantity", "date"),
    "how_old": ("age", "number"),
    "who": ("name", "quote", "called", "phrase"),
    "where": ("name", "phrase"),
    "what": ("called", "quote", "name", "quantity", "number", "date", "phrase", "clause"),
    "why": ("clause",),
}
ALL_KINDS: tuple[str, ...] = (
    *(kind for kind, _ in _PATTERNS),
    "quantity",
    "expansion",
    "phrase",
    "clause",
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str

    def text(self, sentence: str) -> str:
        return sentence[self.start : self.end]

    def shifted(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset, self.kind)


@lru_cache(maxsize=8192)
def find_spans(sentence: str, values: bool = True, names: bool = True) -> tuple[Span, ...]:
    """Every typed candidate in ``sentence``; numbers followed by a noun also yield a quantity.

    ``values``/``names`` skip the value patterns (dates, numbers...) or the name-like ones (names,
    quotes, "dubbed X") when the question cannot want them. Cached: the same passages come back
    for related questions, and regexes are the costly part.
    """
    out: list[Span] = []
    taken: list[tuple[int, int]] = []
    folded = sentence.casefold()
    digit = _DIGIT.search(sentence) is not None
    number = digit or _ANY_NUMBER.search(folded) is not None  # a digit is its own casefold
    # without a number anywhere, no match can start with one
    number_start = digit or (number and _NUMBER_START.search(sentence) is not None)
    for kind, pattern in _PATTERNS:
        if not (names if kind in NAME_KINDS else values) or not _may_match(
            kind, sentence, folded, digit, number, number_start
        ):
            continue
        for m in pattern.finditer(sentence):
            a, b = (m.start(1), m.end(1)) if kind in ("quote", "called") else (m.start(), m.end())
            if kind == "called":
                while b > a and sentence[b - 1] in ".":
                    b -= 1
            text = sentence[a:b]
            if not text.strip() or (kind not in ("quote", "name", "called") and _inside(a, b, taken)):
                continue
            if kind == "money":
                rate = _RATE.match(sentence, b)
                if rate:
                    b = rate.end()  # "$600 an hour" (the duration "an hour" was taken first)
                    taken = [t for t in taken if not (a <= t[0] and t[1] <= b)]
                    out = [o for o in out if not (a <= o.start and o.end <= b)]
            if kind in ("name", "called") and _in_url(sentence, a):
                continue
            if kind == "name":
                span = _trim_name(sentence, a, b)
                if span is None:
                    continue
                a, b = span
                a, b = _name_numbers(sentence, a, b)
            out.append(Span(a, b, kind))
            if kind not in ("quote", "name", "called"):
                taken.append((a, b))
            if kind == "number":
                degrees = re.match(r"\s?°\s?[CF]?", sentence[b:])
                if degrees:
                    out.append(Span(a, b + degrees.end(), "quantity"))  # "1.7°C"
                unit = re.match(r"[- ]?(?:\([^)]*\)\s*)?([a-z][a-z-]{2,})", sentence[b:])
                if unit and unit.group(1) not in _NOT_UNITS:
                    out.append(Span(a, b + unit.end(), "quantity"))
    if values:
        out.extend(_ranges(sentence, out))
    return tuple(out)


_VALUE_KINDS = frozenset(
    {"time", "date", "year", "age", "duration", "money", "percent", "number", "quantity"}
)
_RANGE_JOIN = re.compile(r"\s*[-–—]\s*|\s+(?:to|and|or)\s+")
_RANGE_OPEN = re.compile(r"\b(?:between|from)\s+$", re.I)
# a value with its own unit ("5 dead", "3 years") opens a list more often than a range
_RANGE_FIRST = frozenset({"time", "date", "year", "money", "percent", "number"})


def _ranges(sentence: str, found: list[Span]) -> list[Span]:
    """Two values joined as a range or a pair ("six to seven minutes", "between 1953 and 1956").

    The range takes the second value's kind (its unit usually comes last); with "between"/"from"
    in front, that wording is offered as well. Both ends stay candidates of their own.
    """
    values = [v for v in found if v.kind in _VALUE_KINDS]
    starting: dict[int, list[Span]] = {}
    for v in values:
        starting.setdefault(v.start, []).append(v)
    out: list[Span] = []
    for first in values:
        if first.kind not in _RANGE_FIRST:
            continue
        join = _RANGE_JOIN.match(sentence, first.end)
        if join is None:
            continue
        opening = _RANGE_OPEN.search(sentence, max(0, first.start - 10), first.start)
        for second in starting.get(join.end(), ()):
            # every reading of the second value ("100" and "100 trucks") makes its own range; a bare
            # number after a date or a sum is that date's day or that sum ("June 13 to 17", "$5 to 8")
            kind = first.kind if second.kind == "number" and first.kind != "number" else second.kind
            for start in (first.start, *((opening.start(),) if opening else ())):
                span = Span(start, second.end, kind)
                if span not in out:
                    out.append(span)
    return out


_NOT_UNITS = frozenset(
    wordlist("of the and or to in on at for from by with as is was are were has had have that which who when")
)
_NAME_STOP = frozenset(
    wordlist("""the a an in on at after before but and or if when while as this that these those it its his
    her their our we they he she i you according however meanwhile also last next earlier later then
    there here what who where why how under over with without from into for by during since until
    through across among despite monday tuesday wednesday thursday friday saturday sunday
    said says""")
)


def _trim_name(sentence: str, a: int, b: int) -> tuple[int, int] | None:
    """Drop sentence-initial function words ("The", "After") and dangling connectors from a name."""
    words = list(re.finditer(r"\S+", sentence[a:b]))
    while words and words[0].group().lower().strip("“\"'") in _NAME_STOP:
        words.pop(0)
    while words and words[-1].group().lower() in ("of", "de", "and", "&", "the", "for", "on"):
        words.pop()
    if not words:
        return None
    start, end = a + words[0].start(), a + words[-1].end()
    if sentence[end : end + 1] == "." and re.search(r"(?:\b[A-Z]\.)+[A-Z]$", sentence[start:end]):
        end += 1  # keep the last dot of "K.K." / "U.S."
    if re.fullmatch(rf"{MONTHS}|{WEEKDAYS}", sentence[start:end]):
        return None
    while end > start and sentence[end - 1] in ".,’'":
        if sentence[end - 1] == "." and re.search(
            r"\b(?:[A-Z]\.)+$|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|K\.K)\.$", sentence[start:end]
        ):
            break
        end -= 1
    return (start, end) if end > start else None


_RATE = re.compile(
    r"\s+(?:an?|per)\s+(?:hour|day|night|week|month|year|head|person|share|barrel|gallon|ton)\b"
)


def _name_numbers(sentence: str, a: int, b: int) -> tuple[int, int]:
    """Names that carry a number: "Senate Bill 10", "Section 9", "the 4th District Court"."""
    after = re.match(r" (\d{1,3})\b(?![.,:/%]?\d)(?!%| percent)", sentence[b:])
    if after:
        b += after.end()
    before = re.search(r"\b\d{1,3}(?:st|nd|rd|th) $", sentence[:a])
    if before:
        a = before.start()
    return a, b


def _in_url(sentence: str, at: int) -> bool:
    """Whether position ``at`` lies inside a URL-like chunk ("pic.twitter.com/U7PMa4oNGN")."""
    start = sentence.rfind(" ", 0, at) + 1
    end = sentence.find(" ", at)
    chunk = sentence[start : end if end >= 0 else len(sentence)]
    return "/" in chunk and ("." in chunk.split("/")[0] or "://" in chunk)


def _inside(a: int, b: int, taken: list[tuple[int, int]]) -> bool:
    return any((x <= a and b <= y) or (a < y and x < b) for x, y in taken)
