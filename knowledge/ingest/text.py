"""Bytes to text and text to paragraphs.

Pages arrive in every encoding the web has used; a wrong guess turns quotes into mojibake that
then never matches a question. Paragraph keys let "the same paragraph" be recognised however it
was marked up, so an article's repeated lede is stored once and a site's recurring lines can be
recognised across its pages.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import logging
import re
import unicodedata
from collections.abc import Iterable

from charset_normalizer import from_bytes

from knowledge.errors import ExtractionError
from knowledge.ingest.limits import storable_text, stream_safe

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard), and so do the pages.
_AS_CP1252 = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s{0,20}=\s{0,20}["']?\s{0,20}([A-Za-z0-9_.:-]{2,40})""", re.I
)
_XML_DECLARED = re.compile(rb"""^<\?xml[^>]{0,200}?encoding\s{0,20}=\s{0,20}["']([A-Za-z0-9_.:-]{1,40})""")
# XML without a byte order mark, told apart by how "<?" is encoded (XML 1.0, appendix F).
_XML_SNIFF = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")

_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^<>]*>", re.S)  # only where every "<!--" closes
_TAG_ONLY = re.compile(r"<[A-Za-z/!?][^<>]*>")
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[ \t\f\v\r\u00a0]*\n")
# Latin look-alikes from Cyrillic and Greek, used by spam/ad blocks to dodge filters.
_CONFUSABLES = str.maketrans(
    "аеорсухіѕјԁһтвмнкАВЕКМНОРСТХІЅЈοαΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcyxisjdhtbmhkABEKMHOPCTXISJoaABEHIKMNOPTXYZ",
)
_NOT_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"(?<!\S)\S*?[^\W_]\S*")  # a token holding a letter or digit
_WRAP_WIDTH = 50  # in wrapped text, a line this long without end punctuation continues
_WRAPPED_MAX = 100  # no line longer than this: the text was wrapped by an editor or a mail client
_LINE_END = (".", "!", "?", ":", '"', "”", "’", "'", ")", "]", ">")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name.replace("-", "_") in _AS_CP1252 else name


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x1b")
    return controls > len(head) // 20


def _try(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode a page: BOM, then the HTTP charset, then ``<meta charset>``, then detection.

    A declared charset that the bytes contradict is ignored rather than trusted, so a page served
    as UTF-8 but written in windows-1252 still reads correctly.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    declared = _codec(declared_charset)
    if declared and declared.startswith(("utf_16", "utf_32")) and (text := _try(data, declared)):
        return text
    if _looks_binary(data):
        raise ExtractionError("This file is binary data, not a text or HTML page.")
    match = _META_CHARSET.search(data[:16384])
    meta = _codec(match.group(1).decode("ascii", "replace")) if match else None
    for codec in dict.fromkeys(c for c in (declared, meta, "utf-8") if c):
        if codec.startswith(("utf_16", "utf_32")):
            continue  # a <meta> claiming UTF-16 in an ASCII-compatible document is always wrong
        if (text := _try(data, codec)) is not None:
            return text
    encoding = _detect(data)
    if encoding and (text := _try(data, encoding)) is not None:
        log.debug("charset detected as %s", encoding)
        return text
    return data.decode("cp1252", errors="replace")


def decode_xml(data: bytes, declared_charset: str | None = None) -> str:
    """Decode an XML document (a feed): BOM, the HTTP charset, the XML declaration, UTF-8, detection.

    Undeclared legacy bytes get the same windows-1252 preference as pages, so an undeclared
    latin-1 feed reads "naïve", not "naďve".
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    for prefix, codec in _XML_SNIFF:
        if data.startswith(prefix):
            return data.decode(codec, errors="replace")
    if _looks_binary(data):
        raise ExtractionError("This file is binary data, not a text or XML document.")
    match = _XML_DECLARED.match(data[:400].lstrip())
    declared = _codec(match.group(1).decode("ascii")) if match else None
    for codec in dict.fromkeys(c for c in (_codec(declared_charset), declared, "utf-8") if c):
        if codec.startswith(("utf_16", "utf_32")):
            continue  # the bytes are ASCII-compatible (sniffed above), whatever the label says
        # latin-1 labels read as windows-1252, which leaves five bytes undefined: latin-1 has them
        if (text := _try(data, codec) or (_try(data, "latin-1") if codec == "cp1252" else None)) is not None:
            return text
    encoding = _detect(data)
    if encoding and (text := _try(data, encoding)) is not None:
        log.debug("feed charset detected as %s", encoding)
        return text
    return data.decode("cp1252", errors="replace")


def _detect(data: bytes) -> str | None:
    """Guess an undeclared legacy charset, preferring windows-1252 among near-equal guesses.

    Short Western European texts fit several code pages equally well (cp1257 and cp1250 turn
    "naïve" into "naļve"); windows-1252 is what undeclared Western pages almost always use.
    """
    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if _codec(match.encoding) == "cp1252" and match.chaos <= best.chaos + 0.1:
            return "cp1252"
    return _codec(best.encoding)


def check_text(text: str) -> None:
    """Refuse text that is really binary data decoded by mistake."""
    sample = text[:8192]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > len(sample) // 20:
        raise ExtractionError("This file is binary data, not a text or HTML page.")


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (including non-breaking spaces) to one space."""
    return _SPACE.sub(" ", text).strip()


def strip_tags(text: str) -> str:
    """Remove HTML tags and comments and resolve entities, for raw HTML left in plain text."""
    if "<" in text:
        text = _without_tags(text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _without_tags(text: str) -> str:
    """Replace each ``<!--...-->`` comment and each ``<tag ...>`` with a space, in linear time.

    The pattern alone rescans to the end of the text from every ``<!--`` that never closes (25,000
    of them took minutes). But an opening before the text's last ``-->`` always closes, and one
    after it never does: so the text is cut after its last ``-->``, the first part takes the full
    pattern and the rest only the tag branch, which is what the pattern falls back to there. No
    match can span the cut, which ends in ``>``.
    """
    last = text.rfind("-->")
    if last == -1:
        return _TAG_ONLY.sub(" ", text)
    cut = last + 3
    return _TAG.sub(" ", text[:cut]) + _TAG_ONLY.sub(" ", text[cut:])


def clean_paragraph(text: str) -> str:
    """A paragraph as stored: no tags, no entities, single spaces, no zero-width characters,
    no NUL characters or lone surrogates (a database cannot store them)."""
    text = strip_tags(text).replace("\u200b", "").replace("\ufeff", "").replace("\u00ad", "")
    return normalize_space(storable_text(text))


def fold_confusables(text: str) -> str:
    """Map Cyrillic/Greek look-alike letters to Latin when they are mixed into Latin words."""
    if text.isascii():
        return text
    return text.translate(_CONFUSABLES)


def paragraph_key(text: str) -> str:
    """Normalised identity of a paragraph: case, markup, punctuation and spacing do not count.

    The store keys passages by it to recognise a site's recurring lines (``passage_key``).
    """
    text = unicodedata.normalize("NFKC", stream_safe(strip_tags(text))).casefold()
    if any(ch.isascii() and ch.isalpha() for ch in text):
        text = fold_confusables(text)
    return _NOT_WORD.sub(" ", text).strip()


def passage_key(paragraph: str) -> str:
    """A compact, fixed-width key of a paragraph's normalised text (the store spots site-wide
    repeats by it)."""
    return hashlib.blake2b(paragraph_key(paragraph).encode("utf-8"), digest_size=8).hexdigest()


def split_paragraphs(text: str) -> list[str]:
    """Split plain text into clean paragraphs.

    Blank lines separate paragraphs when the text has any. Otherwise every line is a paragraph,
    unless the text is hard-wrapped (no line longer than a terminal's width): then a line break
    ends a paragraph only after sentence punctuation or a short line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
    else:
        lines = text.split("\n")
        blocks = _unwrap(lines) if _hard_wrapped(lines) else lines
    paragraphs = (clean_paragraph(block) for block in blocks)
    return [p for p in paragraphs if p]


def _hard_wrapped(lines: list[str]) -> bool:
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    return len(lengths) >= 3 and lengths[-1] <= _WRAPPED_MAX and lengths[len(lengths) // 2] >= _WRAP_WIDTH


def _unwrap(lines: list[str]) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        stripped = line.rstrip()
        if len(stripped) < _WRAP_WIDTH or stripped.endswith(_LINE_END):
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


def dedupe_paragraphs(paragraphs: Iterable[str], *, seen: set[str] | None = None) -> list[str]:
    """Keep the first of paragraphs that share a :func:`paragraph_key`; drop key-less ones."""
    seen = set() if seen is None else seen
    kept: list[str] = []
    for paragraph in paragraphs:
        key = paragraph_key(paragraph)
        if key and key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept


def word_count(text: str) -> int:
    """Whitespace-separated tokens that hold at least one letter or digit."""
    return len(_WORD.findall(text))
