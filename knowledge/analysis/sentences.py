"""Abbreviation-aware sentence splitting for quoting ("Dec. 30", "U.S.", "Mr. Smith", "6 p.m.").

A full stop ends a sentence only when the next word starts like a sentence (capital letter, digit
after "!"/"?", or an opening quote) and the word before it is not a known abbreviation, an initial,
or a dotted acronym. Returns character offsets so callers can quote the original text exactly.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from knowledge.analysis.tokenize import wordlist

log = logging.getLogger(__name__)

ABBREVIATIONS: frozenset[str] = frozenset(
    wordlist("""mr mrs ms dr prof sr jr st mt ft gen gov sen rep lt col capt sgt cpl maj adm rev hon pres supt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    vs v etc approx dept est fig inc ltd co corp bros ave blvd rd hwy univ assn
    a.m p.m e.g i.e u.s u.k u.n u.s.a d.c n.y l.a e.u""")
)
# Abbreviations that often do end a sentence: split after them when a capitalised word follows.
_SENTENCE_FINAL_OK = frozenset({"etc", "inc", "ltd", "co", "corp", "bros"})
_FOLLOWERS_OF_TIME = re.compile(
    r"(?:on\b|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|et\b|pt\b|est\b|gmt\b"
    r"|utc\b|\()"
    r"|(?-i:[A-Z]{1,3}[SD]?T\b)",  # time zones: "10:00 a.m. PDT (5 p.m. UTC)", "9 a.m. AEDT"
    re.I,
)

_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_boundary(text: str, end_punct: int, next_start: int) -> bool:
    """Decide whether the punctuation ending at ``end_punct`` closes a sentence."""
    if next_start >= len(text):
        return True
    nxt = text[next_start]
    punct = text[end_punct - 1] if end_punct > 0 else "."
    head = text[:end_punct].rstrip("\"'”’)]")
    if head.endswith(("!", "?", "…")):
        return nxt.isupper() or nxt.isdigit() or nxt in "\"“‘'("
    if not (nxt.isupper() or nxt in '"“‘('):
        return False
    # Only the word before the stop matters: searching the whole head each time was quadratic.
    m = (
        _WORD_BEFORE.search(head, max(0, len(head) - 81), len(head) - 1)
        if punct == "." or head.endswith(".")
        else None
    )
    if m is None:
        return True
    word = m.group(1).lower().strip(".")
    if len(word) == 1 and word.isalpha() and head[-2:-1].isupper():
        return False  # an initial: "J. K. Rowling"
    if word in ("a.m", "p.m"):
        return _FOLLOWERS_OF_TIME.match(text, next_start) is None
    if word in ABBREVIATIONS:
        return word in _SENTENCE_FINAL_OK
    return not re.fullmatch(r"(?:[a-z]\.)+[a-z]", word)  # other dotted acronyms: "U.S.A."


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        punct_end = m.end() - len(m.group()) + len(m.group().rstrip())
        if _is_boundary(text, punct_end, m.end()):
            spans.append((start, punct_end))
            start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            out.append((a, b))
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[a:b] for a, b in sentence_spans(text)]


@lru_cache(maxsize=8192)
def quote_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """The sentences a passage is quoted by (the whole text when it has no break), as offsets.

    The reader's quote windows and the stored sentence vectors both follow this split, so they
    always line up.
    """
    return tuple(sentence_spans(text)) or ((0, len(text)),)
