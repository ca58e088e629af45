"""Text -> index terms: fold case and accents, keep numbers whole, drop stopwords, stem.

Both the index and the query go through ``terms()`` so they always agree; ``words()`` keeps
the unstemmed folded words for typo correction and sentence-level matching.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import Stemmer

log = logging.getLogger(__name__)


# Numbers keep their inner separators ("8,668", "4.3", "6:36", "1.2-billion" -> "1.2", "billion");
# words keep inner apostrophes only long enough to be stripped below ("blackberry's" -> "blackberry").
def wordlist(text: str) -> list[str]:
    """Whitespace-separated words of a literal (keeps long word lists readable)."""
    return text.split()


_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:[^\W\d_]+\d*)?|[^\W_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_APOSTROPHE = re.compile(r"['’]")

STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn't",
        "we",
        "were",
        "weren't",
        "what",
        "what's",
        "whats",
        "when",
        "where",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "whos",
        "why",
        "will",
        "with",
        "won't",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "u",
        "ur",
        "r",
        "im",
        "ive",
        "id",
        "youre",
        "thats",
        "theres",
        "whats",
        "hows",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
    ]
)

_STEMMER = Stemmer.Stemmer("english")
_STEMMER.maxCacheSize = 200_000


def fold(text: str) -> str:
    """Casefold and strip accents ("São Paulo" -> "sao paulo"), so typing without them still matches."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    # Most non-ASCII news text only has curly quotes and dashes: look at each distinct character
    # once, and walk the whole text only when there are accents to drop.
    if not any(unicodedata.combining(ch) for ch in set(decomposed) if not ch.isascii()):
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Chat spellings expanded before anything else, so "14 yr old" matches "14-year-old".
CHAT: dict[str, str] = {
    "yr": "year",
    "yrs": "years",
    "yo": "year",
    "ppl": "people",
    "govt": "government",
    "gov": "government",
    "bc": "because",
    "cuz": "because",
    "tho": "though",
    "thru": "through",
    "pls": "please",
    "plz": "please",
    "abt": "about",
    "w": "with",
    "b4": "before",
    "2day": "today",
    "tmrw": "tomorrow",
    "n": "and",
    "mil": "million",
    "bn": "billion",
    "k": "thousand",
    "hrs": "hours",
    "mins": "minutes",
    "wk": "week",
}


def words(text: str) -> list[str]:
    """Folded word and number tokens, stopwords included, possessives dropped."""
    folded = fold(text)
    tokens = _TOKEN.findall(folded)
    if "'" not in folded and "’" not in folded:
        return tokens  # nothing for ``_clean`` to drop
    return [_clean(tok) for tok in tokens]


def _clean(tok: str) -> str:
    """Drop possessive "'s" and inner apostrophes ("blackberry's" -> "blackberry", "don't" -> "dont")."""
    if ("'" in tok or "’" in tok) and not tok[0].isdigit():
        return _APOSTROPHE.sub("", _POSSESSIVE.sub("", tok))
    return tok


_SHORT_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(k|m|bn)")
_SCALE = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}


def query_words(text: str) -> list[str]:
    """``words`` of a typed question, chat spellings ("yr", "ppl") and "100k" expanded."""
    out = []
    for w in words(text):
        short = _SHORT_NUMBER.fullmatch(w)
        if short:
            w = f"{round(float(short.group(1)) * _SCALE[short.group(2)]):,}"
        out.append(CHAT.get(w, w))
    return out


@lru_cache(maxsize=400_000)
def stem(word: str) -> str:
    """Snowball-stem one folded word; numbers are left alone."""
    if word[0].isdigit():
        return word.replace(",", "")
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """Index terms of ``text`` in order: folded, stopwords removed, stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


@lru_cache(maxsize=16_384)
def word_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """(folded word, start, end) for every token of the original ``text``.

    Accent folding can change string length, so offsets come from matching the raw text and
    folding each token separately. Cached: answering looks at the same sentences repeatedly.
    """
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        tok = _clean(tok.lower() if tok.isascii() else fold(tok))
        out.append((tok, m.start(), m.end()))
    return tuple(out)
