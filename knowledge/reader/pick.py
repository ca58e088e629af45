"""Choose the short answer inside a quoted sentence.

Candidates of the kinds the question type wants are scored by preference order, fine hints
("what time" wants a clock time), nearness to the words the question shares with the sentence,
and whether they merely repeat the question ("who is the COO of BlackBerry" must not answer
"BlackBerry").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection

from knowledge.analysis.tokenize import stem, word_spans, wordlist
from knowledge.reader.qtype import QType
from knowledge.reader.spans import KINDS_FOR, NAME_KINDS, Span, find_spans

log = logging.getLogger(__name__)

_PLACE_WORDS = frozenset(
    wordlist("""island lake river hospital county city town state province street avenue road park bay beach
    mountain valley airport station square district center centre university school church""")
)
# Words that name the kind of answer ("age 23", "72 hours"): repeating them from the question is fine.
_UNIT_STEMS = frozenset(
    stem(w)
    for w in wordlist("""age aged old year years month months week weeks day days hour hours minute minutes
    percent million billion thousand time""")
)
_TIME_UNIT = re.compile(r"\b(?:second|minute|hour|day|week|month|year|decade|centur)", re.I)
_CLAUSE_CUES = re.compile(r"\b(?:because|since|as a result of|due to|after|so that|in order to|to)\b", re.I)


def _stems(text: str) -> list[str]:
    return [stem(w) for w, _, _ in word_spans(text)]


def best_span(
    sentence: str, qtype: QType, hints: tuple[str, ...], question_stems: Collection[str]
) -> tuple[Span, float] | None:
    """The best typed answer and how well it fits (about 0..1.5; clause fallbacks score 0)."""
    kinds = KINDS_FOR[qtype]
    if qtype == "why":
        clause = _clause(sentence, question_stems, cue=True)
        return (clause, 0.0) if clause else None
    for h in hints:
        if h.startswith("acronym:"):
            expansion = _expansion(sentence, h[8:])
            if expansion is not None:
                return expansion, 1.5
    anchors = [(a + b) / 2 for w, a, b in word_spans(sentence) if stem(w) in question_stems]
    best: tuple[float, Span] | None = None
    names = not NAME_KINDS.isdisjoint(kinds)
    for span in find_spans(sentence, values=not NAME_KINDS.issuperset(kinds), names=names):
        if span.kind not in kinds:
            continue
        score = _score(span, sentence, kinds, qtype, hints, question_stems, anchors)
        if score is not None and (best is None or score > best[0]):
            best = (score, span)
    if best is None and qtype == "what":
        clause = _clause(sentence, question_stems, cue=False)
        return (clause, 0.0) if clause else None
    if best is None:
        return None
    span = best[1]
    heads = {h[5:] for h in hints if h.startswith("head:")}
    if span.kind == "name" and heads:
        after = re.match(r"\s+([a-z][\w-]*)", sentence[span.end :])
        if after and stem(after.group(1)) in heads:  # "BlackBerry Enterprise Service traffic"
            span = Span(span.start, span.end + after.end(), "name")
        if not heads.isdisjoint(_stems(span.text(sentence))):
            span = Span(span.start, span.end, "headname")  # a name of the kind asked for: strong evidence
    return span, best[0]


def _score(
    span: Span,
    sentence: str,
    kinds: tuple[str, ...],
    qtype: QType,
    hints: tuple[str, ...],
    question_stems: Collection[str],
    anchors: list[float],
) -> float | None:
    text = span.text(sentence)
    stems = [s for s in _stems(text) if s not in _UNIT_STEMS]
    if not stems:
        stems = ["-"]
    heads = {h[5:] for h in hints if h.startswith("head:")}
    head_match = span.kind == "name" and any(s in heads for s in stems)
    if head_match:
        stems = [s for s in stems if s not in heads] or ["-"]
    repeated = sum(1 for s in stems if s in question_stems) / len(stems)
    if repeated > (0.5 if span.kind in ("name", "quote", "called") else 0.0) and qtype not in ("when",):
        return None
    if qtype == "when" and repeated >= 1.0:
        return None
    if span.kind == "number" and re.search(r"\S\s+[A-Z][a-z]+\s$", sentence[: span.start]):
        return None  # a label, not a count: "Section 9", "Proposition 4"
    if qtype == "how_old" and span.kind == "number" and not re.fullmatch(r"\d{1,3}", text):
        return None  # an age is a small number: not "thousands", "several" or "2019"
    score = 1.0 - 0.12 * kinds.index(span.kind) - 0.6 * repeated
    if span.kind == "relative" and text.endswith(" ago"):
        score += 0.3  # "founded 30 years ago" dates the event as well as a date would
    if qtype == "how_long" and span.kind == "quantity" and not _TIME_UNIT.search(text):
        return None  # "how long" wants time, not "0.1°C"
    if (
        qtype == "how_long"
        and span.kind == "date"
        and re.search(r"\b(?:until|till|through)\s+(?:at least\s+)?$", sentence[: span.start])
    ):
        score += 0.3  # "expected to persist until April 2024"
    if span.kind == "age" and text.isdigit():
        score -= 0.15  # the appositive "Jane Doe, 51," is an age, but "at age 23" says so outright
    if "time" in hints:
        score += 0.6 if span.kind == "time" else -0.2
    if "year" in hints:
        score += 0.6 if re.search(r"\b\d{4}\b", text) else -0.2
    if "money" in hints:
        score += 0.4 if span.kind == "money" else -0.4
    if "percent" in hints:
        score += 0.4 if span.kind == "percent" else -0.1
    if "quantity" in hints:
        score += 0.3 if span.kind in ("quantity", "duration") else -0.3
    if "of" in hints and re.match(r"\s+of\b", sentence[span.end :]):
        score += 0.7  # "Four of the 12 boxes" answers "how many of the boxes"
    if span.kind == "date" and re.search(r"\d", text):
        score += 0.1  # "November 30" says more than "December"
    if span.kind == "called" and "called" in hints:
        score += 0.5
    if span.kind in ("quantity", "number", "percent", "money"):
        unit = re.match(r"[\s-]*(?:\([^)]*\)\s*)?(?:of\s+)?([A-Za-z][\w-]*)", sentence[span.end :])
        if unit and stem(unit.group(1).lower()) in question_stems:
            score += 0.5
        if span.kind == "quantity" and qtype == "how_many":
            score -= 0.05
    if head_match:
        score += 0.4  # "Which lake" -> "Lake Berryessa"
    if span.kind == "name":
        words = text.split()
        score += 0.1 * min(len(words) - 1, 2)
        before = sentence[: span.start].rstrip().lower()
        if qtype == "where":
            place_before = re.search(r"[A-Z][\w’'-]*\s+in$", sentence[: span.start].rstrip())
            if re.search(r"\b(?:in|at|to|from|near|into|inside|on)$", before) and not place_before:
                score += 0.3  # "at Lake Berryessa"; but in "Cheorwon in Gangwon Province" the first is it
            if any(w.lower() in _PLACE_WORDS for w in words):
                score += 0.3
            if re.match(r"\s+in\s+[A-Z]", sentence[span.end :]):
                score += 0.6  # "Cheorwon in Gangwon Province": the narrower place
        if qtype == "who":
            after = sentence[span.end :]
            if re.match(
                r",?\s+(?:said|says|wrote|told|added|announced|explained|noted)\b", after
            ) or re.match(r",\s+(?:a|an|the|who|\d+)?\s*[\w-]+", after):
                score += 0.2  # "Marty Beard, Chief Operating Officer" / "..., said Di Li": a person
            if re.search(r"\b(?:in|at|to|from|near)$", before) and len(words) == 1:
                score -= 0.15
            if re.search(r"\bthe$", before):
                score -= 0.1
        if span.start == 0 and len(words) == 1:
            score -= 0.1
    if anchors:
        mid = (span.start + span.end) / 2
        distance = min(abs(mid - a) for a in anchors)
        score -= min(distance, 200) / 1000
    return score


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


def _clause(sentence: str, question_stems: Collection[str], *, cue: bool) -> Span | None:
    """A clause of the sentence that says something the question does not (for what/why)."""
    if cue:
        m = _CLAUSE_CUES.search(sentence)
        if m:
            end = re.search(r"[,;.!?”]", sentence[m.end() :])
            stop = m.end() + end.start() if end else len(sentence)
            if m.group().lower() == "after" and end and len(sentence[m.end() : stop].split()) <= 4:
                # "After productive discussions, the government rescinded its order": the reason
                # is what happened after, in the next clause.
                nxt = re.search(r"[,;.!?”]", sentence[stop + 1 :])
                start, stop = stop + 1, stop + 1 + (nxt.start() if nxt else len(sentence) - stop - 1)
                while start < stop and sentence[start] == " ":
                    start += 1
                return Span(start, stop, "clause") if stop - start > 10 else None
            if stop - m.end() > 10:
                return Span(
                    m.end() + 1 if sentence[m.end() : m.end() + 1] == " " else m.end(), stop, "clause"
                )
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^,;:—–()“”\"]+", sentence)]
    best: tuple[float, Span] | None = None
    for a, b in pieces:
        stems = [s for s in _stems(sentence[a:b])]
        if len(stems) < 2:
            continue
        new = sum(1 for s in stems if s not in question_stems)
        shared = len(stems) - new
        score = new + 0.5 * shared - 0.05 * len(stems)
        if best is None or score > best[0]:
            while a < b and sentence[a] == " ":
                a += 1
            best = (score, Span(a, b.__index__() if sentence[b - 1] != " " else b - 1, "clause"))
    return best[1] if best else None
