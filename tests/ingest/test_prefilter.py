"""The literal prefilter never changes what a pattern finds; it only skips searches that fail."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.ingest.boilerplate import _TEMPLATE, _TEMPLATE_SEARCH
from knowledge.ingest.prefilter import Prefiltered, folded, needs, screen

PROSE = (
    "The council approved the budget on Tuesday after a long debate about the bridge.",
    "Officials said 240 people attended and the vote was 7-2.",
    "Asked whether the plan would go ahead, she said: 'We will see.'",
)
TEMPLATE_LINES = (
    "Sign up for our daily newsletter to get the news in your inbox.",
    "Follow us on Twitter and Facebook.",
    "© 2024 Coast Daily. All rights reserved.",
    "Comments are closed.",
    "Got a news tip for us?",
    "This article may not be republished without written permission.",
    "We use cookies to improve your experience.",
    "Register now to continue reading.",
    "ſubscribe to our ſite's newsletter today",  # re's IGNORECASE matches the long s as an s
    "FOLLOW US ON INSTAGRAM",
)


def test_template_pattern_has_a_screen_and_finds_what_it_found() -> None:
    assert _TEMPLATE_SEARCH.screen and "newsletter" in _TEMPLATE_SEARCH.screen
    for line in PROSE + TEMPLATE_LINES:
        assert bool(_TEMPLATE_SEARCH.search(line)) == bool(_TEMPLATE.search(line)), line
    assert all(_TEMPLATE_SEARCH.search(line) for line in TEMPLATE_LINES)
    assert not any(_TEMPLATE_SEARCH.search(line) for line in PROSE)


def test_needs_of_sequences_and_alternations() -> None:
    need = needs(re.compile(r"\bsubscribe (?:now|today)\b|©", re.I))
    assert need == ("any", (("all", ("subscribe ", ("any", ("now", "today")))), "©"))
    assert screen(need) == frozenset({"subscribe ", "©"})
    assert needs(re.compile(r"\w+")) is None  # nothing literal: every text is searched
    assert Prefiltered(re.compile(r"[A-Z]\d")).screen is None


def test_folding_maps_what_ignorecase_matches() -> None:
    assert folded("ſUBSCRIBE \u212aEEP İN") == "subscribe keep in"
    pattern = Prefiltered(re.compile(r"keep", re.I))
    assert pattern.search("\u212aeep calm") is not None


_fragments = st.sampled_from(
    [
        *sorted(_TEMPLATE_SEARCH.screen or ()),
        "newsletter",
        "Sign",
        " up",
        "our",
        "the",
        "inbox",
        "?",
        "©",
        "(c)",
        "Twitter",
        "on ",
        "follow",
        "a ",
        "K",
        "\u212a",
        "ſ",
        "İ",
        "ı",
        " ",
        ".",
        "news ",
        "tip",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_fragments, st.text(max_size=6)), max_size=14))
def test_prefilter_answers_as_the_pattern_on_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    for variant in (text, text.upper(), text.title()):
        assert bool(_TEMPLATE_SEARCH.search(variant)) == bool(_TEMPLATE.search(variant)), variant


def test_prefilter_answers_as_the_pattern_on_shuffled_template_words() -> None:
    rng = random.Random(2)
    words = " ".join(TEMPLATE_LINES + PROSE).split()
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        assert bool(_TEMPLATE_SEARCH.search(text)) == bool(_TEMPLATE.search(text)), text
