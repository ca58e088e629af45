"""Discord's size limits and the helpers that keep every message within them (pure functions)."""

from __future__ import annotations

import discord

# Discord's documented limits (characters unless noted).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
MESSAGE_EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
BUTTON_LABEL_LIMIT = 80
FIELDS_PER_EMBED = 25
EMBED_URL_LIMIT = 2048
LINK_URL_LIMIT = 512  # longer links are shown as plain titles: they would crowd out the text
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rstrip()
    # never leave a dangling escape backslash that would swallow the ellipsis
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def safe(text: str) -> str:
    """Escape Discord markdown and neutralise mentions in text that came from a web page."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def web_url(url: str | None, limit: int = EMBED_URL_LIMIT) -> str | None:
    """``url`` when Discord may link it (absolute http(s), short enough); else None.

    Files ingested without ``--url`` carry ``file://`` links: those are shown as plain titles.
    """
    if not url or len(url) > limit or any(c.isspace() for c in url):
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


def link(title: str, url: str | None, limit: int = 200) -> str:
    """A masked link whose text cannot break out of the brackets; the bare title when ``url`` is not
    an http(s) link Discord can show."""
    text = clip(safe(" ".join(title.split())), limit).replace("[", "(").replace("]", ")")
    target = web_url(url, LINK_URL_LIMIT)
    if target is None:
        return text or "untitled"
    target = target.replace(")", "%29").replace("(", "%28")
    return f"[{text or 'link'}]({target})"


def fit(embed: discord.Embed) -> discord.Embed:
    """Cut every part of ``embed`` to Discord's limits, and the whole to 6,000 characters."""
    if embed.title:
        embed.title = clip(embed.title, TITLE_LIMIT)
    if embed.url and web_url(embed.url) is None:
        embed.url = None
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_LIMIT)
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_LIMIT), icon_url=embed.footer.icon_url)
    if embed.author.name:
        embed.set_author(name=clip(embed.author.name, AUTHOR_LIMIT), url=web_url(embed.author.url))
    fields = embed.fields[:FIELDS_PER_EMBED]
    embed.clear_fields()
    for field in fields:
        embed.add_field(
            name=clip(field.name or "\u200b", FIELD_NAME_LIMIT),
            value=clip(field.value or "\u200b", FIELD_VALUE_LIMIT),
            inline=bool(field.inline),
        )
    excess = len(embed) - MESSAGE_EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(len(embed.description) - excess, 1))
    while len(embed) > MESSAGE_EMBED_TOTAL and embed.fields:
        embed.remove_field(-1)
    return embed
