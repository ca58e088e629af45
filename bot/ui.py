"""Answers, search results and digests rendered as Discord embeds and views, within Discord's limits."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import discord

from bot.limits import (
    BUTTON_LABEL_LIMIT,
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    EMBEDS_PER_MESSAGE,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_EMBED_TOTAL,
    TITLE_LIMIT,
    clip,
    fit,
    link,
    safe,
    web_url,
)
from knowledge.models import Alternative, Answer, Digest, DigestItem, SearchHit

log = logging.getLogger(__name__)


NO_MENTIONS = discord.AllowedMentions.none()
SOURCES_TIMEOUT = 900.0  # seconds a "Sources" button stays usable
PAGES_TIMEOUT = 300.0  # seconds search pages can be turned
BRAND = discord.Colour.from_rgb(44, 110, 180)
MUTED = discord.Colour.light_grey()


def timestamp(when: datetime, style: str = "D") -> str:
    """A Discord timestamp that each reader sees in their own time zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"<t:{int(when.timestamp())}:{style}>"


def confidence_hint(score: float) -> str:
    """Plain words for how sure the answer is."""
    if score >= 0.7:
        return "high confidence"
    if score >= 0.4:
        return "medium confidence"
    return "low confidence: check the source"


def highlight(quote: str, span: tuple[int, int] | None, limit: int) -> str:
    """Escape ``quote`` and bold the answer span, trimming around the span to fit ``limit``."""
    if span is None or not (0 <= span[0] < span[1] <= len(quote)):
        return clip(safe(quote), limit)
    start, end = span
    before, middle, after = safe(quote[:start]), safe(quote[start:end]), safe(quote[end:])
    middle = clip(middle, max(limit // 2, 1))
    room = limit - len(middle) - 4
    if len(before) + len(after) > room:
        keep_before = min(len(before), max(room // 2, room - len(after)))
        keep_after = room - keep_before
        if len(before) > keep_before:
            before = ELLIPSIS + before[len(before) - keep_before + 1 :].lstrip("\\")
        after = clip(after, keep_after) if keep_after > 0 else ""
    return f"{before}**{middle}**{after}"


def blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""])


def plain_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------- answers


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed for a confident answer: quote with the span in bold, linked title, site, date, confidence."""
    quote = plain_line(answer.quote or answer.passage or "")
    description = blockquote(highlight(quote, answer.span, DESCRIPTION_LIMIT - 200))
    embed = discord.Embed(
        title=clip(safe(answer.title or web_url(answer.url) or "Source"), TITLE_LIMIT),
        url=web_url(answer.url),
        description=clip(description, DESCRIPTION_LIMIT),
        colour=BRAND,
    )
    if answer.answer:
        embed.add_field(name="Answer", value=clip(safe(answer.answer), FIELD_VALUE_LIMIT), inline=True)
    if answer.site:
        embed.add_field(name="Site", value=clip(safe(answer.site), FIELD_VALUE_LIMIT), inline=True)
    if answer.published:
        embed.add_field(name="Published", value=timestamp(answer.published), inline=True)
    embed.set_footer(text=clip(f"{confidence_hint(answer.score)} · score {answer.score:.2f}", FOOTER_LIMIT))
    return fit(embed)


def abstention_embed(answer: Answer) -> discord.Embed:
    """Kind words when no stored passage answers the question; near misses sit behind a button."""
    lines = [
        "I couldn't find an answer to that in the coverage I have, and I'd rather not guess.",
        "Try different words, or ask a server admin to add a source with `/sources add`.",
    ]
    if answer.alternatives:
        lines.append("Press **Closest matches** to see the passages that came nearest.")
    embed = discord.Embed(title="No answer found", description="\n".join(lines), colour=MUTED)
    embed.set_footer(text=clip(f"Question: {plain_line(answer.question)}", FOOTER_LIMIT))
    return fit(embed)


def alternatives_embed(alternatives: Sequence[Alternative], *, title: str = "Sources") -> discord.Embed:
    """Runner-up passages, each linked to its article."""
    embed = discord.Embed(title=title, colour=BRAND)
    parts: list[str] = []
    used = 0
    for alt in alternatives:
        quote = blockquote(clip(safe(plain_line(alt.quote)), 600))
        part = f"**{link(alt.title or alt.url, alt.url)}** · {alt.score:.2f}\n{quote}"
        if used + len(part) + 2 > DESCRIPTION_LIMIT:
            break
        parts.append(part)
        used += len(part) + 2
    embed.description = "\n\n".join(parts) or "No other passages came close."
    return fit(embed)


VIEW_PREFIX = "newsdesk:"
EXPIRED = (
    "These buttons have expired (they work for a while after the answer, and a restart of the bot "
    "resets them). Ask again with `/ask` or `/search`."
)


class LiveViews:
    """The button views this bot process can still answer; a click on any other Newsdesk button
    gets a plain "expired" reply instead of Discord's "This interaction failed"."""

    def __init__(self) -> None:
        self._views: dict[str, ExpiringView] = {}

    def add(self, view: ExpiringView) -> None:
        self._views[view.token] = view
        view.registry = self

    def discard(self, view: ExpiringView) -> None:
        self._views.pop(view.token, None)

    def __contains__(self, token: object) -> bool:
        return token in self._views

    def __len__(self) -> int:
        return len(self._views)

    @staticmethod
    def token_of(custom_id: object) -> str | None:
        """The view token inside one of our custom ids, None for anything else."""
        if not isinstance(custom_id, str) or not custom_id.startswith(VIEW_PREFIX):
            return None
        return custom_id[len(VIEW_PREFIX) :].split(":", 1)[0] or None


def track(client: object, view: ExpiringView | None) -> None:
    """Register a sent view with its bot's :class:`LiveViews` (when the client keeps one)."""
    registry = getattr(client, "live_views", None)
    if view is not None and isinstance(registry, LiveViews):
        registry.add(view)


async def expired(interaction: discord.Interaction) -> None:
    """Tell whoever clicked a dead button that it expired (ephemeral)."""
    if not interaction.response.is_done():
        await interaction.response.send_message(EXPIRED, ephemeral=True, allowed_mentions=NO_MENTIONS)


class ExpiringView(discord.ui.View):
    """A view whose buttons grey out when it times out and whose errors reach the one handler.

    Its buttons' custom ids carry a token (``newsdesk:<token>:<n>``) so that a click after the view
    is gone (timed out, or the bot restarted) is recognised and answered as expired.
    """

    message: discord.Message | discord.WebhookMessage | None = None

    def __init__(self, *, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.token = secrets.token_hex(6)
        self.registry: LiveViews | None = None
        for number, item in enumerate(self.children):
            if isinstance(item, discord.ui.Button):
                item.custom_id = f"{VIEW_PREFIX}{self.token}:{number}"

    async def on_timeout(self) -> None:
        if self.registry is not None:
            self.registry.discard(self)
        await disable(self)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await forward_error(interaction, error)


class SourcesView(ExpiringView):
    """A button under an answer that shows the runner-up passages to whoever presses it (ephemeral)."""

    def __init__(
        self, alternatives: Sequence[Alternative], *, label: str = "Sources", timeout: float | None = None
    ) -> None:
        super().__init__(timeout=SOURCES_TIMEOUT if timeout is None else timeout)
        self.alternatives = tuple(alternatives)
        self.message: discord.Message | discord.WebhookMessage | None = None
        self.show.label = clip(label, BUTTON_LABEL_LIMIT)

    @discord.ui.button(label="Sources", style=discord.ButtonStyle.secondary)
    async def show(self, interaction: discord.Interaction, button: discord.ui.Button[SourcesView]) -> None:
        await interaction.response.send_message(
            embed=alternatives_embed(self.alternatives, title=button.label or "Sources"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


def answer_message(answer: Answer) -> tuple[discord.Embed, SourcesView | None]:
    """The embed and (when there are runner-ups) the button view for an answer."""
    if answer.abstained:
        view = SourcesView(answer.alternatives, label="Closest matches") if answer.alternatives else None
        return abstention_embed(answer), view
    return answer_embed(answer), SourcesView(answer.alternatives) if answer.alternatives else None


# --------------------------------------------------------------------------------------------- search

SEARCH_PAGE_SIZE = 3


def search_pages(
    query: str, hits: Sequence[SearchHit], *, page_size: int = SEARCH_PAGE_SIZE
) -> list[discord.Embed]:
    """Search results as one embed per page."""
    title = clip(f"Search: {plain_line(query)}", TITLE_LIMIT)
    if not hits:
        return [discord.Embed(title=title, description="Nothing in the coverage matches that.", colour=MUTED)]
    pages: list[discord.Embed] = []
    total = (len(hits) + page_size - 1) // page_size
    per_hit = (DESCRIPTION_LIMIT - 100) // page_size
    for number, first in enumerate(range(0, len(hits), page_size), start=1):
        parts = []
        for rank, hit in enumerate(hits[first : first + page_size], start=first + 1):
            p = hit.passage
            head = f"**{rank}. {link(p.title or p.url, p.url, 150)}** · {hit.score:.2f}"
            if p.published:
                head += f" · {timestamp(p.published)}"
            body = blockquote(clip(safe(plain_line(p.text)), max(per_hit - len(head) - 10, 50)))
            parts.append(f"{head}\n{body}")
        embed = discord.Embed(
            title=title, description=clip("\n\n".join(parts), DESCRIPTION_LIMIT), colour=BRAND
        )
        embed.set_footer(text=f"Page {number}/{total} · {len(hits)} passages")
        pages.append(fit(embed))
    return pages


class Paginator(ExpiringView):
    """Previous/next buttons that only the person who searched can press; disabled on timeout."""

    def __init__(
        self, owner_id: int, pages: Sequence[discord.Embed], *, timeout: float | None = None
    ) -> None:
        super().__init__(timeout=PAGES_TIMEOUT if timeout is None else timeout)
        self.owner_id = owner_id
        self.pages = list(pages)
        self.index = 0
        self.message: discord.Message | discord.WebhookMessage | None = None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who searched can turn these pages; run `/search` yourself to browse.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(
            embed=self.pages[self.index], view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        self.index = max(self.index - 1, 0)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        self.index = min(self.index + 1, len(self.pages) - 1)
        await self._show(interaction)


async def disable(view: ExpiringView) -> None:
    """Grey out a timed-out view's buttons on its message (best effort)."""
    for item in view.children:
        if isinstance(item, discord.ui.Button):
            item.disabled = True
    if view.message is None:
        return
    try:
        await view.message.edit(view=view, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.debug("could not disable view on message %s: %s", view.message.id, exc)


async def forward_error(interaction: discord.Interaction, error: Exception) -> None:
    """Send a view's error to the one app-command error handler."""
    tree = getattr(interaction.client, "tree", None)
    if tree is None:
        log.error("unhandled view error", exc_info=error)
        return
    await tree.on_error(interaction, error)


# --------------------------------------------------------------------------------------------- digest


def _item_line(item: DigestItem) -> str:
    lede = first_sentence(plain_line(item.lede))
    line = f"**{link(item.title or item.url[:200], item.url, 200)}**"
    if lede:
        line += f"\n{clip(safe(lede), 300)}"
    return clip(line, DESCRIPTION_LIMIT)


def first_sentence(text: str) -> str:
    """The lede's first sentence (a digest shows one line per article)."""
    for stop in (". ", "! ", "? "):
        at = text.find(stop)
        if at >= 40:
            text = text[: at + 1]
            break
    return text


def digest_embeds(digest: Digest) -> list[discord.Embed]:
    """One embed per site (more when a site's list overflows one description)."""
    embeds: list[discord.Embed] = []
    for site, items in digest.by_site().items():
        name = clip(safe(site), TITLE_LIMIT - 12)
        chunk: list[str] = []
        size = 0
        for item in items:
            line = _item_line(item)
            if chunk and size + len(line) + 2 > DESCRIPTION_LIMIT:
                embeds.append(discord.Embed(title=name, description="\n\n".join(chunk), colour=BRAND))
                name = clip(f"{safe(site)} (cont.)", TITLE_LIMIT)
                chunk, size = [], 0
            chunk.append(line)
            size += len(line) + 2
        if chunk:
            embeds.append(discord.Embed(title=name, description="\n\n".join(chunk), colour=BRAND))
    return [fit(embed) for embed in embeds]


def pack_embeds(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in (fit(e) for e in embeds):
        length = len(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or size + length > MESSAGE_EMBED_TOTAL):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += length
    if current:
        messages.append(current)
    return messages


def digest_messages(digest: Digest, *, heading: str = "Daily digest") -> list[dict[str, Any]]:
    """The digest as keyword arguments for successive ``send`` calls (content + embeds)."""
    count = len(digest.items)
    noun = "article" if count == 1 else "articles"
    batches = pack_embeds(digest_embeds(digest))
    messages: list[dict[str, Any]] = []
    for number, embeds in enumerate(batches):
        content = clip(f"📰 **{heading}**: {count} new {noun}", CONTENT_LIMIT) if number == 0 else None
        messages.append({"content": content, "embeds": embeds, "allowed_mentions": NO_MENTIONS})
    return messages


# --------------------------------------------------------------------------------------------- replies


async def think(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge now (Discord wants an answer within 3 s) and show "thinking…" until we reply."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        interaction.extras["placeholder"] = True


def within_limits(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Message keyword arguments with content cut to 2,000 characters and every embed fitted."""
    fitted = dict(kwargs)
    if isinstance(fitted.get("content"), str):
        fitted["content"] = clip(fitted["content"], CONTENT_LIMIT)
    if isinstance(fitted.get("embed"), discord.Embed):
        fitted["embed"] = fit(fitted["embed"])
    if fitted.get("embeds"):
        fitted["embeds"] = [fit(e) for e in fitted["embeds"]][:EMBEDS_PER_MESSAGE]
    return fitted


REFUSED = (
    "Discord would not show my reply ({reason}). "
    "Please try again, or ask a server admin to check my permissions."
)


async def reply(
    interaction: discord.Interaction, **kwargs: Any
) -> discord.InteractionMessage | discord.WebhookMessage | None:
    """Reply to an interaction whether or not it was deferred; returns the message when it can.

    Everything is cut to Discord's limits first; if Discord still refuses the message, a short
    explanation is sent instead, so the person who asked never sees nothing.
    """
    kwargs = within_limits(kwargs)
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if kwargs.get("view") is None:
        kwargs.pop("view", None)
    view = kwargs.get("view")
    sent: discord.InteractionMessage | discord.WebhookMessage | None
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs)
            sent = await interaction.original_response() if view is not None else None
        else:
            interaction.extras["placeholder"] = False
            sent = await interaction.followup.send(wait=True, **kwargs)
    except discord.HTTPException as exc:
        if exc.status != 400:
            raise
        log.warning("Discord refused a reply (%s %s); sending a short explanation", exc.status, exc.code)
        reason = clip(f"{exc.status}: {exc.text or 'invalid message'}", 200)
        text = REFUSED.format(reason=reason)
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return None
    if isinstance(view, ExpiringView):
        track(interaction.client, view)
    return sent
