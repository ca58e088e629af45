"""/digest set|now|off|status (Manage Server) and the loop that posts each server's daily digest."""

from __future__ import annotations

import asyncio
import functools
import logging
import zoneinfo
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import limits, metrics, ui
from bot.exts.sources import MANAGE_GUILD, require_manage_guild
from knowledge.models import Digest, DigestRun, DigestSchedule

if TYPE_CHECKING:
    from bot.app import NewsdeskBot
    from knowledge.service import Knowledge

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
STOP_SECONDS = 3.0  # a digest being posted at shutdown gets this long to finish its round
POSTABLE = (discord.ChannelType.text, discord.ChannelType.news)


class PostFailed(Exception):
    """Discord refused the channel (permissions, gone) or failed; the digest is retried later."""


@functools.cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_choices(current: str, limit: int = 25) -> list[app_commands.Choice[str]]:
    """IANA names matching what was typed: prefix matches first, then anywhere in the name."""
    needle = current.strip().lower().replace(" ", "_")
    names = timezone_names()
    if not needle:
        picked: list[str] = [
            n for n in ("UTC", "Europe/London", "America/New_York", "Asia/Karachi") if n in names
        ]
    else:
        prefix = [n for n in names if n.lower().startswith(needle)]
        inside = [n for n in names if needle in n.lower() and n not in prefix]
        picked = prefix + inside
    return [app_commands.Choice(name=n, value=n) for n in picked[:limit]]


class TextChannelOption(app_commands.Transformer):
    """A text or announcement channel, accepted from the interaction's resolved data (no cache needed)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(POSTABLE)

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


def post_failure(error: discord.HTTPException, channel_id: int) -> str:
    """Plain words for why a digest could not be posted."""
    if isinstance(error, discord.Forbidden):
        return (
            f"I'm not allowed to post in <#{channel_id}> "
            "(missing permission: View Channel, Send Messages or Embed Links)."
        )
    if isinstance(error, discord.NotFound):
        return f"The digest channel <#{channel_id}> no longer exists; pick another with `/digest set`."
    return (
        f"Discord refused the digest post in <#{channel_id}> ({error.status}: {error.text or 'no detail'})."
    )


def posted_summary(digest: Digest, channel_id: int, shown: int = 5) -> str:
    """The confirmation after ``/digest now``: where it went and the first few articles."""
    count = len(digest.items)
    lines = [f"Posted the digest ({count} {'article' if count == 1 else 'articles'}) in <#{channel_id}>:"]
    lines += [f"• {limits.link(item.title or item.url, item.url, 150)}" for item in digest.items[:shown]]
    if count > shown:
        lines.append(f"… and {count - shown} more.")
    return limits.clip("\n".join(lines), limits.CONTENT_LIMIT)


def status_embed(schedule: DigestSchedule | None) -> discord.Embed:
    embed = discord.Embed(title="Daily digest", colour=ui.BRAND)
    if schedule is None:
        embed.description = "No digest is set up. Use `/digest set` to choose a channel and a time."
        return embed
    state = "on" if schedule.enabled else "off"
    zone = limits.safe(schedule.timezone)
    embed.description = f"**{state}**: <#{schedule.channel_id}> every day at {schedule.time} ({zone})"
    if schedule.last_posted_at:
        posted = ui.timestamp(schedule.last_posted_at, "f")
        embed.add_field(name="Last posted", value=posted, inline=True)
    if schedule.last_posted_on:
        embed.add_field(name="Last scheduled day", value=schedule.last_posted_on.isoformat(), inline=True)
    if schedule.last_error:
        embed.add_field(
            name="⚠️ Last problem",
            value=limits.clip(schedule.last_error, limits.FIELD_VALUE_LIMIT),
            inline=False,
        )
    return embed


class DigestCog(commands.Cog):
    """Posts what is new once a day in each server's chosen channel."""

    digest = app_commands.Group(
        name="digest",
        description="The daily digest of new articles",
        default_permissions=MANAGE_GUILD,
        guild_only=True,
    )

    def __init__(self, bot: NewsdeskBot, knowledge: Knowledge, *, tick_seconds: float = TICK_SECONDS) -> None:
        self.bot = bot
        self.knowledge = knowledge
        self._lock = asyncio.Lock()
        self.rounds = 0  # completed loop rounds (tests and health checks wait on it)
        self.tick.change_interval(seconds=tick_seconds)

    async def cog_load(self) -> None:
        self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()

    async def stop_work(self) -> None:
        """Shutdown: let a digest being posted finish (bounded), then stop the loop."""
        self.tick.stop()
        deadline = asyncio.get_running_loop().time() + STOP_SECONDS
        while self._lock.locked() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        self.tick.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return require_manage_guild(interaction)

    @digest.command(name="set")
    @app_commands.describe(
        channel="Where to post the digest",
        time="Local time of day, 24-hour HH:MM (e.g. 08:30)",
        timezone="Your time zone, an IANA name such as Europe/London",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption],
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        """Post a digest of new articles every day at this time in this channel."""
        assert interaction.guild_id is not None
        await ui.think(interaction, ephemeral=True)
        schedule = await self.knowledge.set_digest(interaction.guild_id, channel.id, time, timezone)
        await ui.reply(
            interaction,
            content=(
                f"Done: the digest goes to <#{schedule.channel_id}> every day at {schedule.time} "
                f"({limits.safe(schedule.timezone)}). Use `/digest now` to post one right away."
            ),
            ephemeral=True,
        )

    @set_.autocomplete("timezone")
    async def _timezones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @digest.command(name="now")
    async def now(self, interaction: discord.Interaction) -> None:
        """Post the digest of what is new right now (in the digest channel, or here if none is set)."""
        assert interaction.guild_id is not None
        await ui.think(interaction, ephemeral=True)
        schedule = await self.knowledge.get_digest(interaction.guild_id)
        channel_id = schedule.channel_id if schedule and schedule.enabled else interaction.channel_id
        assert channel_id is not None
        async with self._lock:
            digest = await self.knowledge.guild_digest(interaction.guild_id)
            if not digest.items:
                await ui.reply(interaction, content="Nothing new since the last digest.", ephemeral=True)
                return
            error = await self._post(interaction.guild_id, channel_id, digest, heading="Digest")
            if schedule is not None:
                await self.knowledge.record_digest(
                    interaction.guild_id, for_date=None, at=digest.until, error=error
                )
        if error:
            await ui.reply(interaction, content=error, ephemeral=True)
            return
        await ui.reply(
            interaction, content=posted_summary(digest, channel_id), ephemeral=True, suppress_embeds=True
        )

    @digest.command(name="off")
    async def off(self, interaction: discord.Interaction) -> None:
        """Stop posting the daily digest in this server."""
        assert interaction.guild_id is not None
        await ui.think(interaction, ephemeral=True)
        was_on = await self.knowledge.disable_digest(interaction.guild_id)
        text = "The daily digest is off." if was_on is not False else "There was no daily digest to turn off."
        await ui.reply(interaction, content=text, ephemeral=True)

    @digest.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show where and when the digest is posted, when it last went out and any problem."""
        assert interaction.guild_id is not None
        await ui.think(interaction, ephemeral=True)
        schedule = await self.knowledge.get_digest(interaction.guild_id)
        await ui.reply(interaction, embed=status_embed(schedule), ephemeral=True)

    # ----------------------------------------------------------------------------------- the loop

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        """Post every digest that is due; one failure never stops the others or the loop."""
        try:
            await self.run_due(datetime.now(UTC))
        except Exception:
            log.exception("digest round failed; will retry next minute")
        finally:
            self.rounds += 1

    @tick.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def run_due(self, now: datetime) -> int:
        """Post the digests due at ``now`` for the servers of this process's shards; returns how
        many were posted. The database hands each (server, day) to one process only."""
        posted = 0
        async with self._lock:
            for schedule, day in await self.knowledge.due_digests(now):
                if not self.bot.owns_guild(schedule.guild):
                    continue
                try:
                    posted += await self._post_scheduled(schedule, day, now)
                except Exception:
                    log.exception("digest for server %s failed", schedule.guild)
        return posted

    async def _post_scheduled(self, schedule: DigestSchedule, day: date, now: datetime) -> int:
        run = await self.knowledge.claim_digest(schedule, day, now)
        if run is None:
            return 0  # posted already, posting elsewhere, or waiting before a retry
        digest = await self.knowledge.guild_digest(schedule.guild, until=run.until)
        if not digest.items:
            log.info("server %s: nothing new for the %s digest", schedule.guild, day)
            await self.knowledge.finish_digest(run)
            metrics.DIGESTS.labels("empty").inc()
            return 0
        try:
            refused = await self._post_run(run, digest)
        except PostFailed as failure:
            retry_at = await self.knowledge.postpone_digest(run, str(failure), now)
            log.warning("server %s: digest not posted (%s); next try %s", schedule.guild, failure, retry_at)
            metrics.DIGESTS.labels("failed").inc()
            return 0
        if not await self.knowledge.finish_digest(run, error=refused):
            return 0  # another process took over meanwhile (our claim had expired)
        metrics.DIGESTS.labels("posted").inc()
        log.info(
            "server %s: posted the %s digest (%d articles)",
            schedule.guild,
            day,
            len(digest.items),
            extra={"guild": schedule.guild, "command": "digest", "outcome": "posted"},
        )
        return 1

    async def _post_run(self, run: DigestRun, digest: Digest) -> str | None:
        """Send the messages not sent yet, recording each one; returns why Discord refused a message
        for good (it is skipped, the rest still go out), or None. Raises PostFailed to retry later."""
        channel = self.bot.get_partial_messageable(run.channel_id, guild_id=run.guild)
        refused = None
        messages = ui.digest_messages(digest)
        for number, message in enumerate(messages[run.sent :], start=run.sent):
            try:
                await channel.send(**message)
            except discord.HTTPException as exc:
                reason = post_failure(exc, run.channel_id)
                if exc.status != 400:
                    raise PostFailed(reason) from None
                log.warning(
                    "server %s: digest message %d refused for good: %s", run.guild, number + 1, reason
                )
                refused = f"{reason} (message {number + 1} of {len(messages)} skipped; the rest were posted)"
            if not await self.knowledge.digest_sent(run, number + 1):
                raise PostFailed("the digest claim expired while posting; another attempt will finish it")
        return refused

    async def _post(
        self, guild: int, channel_id: int, digest: Digest, *, heading: str = "Daily digest"
    ) -> str | None:
        """Send the digest now (``/digest now``); returns the reason it failed, or None. A message
        Discord refuses as invalid is skipped; the channel refusing stops the rest."""
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild)
        for message in ui.digest_messages(digest, heading=heading):
            try:
                await channel.send(**message)
            except discord.HTTPException as exc:
                reason = post_failure(exc, channel_id)
                log.warning("server %s: digest message not posted: %s", guild, reason)
                if exc.status != 400:
                    return reason
        log.info("server %s: posted a digest of %d articles in %s", guild, len(digest.items), channel_id)
        return None


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(DigestCog(bot, bot.knowledge))
