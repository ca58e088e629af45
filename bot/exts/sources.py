"""/sources add|list|remove (Manage Server) and the background loop that polls due sources."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import limits, ui
from knowledge.models import IngestResult, Source

if TYPE_CHECKING:
    from bot.app import NewsdeskBot
    from knowledge.service import Knowledge

log = logging.getLogger(__name__)

MANAGE_GUILD = discord.Permissions(manage_guild=True)


def require_manage_guild(interaction: discord.Interaction) -> bool:
    """Runtime twin of ``default_permissions``: server settings can override who sees a command."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


def describe_added(source: Source, results: list[IngestResult]) -> str:
    """What ``/sources add`` found, in one short paragraph."""
    stored = [r for r in results if r.status != "failed"]
    failed = [r for r in results if r.status == "failed"]
    name = limits.safe(source.title or source.url)
    if source.kind == "feed":
        entries = sum(r.articles for r in stored)
        noun = _plural(entries, "entry", "entries")
        text = f"Added feed **{name}** (source #{source.id}) with {entries} {noun}"
        text += f", stored {sum(r.passages for r in stored)} passages."
    else:
        text = f"Added page **{name}** (source #{source.id}): one article"
        text += f", {sum(r.passages for r in stored)} passages." if stored else "."
    if failed:
        problem = limits.safe(failed[0].error or "unknown error")
        text += f"\n{len(failed)} could not be read; first problem: {problem}"
    text += "\nI'll check it for new articles in the background."
    return limits.clip(text, limits.CONTENT_LIMIT)


def sources_embed(sources: list[Source]) -> discord.Embed:
    """Each source with its state, last success and last error."""
    embed = discord.Embed(title="Sources", colour=ui.BRAND)
    if not sources:
        embed.description = "No sources yet. Add a feed or page with `/sources add`."
        return embed
    lines: list[str] = []
    for source in sources:
        state = "✅ active" if source.state == "active" else "⏸️ paused"
        title = limits.link(source.title or source.url, source.url, 120)
        line = f"**#{source.id}** {title} · {source.kind} · {state}"
        line += f" · {source.articles} {_plural(source.articles, 'article', 'articles')}"
        if source.last_success:
            line += f"\n  last success {ui.timestamp(source.last_success, 'R')}"
        if source.last_error:
            line += f"\n  last error ({source.failures}×): {limits.clip(limits.safe(source.last_error), 200)}"
        lines.append(line)
    text = ""
    for shown, line in enumerate(lines):
        if len(text) + len(line) + 40 > limits.DESCRIPTION_LIMIT:
            text += f"\n… and {len(lines) - shown} more."
            break
        text += ("\n" if text else "") + line
    embed.description = text
    return embed


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


class SourcesCog(commands.Cog):
    """Feeds and pages that are polled for new articles."""

    sources = app_commands.Group(
        name="sources",
        description="Manage the feeds and pages this server follows",
        default_permissions=MANAGE_GUILD,
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot, knowledge: Knowledge) -> None:
        self.bot = bot
        self.knowledge = knowledge
        self.poll.change_interval(minutes=bot.settings.poll_minutes)

    async def cog_load(self) -> None:
        self.poll.start()

    async def cog_unload(self) -> None:
        self.poll.cancel()

    async def stop_work(self) -> None:
        """Shutdown: stop polling now (a cancelled round gives its sources back to other processes)."""
        self.poll.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @sources.command(name="add")
    @app_commands.describe(url="Link to a news article or to an RSS/Atom/JSON feed")
    async def add(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000]) -> None:
        """Follow a feed or page: I fetch it now and check it for new articles from then on."""
        await ui.think(interaction, ephemeral=True)
        source, results = await self.knowledge.add_source(url.strip(), guild=interaction.guild_id)
        await ui.reply(interaction, content=describe_added(source, results), ephemeral=True)

    @sources.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """Show this server's sources with their state, last success and last error."""
        await ui.think(interaction, ephemeral=True)
        found = await self.knowledge.list_sources(guild=interaction.guild_id)
        await ui.reply(interaction, embed=sources_embed(found), ephemeral=True)

    @sources.command(name="remove")
    @app_commands.describe(source="The source to stop following")
    async def remove(self, interaction: discord.Interaction, source: int) -> None:
        """Stop following a source (articles already stored stay searchable)."""
        await ui.think(interaction, ephemeral=True)
        removed = await self.knowledge.remove_source(source, guild=interaction.guild_id)
        name = limits.safe(removed.title or removed.url)
        await ui.reply(
            interaction,
            content=f"Stopped following **{name}** (source #{removed.id}).",
            ephemeral=True,
        )

    @remove.autocomplete("source")
    async def _source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            return []
        needle = current.lower().strip()
        choices = []
        for source in await self.knowledge.list_sources(guild=interaction.guild_id):
            label = f"#{source.id} {source.title or source.url}"
            if needle and needle not in label.lower() and needle not in source.url.lower():
                continue
            choices.append(app_commands.Choice(name=limits.clip(label, 100), value=source.id))
        return choices[:25]

    @tasks.loop(minutes=15)
    async def poll(self) -> None:
        """Poll every due source once; failures are logged and the loop carries on."""
        try:
            results = await self.knowledge.poll_due()
        except Exception:
            log.exception("polling sources failed; will retry next round")
            return
        new = [r for r in results if r.status in ("added", "updated")]
        if new:
            log.info("polled sources: %d new or updated", len(new))


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(SourcesCog(bot, bot.knowledge))
