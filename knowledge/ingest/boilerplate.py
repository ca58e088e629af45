"""Paragraph-level boilerplate rules applied after trafilatura.

trafilatura finds the article's container well, but news templates put share prompts, newsletter
pitches, bylines, photo credits, copyright notices and paywall pitches inside that container. A
quote lifted from one of those lines would be a wrong answer, so each extracted paragraph is
judged again here. Every rule is generic (what the line says and how much of it is links), never
tied to one site; lines that recur across a site's pages are dropped at store time.
Rules that look at wording only fire on short paragraphs, so a long reported paragraph that
happens to mention a newsletter is never dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.ingest.prefilter import Prefiltered
from knowledge.ingest.text import fold_confusables, normalize_space, word_count

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Block:
    """One candidate paragraph with the layout facts the rules use."""

    text: str
    link_ratio: float = 0.0  # share of the characters that sit inside links
    heading: bool = False


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


# A whole paragraph that is only a navigation or widget label.
_LABEL = re.compile(
    r"^(?:like this|loading\W*|read more|about the author|\d+ (?:comments?|replies|shares)|"
    r"(?:email|print|save|bookmark) (?:this )?(?:article|story|page)|"
    r"related(?: content| articles?| stories| posts?| coverage| news| links| reading)?|"
    r"more(?: stories| news| from \w+(?: \w+)?)?|advertisement|advertising|sponsored(?: content)?|"
    r"share(?: this| this (?:article|story|post|page))?|comments?|leave a (?:comment|reply)|"
    r"exit mobile version|skip to (?:main )?content|back to top|print(?: this)?|email(?: this)?|"
    r"most (?:popular|read|viewed)|trending(?: now)?|you (?:may|might) also like|recommended(?: for you)?|"
    r"editor'?s? picks?|top stories|latest(?: news)?|follow us|newsletter|subscribe|sign up|log ?in|"
    r"tags?|topics?|categories|filed under|see also|also read|watch(?: this)? next|up next|next|"
    r"previous|close|menu|search|home)\W*$",
    re.I,
)
# "Label: ..." lines: tags, categories, credits, dates, "Read more: <link>".
_PREFIX = re.compile(
    r"^\W{0,3}(?:tagged(?: with| as)?|tags?|topics?|categor(?:y|ies)|filed (?:under|in)|"
    r"read(?: more| also| next)?|also read|more|see also|related(?: articles?| stories| content)?|"
    r"watch|listen|share(?: this)?|sponsored(?: content| post| by)?|advertisement|"
    r"(?:photo|photograph|image|picture|video|graphic|illustration|file photo|cover photo|"
    r"feature image|header image|top image|lead image)s?(?: credits?)?|credits?|courtesy|"
    r"posted(?: on| in| under)?|published(?: on| in)?|updated(?: on)?|last updated|"
    r"release date|news date|date|"
    r"written by|reported by|words by|story by|edited by|contributors?|reporting by|author)\s*[:|]",
    re.I,
)
_BYLINE = re.compile(r"^\W{0,3}(?i:by|written by|posted by|reported by|words by|story by)\s+[A-Z]")
_DATELINE = re.compile(r"^\W{0,3}(?:posted|published|updated|last (?:updated|modified))\b.{0,60}\d", re.I)
# Photo credits at the end of a caption ("... Photo: AFP", "(Credit: ...)", "By REUTERS").
_CREDIT = re.compile(
    r"(?i:^\W{0,3}(?:photo|image|picture|credit|courtesy|illustration|video)s?\s*(?:by|:))"
    r"|(?i:^\W{0,3}(?:photo|image|picture)s? (?:copyright|caption|source)\b)"
    r"|(?:(?:^|[.!?|)–—]\s*|\(\s*)(?i:photos?|images?|pictures?|credits?|illustrations?|courtesy of|"
    r"(?:featured|header|top|lead|cover) (?:image|photo))\s*(?::|[Bb]y)\s*[A-Z][^.!?]{1,60}\W*$)"
    r"|(?:(?:^|[.!?|]\s+|\(\s*)(?:By|BY|Via|VIA)\s+[A-Z][A-Z.&'/ -]{4,60}\W*$)"  # "... By U.S. CUSTOMS"
    r"|(?i:\((?:left|right|centre|center|pictured|top|bottom|above|inset|file|l-r|r-l|"
    r"(?:second |third )?(?:from )?(?:left|right))\))"
    r"|(?i:[(/|]\s*(?:getty images|shutterstock|istock(?:photo)?|ap photo|afp photo|reuters photo)\b"
    r"|\b(?:getty images|shutterstock|istock(?:photo)?)\W*$)"
)
# Sentences only a template says: addressed to the reader, about the site rather than the news.
_TEMPLATE = _any(
    # newsletters, subscriptions, apps, social
    r"^\W{0,3}(?:sign up|subscribe|register|join)\b.{0,100}\b(?:newsletters?|inbox|daily edition|"
    r"updates|alerts|briefing|digest|for free)\b",
    r"\b(?:sign(?:ing)? up|subscrib(?:e|ing))\s+(?:to|for)\s+(?:our|the|this)\b.{0,40}\bnewsletters?\b",
    r"\bnewsletters?\b.{0,60}\b(?:in|to) your inbox\b",
    r"\bfree sign ?up\b",
    r"^\W{0,3}download (?:the|our)\b.{0,60}\bapps?\b",
    r"\bdownload (?:the|our)\b.{0,40}\bapps? for (?:ios|android)",
    r"^\W{0,3}(?:follow|like|find|join)\b.{0,40}\bon (?:twitter|facebook|instagram|tiktok|linkedin|youtube|"
    r"threads|telegram|whatsapp)\b|\bfollow us\b",
    r"\b(?:send us a message|message us|email us|contact us at|call us at|whatsapp at)\b",
    r"\bclick to (?:share|email|print|tweet)\b|\bopens in (?:a )?new window\b|\bhave a (?:news )?tip\b",
    # paywalls and pitches
    r"\b(?:for the full story|continue reading|already an? (?:subscriber|member)|unlimited digital access|"
    r"subscribe (?:now|today)|become a (?:paying )?subscriber|support (?:our|independent|local) journalism|"
    r"(?:register|log ?in|sign in) (?:now |here )?to (?:continue|read|access))\b",
    r"\bread the (?:full|original|complete) (?:story|article) (?:at|on|here)\b",
    # comments and letters
    r"\b(?:(?:submit|send|write) (?:a |your )?letters? to the editor|we want to hear what you think|"
    r"share your (?:thoughts|views|opinion)|leave a (?:comment|reply)|"
    r"comments? (?:are|is) (?:closed|moderated)|write a comment|post a comment|"
    r"notify me (?:of|when)|akismet|be the first to comment|in the comments? (?:below|section))\b",
    r"^\W{0,3}join the (?:conversation|discussion)\b|\bjoin the (?:conversation|discussion)\W*$",
    # rights, disclosures, ads, site notices
    r"^\W{0,3}(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))",
    r"\ball rights reserved\b|\bcopyrighted property\b|\bwritten permission must\b",
    r"\bthis (?:material|article|content|story|report)\b.{0,20}\b(?:may|must|shall) not be "
    r"(?:re)?(?:published|produced|broadcast|rewritten|redistributed|reproduced|copied)\b",
    r"\b(?:reprint|reproduc|republish)\w*.{0,40}\bwithout (?:prior |express )?(?:written )?permission\b",
    r"\bwe (?:may )?(?:receive|earn|get) (?:a )?(?:small )?(?:compensation|commission)\b",
    r"\baffiliate (?:links?|commission)\b|\bcontains references to products\b",
    r"\badvertising policy\b|\bour (?:editorial )?standards\s*:|\btrust principles\b",
    r"^\W{0,3}advertise (?:with|on|here)\b",
    r"\bshare (?:this|on) (?:article|story|post|page|facebook|twitter)\b|\bclick (?:here|to share)\b",
    r"\breport (?:a|an) (?:typo|error|correction)\b",
    r"\bwe use cookies\b|\b(?:site|website) uses cookies\b|\bby (?:using|continuing to use) (?:this|our) "
    r"(?:site|website)\b|\b(?:read|see|view) our (?:privacy|cookie) policy\b",
    r"\bdo(?:es)? not necessarily (?:reflect|represent) (?:the )?(?:views|opinions|position)\b",
    # players and page furniture
    r"\b(?:story|article|text) continues (?:below|after)\b|\bcontinue reading (?:below|after)\b|"
    r"\bscroll (?:down )?(?:for|to see) (?:the )?(?:video|more)\b|\bmedia playback is (?:un)?supported\b|"
    r"\benable javascript\b|\byour browser does not support\b",
    r"\b(?:got|have) a (?:news )?(?:tip|story)(?: for us)?\?",
)
# Searched in every short paragraph: skipped when one lacks what every branch needs (3x faster).
_TEMPLATE_SEARCH = Prefiltered(_TEMPLATE)
_NEVER_MISS = re.compile(r"\b(?:never|don'?t|do not) miss (?:a|an|the latest|our|out)\b", re.I)
# Markers after which a page holds only its paywall pitch.
_PAYWALL = re.compile(
    r"\bto (?:view|read|see|continue reading) (?:the|this) (?:full|whole|rest of)|"
    r"\bfor the full (?:story|article)|"
    r"\bthis (?:article|story|content) is (?:for|available to|only available to) (?:subscribers|members)",
    re.I,
)
_SUBSCRIPTION = re.compile(r"\b(?:subscri\w+|members?|log ?in|sign in|register)\b", re.I)
_TEASER_END = re.compile(r"(?:\[(?:…|\.\.\.)\]|\((?:…|\.\.\.)\)|(?:read more|continue reading)\W*)$", re.I)
# Labels start with a word character and runs are possessive, so "-.-.-." is not tried n² ways.
_DOMAIN_ONLY = re.compile(
    r"^\W*+(?:https?://)?(?:www\.)?\w[\w-]*+(?:\.\w[\w-]*+)*\.[a-z]{2,10}(?:/\S*+)?+\W*+$"
    r"|^\W*+[\w.+-]++@\w[\w-]*+(?:\.\w[\w-]*+)+\W*+$",
    re.I,
)
_SOCIAL = re.compile(r"^\W{0,3}(?:ig|instagram|twitter|tiktok|fb|facebook|x)\s*:\s*@", re.I)
_VIA = re.compile(r"^\(\s*(?:via|h/t|hat tip|source)\b[^()]{1,80}\)\W*$", re.I)
_FOOTNOTE = re.compile(r"^\s*\*[^\W\d_]")  # "*Terms apply ...": a note hung on an asterisked term
_SHORT_LABEL = re.compile(r"^[\w'’ &/-]{1,40}:$")

SHORT = 60  # wording rules only fire on paragraphs up to this many words
SHORT_CHARS = 1_000  # ... and this many characters, so no rule ever reads a long paragraph


def _classify(block: Block) -> str | None:
    """Return why the paragraph is boilerplate, or None when it is article text."""
    text = normalize_space(block.text)
    if not text:
        return "empty"
    words = word_count(text)
    if words == 0 and len(text) < 20:
        return "no words"
    probe = fold_confusables(text)
    if block.link_ratio >= 0.6 and (words <= 4 or (block.heading and words <= 25)):
        return "links"  # buttons, and headlines of other stories
    if words > SHORT or len(text) > SHORT_CHARS:
        return None
    if _LABEL.match(probe) or (_SHORT_LABEL.match(probe) and words <= 2):
        return "label"
    if _DOMAIN_ONLY.match(probe) or _SOCIAL.match(probe) or _VIA.match(probe):
        return "address"
    if _TEASER_END.search(probe):
        return "teaser"
    if _FOOTNOTE.match(probe) and words <= 30:
        return "footnote"
    if _TEMPLATE_SEARCH.search(probe) or (words <= 30 and _NEVER_MISS.search(probe)):
        return "template"
    if words <= 25 and _PREFIX.match(probe):
        return "label"
    if words <= 12 and (_BYLINE.match(probe) and not probe.rstrip().endswith((".", "!", "?", ":"))):
        return "byline"
    if words <= 14 and _DATELINE.match(probe):
        return "dateline"
    if words <= 45 and _CREDIT.search(probe):
        return "credit"
    return None


def is_boilerplate(text: str, *, link_ratio: float = 0.0) -> bool:
    """True when a paragraph is template text (share prompts, credits, pitches, notices)."""
    return _classify(Block(text, link_ratio)) is not None


def filter_blocks(blocks: Sequence[Block]) -> list[str]:
    """Drop boilerplate paragraphs; after a paywall notice that ends a teaser, drop the pitch too."""
    kept: list[str] = []
    for block in blocks:
        probe = fold_confusables(block.text)
        short = len(probe) <= SHORT_CHARS and word_count(probe) <= SHORT
        if short and _PAYWALL.search(probe) and _SUBSCRIPTION.search(probe):
            if kept:  # a banner above the full text must not cost the article
                log.debug("paywall notice, dropping the rest: %.60s", block.text)
                break
            continue
        reason = _classify(block)
        if reason is None:
            kept.append(block.text)
        else:
            log.debug("dropped (%s): %.60s", reason, block.text)
    return kept
