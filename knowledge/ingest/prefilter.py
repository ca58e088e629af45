"""A literal prefilter for slow regular expressions: skip the search when it cannot match.

A pattern that is one long alternation (``_TEMPLATE`` in :mod:`knowledge.ingest.boilerplate` has
about thirty branches) is tried branch by branch at every position of every paragraph: about half a
millisecond a paragraph, the largest single cost of reading a plain-text file. But every branch
needs some literal text ("newsletter", "cookie", "©"), so a paragraph holding none of them cannot
match, and a substring test says so a hundred times faster.

:func:`needs` reads the pattern's parse tree: a sequence needs each of its literal runs and
mandatory groups, an alternation needs what one of its branches needs (None when it cannot tell,
and then nothing is skipped). Text is compared in
lower case, with the four non-ASCII letters that case-insensitive patterns match to ASCII letters
mapped first, so the answer is the pattern's own: :meth:`Prefiltered.search` returns exactly what
``pattern.search`` returns.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# The non-ASCII letters an IGNORECASE pattern matches to ASCII ones (Python's re documentation).
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def folded(text: str) -> str:
    """``text`` as the prefilter compares it: lower case, with re's ASCII case equivalents."""
    return text.translate(_ASCII_FOLD).lower() if not text.isascii() else text.lower()


# What a match must contain: a literal, all of some needs, or any of some needs.
Need = str | tuple[str, tuple["Need", ...]]


def needs(pattern: re.Pattern[str]) -> Need | None:
    """What every match of ``pattern`` contains, in lower case, or None."""
    try:
        sre = importlib.import_module("re._constants")
        parser = importlib.import_module("re._parser")  # the parser re itself uses (Python 3.11+)
        tree = parser.parse(pattern.pattern, pattern.flags)
        return _sequence(list(tree), sre)
    except (ImportError, AttributeError, TypeError, ValueError, re.error):  # another Python's re
        log.debug("no prefilter for %.40r", pattern.pattern)
        return None


# Literals too common in prose to screen anything out.
_COMMON = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "and",
        "or",
        "is",
        "are",
        "our",
        "this",
        "that",
        "up",
        "s",
        "e",
        "us",
    ]
)


def _rarity(need: Need) -> int:
    if isinstance(need, str):
        core = need.strip()
        if core in _COMMON or not core:
            return 0
        return len(core) + (4 if len(core) == 1 and not core.isalnum() else 0)  # "?", "©"
    kind, parts = need
    scores = [_rarity(part) for part in parts]
    return max(scores) if kind == "all" else min(scores)


def screen(need: Need) -> frozenset[str] | None:
    """Literals one of which every match contains: for each alternative, its rarest requirement.

    A flat set is a few substring tests, where walking the whole tree in Python would cost about
    as much as the search; None when some alternative needs nothing rare enough to be worth testing.
    """
    if isinstance(need, str):
        return frozenset({need}) if _rarity(need) else None
    kind, parts = need
    if kind == "any":
        options = [screen(part) for part in parts]
        if any(option is None for option in options):
            return None
        return frozenset().union(*[o for o in options if o is not None])
    best = max(parts, key=_rarity)
    return screen(best) if _rarity(best) else None


def _sequence(items: Iterable[tuple[Any, Any]], sre: Any) -> Need | None:
    """Every literal run and every mandatory group of a sequence must be in the match."""
    parts: list[Need] = []
    run: list[str] = []

    def close() -> None:
        if run:
            parts.append("".join(run))
            run.clear()

    repeats = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg).lower())
            continue
        close()
        found: Need | None = None
        if op is sre.SUBPATTERN:
            found = _sequence(arg[-1], sre)
        elif op is sre.BRANCH:
            options = [_sequence(branch, sre) for branch in arg[1]]
            if all(option is not None for option in options):
                found = ("any", tuple(o for o in options if o is not None))
        elif op in repeats and arg[0] >= 1:
            found = _sequence(arg[2], sre)
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            found = _sequence(arg, sre)
        if found is not None:
            parts.append(found)
    close()
    if not parts:
        return None
    # the longest literals first: they are the rarest, so a missing one ends the test soonest
    parts.sort(key=lambda part: -len(part) if isinstance(part, str) else 0)
    return parts[0] if len(parts) == 1 else ("all", tuple(parts))


class Prefiltered:
    """``pattern`` with :func:`needs` checked first; ``search`` answers as ``pattern.search``."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        need = needs(pattern)
        found = screen(need) if need is not None else None
        # a literal holding another is implied by it: test only the shortest of each chain
        self.screen = found and frozenset(a for a in found if not any(b != a and b in a for b in found))

    def search(self, text: str) -> re.Match[str] | None:
        if self.screen is not None:
            lowered = folded(text)
            if not any(literal in lowered for literal in self.screen):
                return None
        return self.pattern.search(text)
