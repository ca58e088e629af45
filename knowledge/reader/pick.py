"""Choose the short answer inside a quoted sentence.

Every candidate span of a kind the question can want (``knowledge.reader.spans``) is described by a
few general features (does its kind suit the question, does it merely repeat the question, how close
it sits to the question's words, does it satisfy a hint such as "what year") and scored by a
logistic model whose weights come from ``bench/fit.py``. The score is the estimated probability that
the span is the answer, so spans from different sentences can be compared.
"""

from __future__ import annotations

import logging
import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from knowledge.analysis.tokenize import STOPWORDS, stem, word_spans, wordlist
from knowledge.reader.model import LinearModel, sigmoid
from knowledge.reader.qtype import QType
from knowledge.reader.question import QuestionView
from knowledge.reader.spans import ALL_KINDS, KINDS_FOR, NAME_KINDS, VALUE_KINDS, Span, find_spans

log = logging.getLogger(__name__)

# Words that name the kind of answer ("age 23", "72 hours"): repeating them from the question is fine.
_UNIT_STEMS = frozenset(
    stem(w)
    for w in wordlist("""age aged old year years month months week weeks day days hour hours minute minutes
    percent million billion thousand time""")
)
_PLACE_WORDS = frozenset(
    wordlist("""island lake river hospital county city town state province street avenue road park bay beach
    mountain valley airport station square district center centre university school church""")
)
_CUES = re.compile(r"\b(?:because|since|as a result of|due to|so that|in order to|after)\b", re.I)
_CUE_BEFORE = re.compile(r"\b(?:because(?: of)?|since|due to|so that|in order to|after)\s*$", re.I)
_PREPOSITION_BEFORE = re.compile(r"\b(?:in|at|from|near|into|inside|to)\s*$", re.I)
# A role or title written just before a name says the name is a person's ("spokesman David Heath",
# "Congresswoman Maxine Waters", "Hon. Keith Mitchell"): news introduces people that way.
_ROLES = (
    r"ceo|chief|chairman|chairwoman|chair|president|director|minister|secretary|spokesman|spokeswoman"
    r"|spokesperson|governor|mayor|senator|congressman|congresswoman|representative|judge|lawyer|attorney"
    r"|coach|manager|editor|founder|co-founder|coordinator|professor|prof|dr|mr|mrs|ms|sir|lord|lady|hon"
    r"|officer|commissioner|ambassador|general|captain|inspector|sergeant|author|writer|researcher|scientist"
    r"|analyst|economist|executive|head|leader|member|mp|premier|king|queen|prince|princess|pope|veterinarian"
)
_ROLE_BEFORE = re.compile(rf"\b(?:{_ROLES})\.?\s*$", re.I)
_ROLE_FIRST = re.compile(rf"(?:{_ROLES})\b\.?\s", re.I)
_PERSON_AFTER = re.compile(
    r",?\s+(?:said|says|wrote|told|added|announced|explained|noted)\b|,\s+(?:a|an|the)\s"
)

SPAN_FEATURES: tuple[str, ...] = (
    "pref",
    "first_kind",
    *(f"kind_{k}" for k in ALL_KINDS),
    "repeated",
    "all_repeated",
    "anchor_near",
    "anchor_none",
    "anchors_around",
    "len1",
    "len2",
    "len4p",
    "hint_ok",
    "hint_miss",
    "unit_in_question",
    "head_in_span",
    "preposition_before_where",
    "place_word_where",
    "person_cue_who",
    "at_start",
    "day_number",
    "new_words",
    "cue_before",
    "role_before",
)


_KIND_INDEX = {kind: i for i, kind in enumerate(ALL_KINDS)}
_BESIDE = 30  # characters either side of a span that count as beside it (about five words)
_UNIT_AFTER = re.compile(r"[\s-]*(?:of\s+)?([A-Za-z][\w-]*)")


@dataclass(frozen=True, slots=True)
class SpanChoice:
    span: Span
    probability: float


@lru_cache(maxsize=16_384)
def _token_starts(sentence: str) -> list[int]:
    return [a for _, a, _ in word_spans(sentence)]


def span_words(span: Span, sentence: str) -> Sequence[tuple[str, int, int]]:
    """``word_spans`` of the span's text, sliced from the sentence's own when the span cuts no word.

    Tokenising every candidate span again was a good part of picking one; where a span starts or
    ends inside a word ("US$5" of "US$5bn") its text is tokenised on its own, as before.
    """
    tokens = word_spans(sentence)
    starts = _token_starts(sentence)
    i = bisect_left(starts, span.start)
    j = bisect_left(starts, span.end)
    if (i > 0 and tokens[i - 1][2] > span.start) or (j > i and tokens[j - 1][2] > span.end):
        return word_spans(span.text(sentence))
    return tokens[i:j]


def candidates(sentence: str, q: QuestionView) -> list[Span]:
    """Every span of ``sentence`` of a kind the question type can want."""
    kinds = KINDS_FOR[q.qtype]
    out: list[Span] = []
    for hint in q.hints:
        if hint.startswith("acronym:"):
            expansion = _expansion(sentence, hint[8:])
            if expansion is not None:
                out.append(expansion)
    # a "who" question wants names and phrases: no value pattern need run (names never depend on them)
    values = not VALUE_KINDS.isdisjoint(kinds)
    names = not NAME_KINDS.isdisjoint(kinds)
    out.extend(s for s in find_spans(sentence, values=values, names=names) if s.kind in kinds)
    if "phrase" in kinds:
        out.extend(_phrases(sentence, q))
    if "clause" in kinds:
        out.extend(_clauses(sentence, q))
    return out


def features(span: Span, sentence: str, q: QuestionView, anchors: list[float]) -> list[float]:
    """The ``SPAN_FEATURES`` of one candidate, in order."""
    return _place(_layout_features(span, sentence, q, anchors), _word_features(span, sentence, q))


# Features that need the span's words or the text around it; the rest (its kind, length, distance to
# the question's words) are cheap. Each lies in [0, 1], which bounds what it can add to a score.
_WORD_FEATURES = (
    "repeated",
    "all_repeated",
    "unit_in_question",
    "head_in_span",
    "preposition_before_where",
    "place_word_where",
    "person_cue_who",
    "new_words",
    "cue_before",
    "role_before",
)
_LAYOUT_FEATURES = tuple(name for name in SPAN_FEATURES if name not in _WORD_FEATURES)
_LAYOUT_AT = tuple(SPAN_FEATURES.index(name) for name in _LAYOUT_FEATURES)
_WORD_AT = tuple(SPAN_FEATURES.index(name) for name in _WORD_FEATURES)
_NUMERIC_KINDS = frozenset({"number", "quantity", "percent", "money", "duration"})


def _place(layout: Sequence[float], word: Sequence[float]) -> list[float]:
    """The two halves in ``SPAN_FEATURES`` order."""
    row = [0.0] * len(SPAN_FEATURES)
    for at, value in zip(_LAYOUT_AT, layout, strict=True):
        row[at] = value
    for at, value in zip(_WORD_AT, word, strict=True):
        row[at] = value
    return row


def _layout_features(span: Span, sentence: str, q: QuestionView, anchors: list[float]) -> list[float]:
    """The cheap features, in ``_LAYOUT_FEATURES`` order."""
    text = span.text(sentence)
    n_words = len(text.split())
    mid = (span.start + span.end) / 2
    if anchors:
        distance = min(abs(mid - a) for a in anchors)
        anchor_near, anchor_none = math.exp(-distance / 40), 0.0
        # the question's words right beside the span, not just the nearest one: an answer tends to
        # sit among what the question says of it ("would be run by ... Sergei Bogdanchikov")
        beside = sum(
            1 for a in anchors if span.start - _BESIDE <= a < span.start or span.end < a <= span.end + _BESIDE
        )
        anchors_around = min(beside, 3) / 3
    else:
        anchor_near, anchor_none, anchors_around = 0.0, 1.0, 0.0
    hint_ok, hint_miss = _hints(span, text, q.hints) if q.hints else (0.0, 0.0)
    return [
        *_kind_features(preferred_kinds(q), span.kind),
        anchor_near,
        anchor_none,
        anchors_around,
        float(n_words == 1),
        float(n_words == 2),
        float(n_words >= 4),
        hint_ok,
        hint_miss,
        float(not sentence[: span.start].strip()),
        float(span.kind == "date" and any(ch.isdecimal() for ch in text)),
    ]


# the kinds a value hint asks for: "what time" wants a time before a date, "what year" a year
_HINTED_KINDS = {"time": ("time",), "year": ("year",), "money": ("money",), "percent": ("percent",)}


def preferred_kinds(q: QuestionView) -> tuple[str, ...]:
    """``KINDS_FOR`` the question's type, with the kinds its hints name moved to the front."""
    return _preferred(q.qtype, q.hints)


@lru_cache(maxsize=1024)
def _preferred(qtype: QType, hints: tuple[str, ...]) -> tuple[str, ...]:
    kinds = KINDS_FOR[qtype]
    hinted = [k for hint in hints for k in _HINTED_KINDS.get(hint, ()) if k in kinds]
    return (*dict.fromkeys(hinted), *(k for k in kinds if k not in hinted))


@lru_cache(maxsize=1024)
def _kind_features(kinds: tuple[str, ...], kind: str) -> tuple[float, ...]:
    """pref, first_kind and the kind's one-hot row: what a span's kind alone says (once per kind).

    ``kinds``: the question's ``preferred_kinds``.
    """
    index = kinds.index(kind) if kind in kinds else len(kinds)
    kind_row = [0.0] * len(ALL_KINDS)
    kind_row[_KIND_INDEX[kind]] = 1.0
    return (1.0 - index / len(kinds), float(index == 0), *kind_row)


def _word_features(
    span: Span, sentence: str, q: QuestionView, around: Sequence[float] | None = None
) -> list[float]:
    """The features that read the span's words and its surroundings, in ``_WORD_FEATURES`` order.

    ``around``: the span's ``_context_features``, when already known.
    """
    inside = span_words(span, sentence)
    # a single letter (a middle initial, "Hayley N. Hull") says nothing of whether a name is new
    stems = [s for s in (stem(w) for w, _, _ in inside) if s not in _UNIT_STEMS and len(s) > 1] or ["-"]
    heads = q.heads
    head_in_span = span.kind in NAME_KINDS and not heads.isdisjoint(stems)
    if head_in_span:
        stems = [s for s in stems if s not in heads] or ["-"]
    repeated = sum(1 for s in stems if s in q.stems) / len(stems)
    new_words = sum(1 for w, _, _ in inside if len(w) > 1 and w not in STOPWORDS and stem(w) not in q.stems)
    return _word_row(
        (repeated, float(repeated >= 1.0), float(head_in_span), min(new_words, 8) / 8),
        around if around is not None else _context_features(span, sentence, q),
    )


def _word_row(own: Sequence[float], around: Sequence[float]) -> list[float]:
    """The word features in ``_WORD_FEATURES`` order from the two kinds: ``own`` (repeated,
    all_repeated, head_in_span, new_words), which read the span's words, and ``_context_features``."""
    repeated, all_repeated, head_in_span, new_words = own
    unit_in_question, preposition_before, place_word, person_cue, cue_before, role_before = around
    return [
        repeated,
        all_repeated,
        unit_in_question,
        head_in_span,
        preposition_before,
        place_word,
        person_cue,
        new_words,
        cue_before,
        role_before,
    ]


def _context_features(
    span: Span, sentence: str, q: QuestionView
) -> tuple[float, float, float, float, float, float]:
    """The word features read off the text around the span, not its words' stems (cheap to know).

    In ``_WORD_FEATURES`` order: unit_in_question, preposition_before_where, place_word_where,
    person_cue_who, cue_before, role_before; the fitted span model weighs these up (the own-word
    ones down), so knowing them bounds a span's score far more tightly than assuming each holds
    (``best_span``).
    """
    unit = _UNIT_AFTER.match(sentence, span.end) if span.kind in _NUMERIC_KINDS else None
    unit_in_question = unit is not None and stem(unit.group(1).lower()) in q.stems
    where = q.qtype == "where"
    return (
        float(unit_in_question),
        float(where and _ends_with(_PREPOSITION_BEFORE, sentence, span.start, 6)),
        float(where and any(w.lower() in _PLACE_WORDS for w in span.text(sentence).split())),
        float(q.qtype == "who" and _PERSON_AFTER.match(sentence, span.end) is not None),
        float(_ends_with(_CUE_BEFORE, sentence, span.start, 11)),
        float(_role_before(span, sentence, q.qtype)),
    )


def _role_before(span: Span, sentence: str, qtype: QType) -> bool:
    """A name asked for by "who"/"what" with a role or title just before it, or as its first word."""
    if span.kind != "name" or qtype not in ("who", "what"):
        return False
    return _ends_with(_ROLE_BEFORE, sentence, span.start, 16) or (
        _ROLE_FIRST.match(sentence, span.start) is not None
    )


@lru_cache(maxsize=16)
def _halves(model: LinearModel) -> tuple[LinearModel, LinearModel]:
    """``model`` split into its ``_LAYOUT_FEATURES`` part (with the bias) and its ``_WORD_FEATURES`` part."""
    return (
        LinearModel(_LAYOUT_FEATURES, tuple(model.weights[at] for at in _LAYOUT_AT), model.bias),
        LinearModel(_WORD_FEATURES, tuple(model.weights[at] for at in _WORD_AT), 0.0),
    )


@lru_cache(maxsize=16)
def _own_word_ceiling(word: LinearModel) -> tuple[float, ...]:
    """The most each feature reading the span's own words (``_word_row``'s ``own``) can be, as far
    as the ``word`` half of a span model cares: each lies in [0, 1], so 1 where its weight is
    positive, else 0."""
    weight = dict(zip(word.names, word.weights, strict=True))
    return tuple(
        float(weight[name] > 0) for name in ("repeated", "all_repeated", "head_in_span", "new_words")
    )


@lru_cache(maxsize=1024)
def _loose_word_bound(word: LinearModel, kind: str, qtype: str) -> float:
    """``_word_bound`` before anything is read: every word feature a ``kind`` span for a ``qtype``
    question can have is taken to hold where the ``word`` model weighs it up."""
    weight = dict(zip(word.names, word.weights, strict=True))
    applies = {
        "unit_in_question": kind in _NUMERIC_KINDS,
        "preposition_before_where": qtype == "where",
        "place_word_where": qtype == "where",
        "person_cue_who": qtype == "who",
        "cue_before": True,
        "role_before": kind == "name" and qtype in ("who", "what"),
    }
    around = tuple(float(weight[name] > 0 and holds) for name, holds in applies.items())
    return _word_bound(word, _own_word_ceiling(word), around)


def _word_bound(word: LinearModel, ceiling: Sequence[float], around: Sequence[float]) -> float:
    """The most the ``_WORD_FEATURES`` can add to a span's score: ``ceiling`` bounds its own-word
    features, ``around`` its ``_context_features`` (read, or as in ``_loose_word_bound``).

    Every product is at most its bound's and the sum runs in the same order, so (rounding being
    monotone) the sum is too; the margin covers any doubt about that.
    """
    return word.score(_word_row(ceiling, around)) + _BOUND_MARGIN


_BOUND_MARGIN = 1e-9


def anchors_of(sentence: str, q: QuestionView) -> list[float]:
    """Midpoints of the question's words in ``sentence``."""
    return [(a + b) / 2 for w, a, b in word_spans(sentence) if w not in STOPWORDS and stem(w) in q.stems]


def best_span(sentence: str, q: QuestionView, model: LinearModel) -> SpanChoice | None:
    """The most probable answer span of ``sentence``, or None when it holds no candidate.

    Spans are scored on their cheap features first; the word features are computed only for spans
    whose bound (cheap score plus the most the word features could add) can still beat the best
    exact score so far: the same span wins as when every span is scored in full, with the same sum.
    The bound is tightened in two steps: first assuming every word feature its kind and the
    question allow, then with the ``_context_features`` read (the ones the model weighs up).
    """
    found = candidates(sentence, q)
    if not found:
        return None
    anchors = anchors_of(sentence, q)
    layout, word = _halves(model)
    cheap = [layout.score(_layout_features(span, sentence, q, anchors)) for span in found]
    ceiling = _own_word_ceiling(word)
    loose = {kind: _loose_word_bound(word, kind, q.qtype) for kind in {span.kind for span in found}}
    bound = [c + loose[span.kind] for c, span in zip(cheap, found, strict=True)]
    best, top = -1, -math.inf
    for k in sorted(range(len(found)), key=bound.__getitem__, reverse=True):
        if bound[k] < top:
            break
        around = _context_features(found[k], sentence, q)
        if cheap[k] + _word_bound(word, ceiling, around) < top:
            continue
        z = cheap[k] + word.score(_word_features(found[k], sentence, q, around))
        if z > top or (z == top and k < best):  # the logistic is monotone; ties go to the first span
            best, top = k, z
    return SpanChoice(found[best], sigmoid(top))


def _ends_with(pattern: re.Pattern[str], sentence: str, end: int, longest: int) -> bool:
    """``pattern`` (a word, then ``\\s*$``) matches ``sentence[:end]``, scanning only its last words.

    The word must end where the trailing whitespace begins, so the search can start ``longest``
    characters before that; ``\\b`` still sees the character in front, so the answer is the same.
    """
    j = end
    while j > 0 and sentence[j - 1].isspace():
        j -= 1
    return pattern.search(sentence, max(0, j - longest), end) is not None


def _hints(span: Span, text: str, hints: tuple[str, ...]) -> tuple[float, float]:
    """Whether the span satisfies the question's finer hints ("what time", "what year", money...)."""
    ok = miss = 0.0
    for hint in hints:
        holds = _hint_holds(hint, span, text)
        if holds is True:
            ok = 1.0
        elif holds is False:
            miss = 1.0
    return ok, miss


_YEAR_IN = re.compile(r"\b\d{4}\b")
# every hint that names a kind of value; "quantity" is met by more than one kind, so it puts none first
_VALUE_HINTS = frozenset({*_HINTED_KINDS, "quantity"})


def hint_unmet(span: Span | None, quote: str, hints: tuple[str, ...]) -> bool:
    """The question names the kind of value it wants ("how much did it cost", "what year") and the
    chosen answer is not one: what an article on the topic that lacks the fact tends to offer."""
    wanted = [h for h in hints if h in _VALUE_HINTS]
    if not wanted:
        return False
    if span is None:
        return True
    text = span.text(quote)
    return not any(_hint_holds(h, span, text) for h in wanted)


def _hint_holds(hint: str, span: Span, text: str) -> bool | None:
    """Whether the span satisfies one hint; None for a hint about something else (acronyms, heads)."""
    if hint == "time":
        return span.kind == "time"
    if hint == "year":
        return _YEAR_IN.search(text) is not None
    if hint == "money":
        return span.kind == "money"
    if hint == "percent":
        return span.kind == "percent"
    if hint == "quantity":
        return span.kind in ("quantity", "duration")
    if hint == "called":
        return span.kind in ("called", "quote")
    return None


def _expansion(sentence: str, acronym: str) -> Span | None:
    """ "Heat Assisted Magnetic Recording (HAMR)": the capitalised words an acronym abbreviates."""
    m = re.search(rf"\(\s*{re.escape(acronym)}\s*\)", sentence, re.I)
    if m is None:
        return None
    before = list(re.finditer(r"[A-Za-z][\w-]*", sentence[: m.start()]))
    letters = acronym.lower()
    picked: list[re.Match[str]] = []
    for word in reversed(before):
        if len(picked) >= len(letters) + 2:
            break
        picked.insert(0, word)
        initials = "".join(w.group()[0].lower() for w in picked if w.group()[0].isupper())
        if initials == letters:
            return Span(picked[0].start(), picked[-1].end(), "expansion")
    return None


_PHRASE_GLUE = frozenset({"of", "and", "for", "de"})
_PHRASE_MAX_WORDS = 6


def _phrases(sentence: str, q: QuestionView) -> list[Span]:
    """Runs of content words the question does not use ("a rare bone disease" -> "rare bone disease").

    Answers that are neither names nor values are mostly such noun-like runs; which run answers is
    for the span model to weigh (nearness to the question's words, length, kind). A glue word ("of",
    "and") may join two content words; punctuation ends a run.
    """
    out: list[Span] = []
    run: list[tuple[int, int, bool]] = []  # (start, end, is_glue)

    def close() -> None:
        while run and run[-1][2]:
            run.pop()
        if run and len(run) <= _PHRASE_MAX_WORDS:
            out.append(Span(run[0][0], run[-1][1], "phrase"))
        run.clear()

    for word, start, end in word_spans(sentence):
        if run and sentence[run[-1][1] : start].strip() not in ("", "-"):
            close()
        if run and word in _PHRASE_GLUE:
            run.append((start, end, True))
        elif word in STOPWORDS or stem(word) in q.stems:
            close()
        else:
            run.append((start, end, False))
    close()
    return out


def _clauses(sentence: str, q: QuestionView) -> list[Span]:
    """Clauses of the sentence (between punctuation, or after a cue like "because") as candidates."""
    out: list[Span] = []
    for m in re.finditer(r"[^,;:—–()“”\"]+", sentence):
        a, b = m.start(), m.end()
        while a < b and sentence[a].isspace():
            a += 1
        while b > a and sentence[b - 1] in " .!?":
            b -= 1
        if len(sentence[a:b].split()) >= 3:
            out.append(Span(a, b, "clause"))
    if q.qtype == "why":
        for cue in _CUES.finditer(sentence):
            end = re.search(r"[,;.!?”]", sentence[cue.end() :])
            stop = cue.end() + end.start() if end else len(sentence.rstrip(" .!?"))
            start = cue.end() + (1 if sentence[cue.end() : cue.end() + 1] == " " else 0)
            if len(sentence[start:stop].split()) >= 2:
                out.append(Span(start, stop, "clause"))
    return out
