"""Near-duplicate fingerprints: wire copy matches, different stories do not."""

from __future__ import annotations

from knowledge.ingest.dedupe import MAX_DISTANCE, distance, fingerprint, is_near_duplicate

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
