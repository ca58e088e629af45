"""A small, general thesaurus of words news writers swap for the words readers type.

People ask "who took home the award" about a sentence saying "was given"; "booze" about "alcohol".
Each group is a set of interchangeable words (stemmed on load). A synonym helps retrieval at reduced
weight and satisfies coverage for the word it stands in for. Deliberately generic: nothing here is
about particular articles.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from knowledge.analysis.tokenize import stem

log = logging.getLogger(__name__)

_GROUPS = """
buy bought purchase purchased acquire acquired acquisition
sell sold selling sale sales
cost costs price priced worth value valued investment expense
die died dead death deaths killed fatalities toll
kill killed murder murdered slain
win won winner victory defeated elected beat
noticed spotted discovered found detected
start started begin began launch launched
stop stopped halt halted end ended
say said says told
company firm business corporation maker manufacturer
boss ceo chief head leader executive
coo chief operating officer
cfo chief financial officer
car vehicle auto
crash collision accident wreck
hospital medical clinic
police officers deputies
booze alcohol liquor
covid coronavirus
original originally initial initially
pub pubs bar bars venue venues
fire fires blaze wildfire wildfires flames
money funds funding cash dollars
phone smartphone handset
movie film
job jobs employment
children kids
law legislation rule rules regulation regulations
peak highest
biggest largest
smallest lowest
city town municipal
country nation
airline airlines carrier carriers
ban banned prohibit prohibited
fine fined penalty
drug drugs narcotics cocaine heroin
stolen theft
missing lost vanished disappeared
demand demanded request requested
leave exit quit depart
power electricity energy
grave graves buried burial bury
decrease decreased decline declined drop dropped fall fell fallen reduce reduced
increase increased rise rose risen grow grew growth jump jumped surge surged
australian australians aussie aussies
spacecraft probe spaceship
donate donated donation donations give gave giving contribute contributed contribution gift
emission emissions pollution pollutants
arrest arrested detained custody
employee employees staff workers worker
doctor doctors physician physicians
student students pupils
""".strip().splitlines()

# Multi-word expansions for abbreviations people type.
ABBREVIATIONS: dict[str, str] = {
    "nyc": "new york city",
    "la": "los angeles",
    "sf": "san francisco",
    "uk": "united kingdom britain",
    "us": "united states",
    "usa": "united states",
    "eu": "european union",
    "un": "united nations",
    "sw": "southwest",
    "se": "southeast",
    "nw": "northwest",
    "ne": "northeast",
    "coo": "chief operating officer",
    "ceo": "chief executive",
    "cfo": "chief financial officer",
}


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for line in _GROUPS:
        group = {stem(w) for w in line.split()}
        for term in group:
            table.setdefault(term, set()).update(group)
    return {t: frozenset(g - {t}) for t, g in table.items()}


def synonyms(term: str) -> frozenset[str]:
    """Stemmed words that may stand in for the stemmed ``term`` (not including it)."""
    return _table().get(term, frozenset())
