"""Near-duplicate fingerprints: wire copy matches, different stories do not."""

from __future__ import annotations

import hashlib
import random
import re

from knowledge.ingest.dedupe import (
    BITS,
    MAX_DISTANCE,
    MIN_SHINGLES,
    as_prints,
    distance,
    fingerprint,
    first_near_duplicate,
    is_near_duplicate,
)

WIRE = [
    "WASHINGTON (AP) — The Senate voted 68-32 on Tuesday to approve a bipartisan infrastructure bill "
    "that would pour billions of dollars into roads, bridges, rail and broadband across the country.",
    "The measure now heads to the House, where its fate is tied to a larger budget package that "
    "Democrats hope to pass on their own in the coming months.",
    "Supporters said the bill was the largest investment in public works in decades, while critics "
    "warned about its effect on the federal deficit and questioned several of its funding sources.",
]
OTHER = [
    "A small bakery in Lyon has won a national prize for its croissants, beating more than 400 "
    "entries from across France in a blind tasting held in Paris last weekend.",
    "The owner, who opened the shop ten years ago, said she would keep her prices the same and "
    "hoped the award would bring new customers to the quiet neighbourhood.",
]


def test_wire_copy_on_two_sites_is_a_near_duplicate() -> None:
    site_b = ["By The Associated Press", *WIRE[:2], WIRE[2].replace("decades", "a generation")]
    a, b = fingerprint(WIRE), fingerprint(site_b)
    assert is_near_duplicate(a, b), distance(a, b)


def test_identical_text_has_identical_fingerprint_regardless_of_case_and_spacing() -> None:
    assert fingerprint(WIRE) == fingerprint([p.upper().replace(" ", "  ") for p in WIRE])


def test_different_stories_are_not_duplicates() -> None:
    assert not is_near_duplicate(fingerprint(WIRE), fingerprint(OTHER))


def test_short_text_is_never_judged() -> None:
    assert fingerprint(["Breaking news."]) == 0
    assert not is_near_duplicate(0, 0)


def test_fits_signed_64_bits() -> None:
    fp = fingerprint(WIRE)
    assert -(2**63) <= fp < 2**63
    assert is_near_duplicate(fp, fp ^ ((1 << MAX_DISTANCE) - 1))
    assert not is_near_duplicate(fp, fp ^ ((1 << (MAX_DISTANCE + 1)) - 1))


def _reference_fingerprint(paragraphs: list[str]) -> int:
    """The SimHash written out bit by bit, as first implemented: the vectorised one must agree."""
    words = re.findall(r"\w+", "\n".join(paragraphs).casefold())
    shingles = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    if len(shingles) < MIN_SHINGLES:
        return 0
    counts = [0] * BITS
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            counts[bit] += 1 if (h >> bit) & 1 else -1
    value = sum(1 << bit for bit, count in enumerate(counts) if count > 0)
    value = value - (1 << BITS) if value >= 1 << (BITS - 1) else value
    return value or 1


def test_vectorised_fingerprint_matches_the_bit_by_bit_simhash() -> None:
    rng = random.Random(7)
    vocabulary = " ".join(WIRE + OTHER).lower().replace(".", " ").replace(",", " ").split()
    for _ in range(40):
        text = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 80)))]
        assert fingerprint(text) == _reference_fingerprint(text), text
    assert fingerprint(WIRE) == _reference_fingerprint(WIRE)


def test_first_near_duplicate_scans_like_the_pairwise_rule() -> None:
    rng = random.Random(3)
    base = fingerprint(WIRE)
    prints = [rng.getrandbits(64) - 2**63 for _ in range(200)]
    prints[50] = base ^ 0b111  # 3 bits away
    prints[120] = base  # identical, but later
    prints[10] = 0  # "too short to judge" never matches, even against 0
    assert first_near_duplicate(base, as_prints(prints)) == 50
    for value in [*prints[:20], 0, ~base]:
        expected = next((i for i, p in enumerate(prints) if is_near_duplicate(value, p)), None)
        assert first_near_duplicate(value, as_prints(prints)) == expected
    assert first_near_duplicate(base, as_prints([])) is None
