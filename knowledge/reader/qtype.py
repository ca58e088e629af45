"""What kind of answer a question wants ("when" -> a date, "how many" -> a count, ...).

Rules over the folded question, in order: the first matching rule wins. The type steers both
ranking (a sentence holding a date is a better answer to "when") and the short answer span.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from knowledge.analysis.tokenize import fold, stem, wordlist

log = logging.getLogger(__name__)

QType = Literal["when", "who", "where", "how_many", "how_much", "how_long", "how_old", "why", "what"]

_PLACE_NOUNS = (
    r"city|town|country|state|province|county|island|lake|river|hospital|place|region|village|street|road"
    r"|airport|port|area|neighbou?rhood|district|venue|location|prison|school|university|building|park"
)
_ORG_PERSON_NOUNS = (
    r"company|firm|organi[sz]ation|group|team|agency|person|man|woman|player|actor|director|ceo|coo|cfo"
    r"|official|minister|president|researcher|scientist|author|airline|bank|brand|maker|manufacturer|carrier"
    r"|startup|club|party|network|outlet|newspaper|website|site|body|authority|court|union|candidate"
)
_MONEY = (
    r"cost|costs|price|priced|worth|value|valued|pay|paid|spend|spent|invest|invested|fine|fined|money"
    r"|fund|budget|salary|raise|raised|charge|fee|rich|wealthy"
)
_COUNTISH = r"toll|number|count|total|figure|score|tally|population|threshold"
# A question that opens with its wh-word has said what it wants before any keyword below can
# mislead ("who's in charge", "when did they pay"): "whos" and "who's" as typed in chat.
_OPENING: list[tuple[QType, re.Pattern[str]]] = [
    ("who", re.compile(r"(?:who|whom|whose|whos|who['’]s)\b")),
    ("when", re.compile(r"(?:when|whens|when['’]s)\b")),
    ("where", re.compile(r"(?:where|wheres|where['’]s)\b")),
]

_RULES: list[tuple[QType, re.Pattern[str]]] = [
    ("how_old", re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b|\bage\b.*\bwhen\b")),
    (
        "how_long",
        re.compile(
            r"\bhow long\b|\bfor how many (?:days|weeks|months|years|hours|minutes)\b"
            r"|\bhow (?:quick|quickly|soon|often|frequently)\b"
        ),
    ),
    ("how_many", re.compile(r"\bhow many\b|\bnumber of\b")),
    (
        "how_much",
        re.compile(
            r"\bhow much\b|\bhow (?:loud|fast|big|large|high|tall|far|heavy|hot|cold|deep)\b"
            rf"|\b(?:{_MONEY})\b"
        ),
    ),
    (
        "when",
        re.compile(
            r"\bwhen\b|\bwhat (?:time|date|day|year|month)\b|\bwhich (?:year|day|date|month)\b"
            r"|\bwhat year\b|\bsince when\b|\buntil when\b|\bdate\b|\bdeadline\b"
        ),
    ),
    ("where", re.compile(rf"\bwhere\b|\b(?:which|what) (?:\w+ ){{0,3}}(?:{_PLACE_NOUNS})\b")),
    (
        "who",
        re.compile(
            rf"\bwho\b|\bwhom\b|\bwhose\b|\b(?:which|whats?)(?: \w+){{0,4}} (?:{_ORG_PERSON_NOUNS})(?:'s)?\b"
        ),
    ),
    ("why", re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to)\b|\breason\b|\bhow come\b")),
    ("how_many", re.compile(rf"\b(?:what|which)(?: \w+){{0,3}} (?:{_COUNTISH})\b")),
    ("how_much", re.compile(r"\b(?:what|which)(?: [\w'’]+){0,8} (?:rate|percentage|share|proportion)\b")),
]


def question_type(question: str) -> QType:
    """Classify a question by the kind of answer it expects."""
    q = fold(question)
    opening = q.lstrip(" \t\"'“‘(")
    for qtype, pattern in _OPENING:
        if pattern.match(opening):
            return qtype
    for qtype, pattern in _RULES:
        if pattern.search(q):
            return qtype
    return "what"


def wants(question: str) -> tuple[str, ...]:
    """Finer hints inside a type, e.g. ("time",) for "what time", ("head:lake",) for "which lake".

    ``time``/``year``/``percent``/``money``/``quantity``: the kind of value wanted; ``head:<stem>``:
    the noun after which/what, which a good answer often contains ("Lake Berryessa");
    ``acronym:<X>``: "what does X stand for"; ``of``: "how many of the ..."; ``called``: a name is asked.
    """
    q = fold(question)
    out: list[str] = []
    if re.search(r"\bwhat time\b|\bwhat hour\b|\bfrom what time\b|\bat what time\b", q):
        out.append("time")
    if re.search(r"\b(?:what|which) year\b|\bby when\b|\bin what year\b", q):
        out.append("year")
    if re.search(r"\bpercent|\bpercentage\b|%|\brate\b|\bshare\b|\bhow much of\b", q):
        out.append("percent")
    if re.search(rf"\b(?:{_MONEY})\b|\bhow much money\b", q):
        out.append("money")
    if re.search(r"\bhow (?:loud|fast|big|large|high|tall|far|heavy|hot|cold|deep|long|wide)\b", q):
        out.append("quantity")
    if re.search(r"\bhow many of\b", q):
        out.append("of")
    if re.search(r"\b(?:called|named|name of|dubbed|known as)\b", q):
        out.append("called")
    head = re.search(r"\b(?:which|what)((?:\s+[a-z]+){1,4})", q)
    if head:
        following = head.group(1).split()
        if following[0] in ("kind", "sort", "type") and following[1:2] == ["of"]:
            following = following[2:] or following  # "what kind of traffic" -> traffic
        nouns = [w for w in following if _HEAD_NOUN.fullmatch(w)]
        if nouns:
            out.append("head:" + stem(nouns[0]))
        elif following[0] not in _NOT_HEADS:
            out.append("head:" + stem(following[0]))
    acronym = re.search(r"\bwhat (?:does|do|did) ([a-z0-9]{2,8}) stand for\b", q)
    if acronym:
        out.append("acronym:" + acronym.group(1))
    return tuple(out)


_HEAD_NOUN = re.compile(
    rf"(?:{_PLACE_NOUNS}|{_ORG_PERSON_NOUNS}|movie|film|show|book|song|game|app|phone|model)s?"
)
_NOT_HEADS = frozenset(
    wordlist("""is was are were does do did has have had will would can could should kind sort type of
    the a an year time day date""")
)
