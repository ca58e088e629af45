"""/ask, /search and questions asked by mentioning the bot (answered in a thread)."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits, metrics, ui
from bot.exts._errors import explain, new_reference
from knowledge.models import Answer, SearchOptions, Turn

if TYPE_CHECKING:
    from bot.app import NewsdeskBot
    from knowledge.service import Knowledge

log = logging.getLogger(__name__)

COOLDOWN_RATE = 8  # questions per user ...
COOLDOWN_SECONDS = 60.0  # ... per this many seconds
SEARCH_LIMIT = 15
THREAD_NAME_LIMIT = 100
HISTORY_LIMIT = 50
MAX_TURNS = 6
NOTICE_SECONDS = 600.0  # a user gets at most one cooldown notice or usage hint per this many seconds


def _per_user(interaction: discord.Interaction) -> int:
    return interaction.user.id


def question_from(message: discord.Message, bot_id: int) -> str:
    """The message text without the bot's mention(s)."""
    text = re.sub(rf"<@!?{bot_id}>", " ", message.content)
    return " ".join(text.split())


def thread_name(question: str) -> str:
    """A thread title made from the question (Discord allows 100 characters)."""
    name = " ".join(question.split()) or "Question"
    return limits.clip(name, THREAD_NAME_LIMIT)


def answer_text(answer: Answer) -> str | None:
    """What a later question in the same thread should know about this answer."""
    if answer.abstained:
        return None
    return answer.answer or answer.quote


class ThreadMemory:
    """The questions and answers of recent threads, so follow-ups don't re-read history each time."""

    def __init__(self, size: int = 500) -> None:
        self._turns: OrderedDict[int, list[Turn]] = OrderedDict()
        self._size = size

    def get(self, thread_id: int) -> list[Turn] | None:
        turns = self._turns.get(thread_id)
        if turns is not None:
            self._turns.move_to_end(thread_id)
        return turns

    def add(self, thread_id: int, turn: Turn) -> None:
        self._turns.setdefault(thread_id, []).append(turn)
        self._turns.move_to_end(thread_id)
        while len(self._turns) > self._size:
            self._turns.popitem(last=False)

    def seed(self, thread_id: int, turns: list[Turn]) -> None:
        self._turns[thread_id] = list(turns)


class Notices:
    """Remembers when each user last got a notice (cooldown, usage hint), so a burst of mentions
    gets one reply rather than one per message."""

    def __init__(self, every: float = NOTICE_SECONDS, size: int = 10_000) -> None:
        self.every = every
        self._last: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._size = size

    def due(self, user_id: int, kind: str) -> bool:
        now = time.monotonic()
        key = (user_id, kind)
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._size:
            self._last.popitem(last=False)
        return True


class AskCog(commands.Cog):
    """Answers questions with a quote and a link."""

    def __init__(self, bot: NewsdeskBot, knowledge: Knowledge) -> None:
        self.bot = bot
        self.knowledge = knowledge
        self.memory = ThreadMemory()
        self.notices = Notices()
        self.mention_cooldown = commands.CooldownMapping.from_cooldown(
            COOLDOWN_RATE, COOLDOWN_SECONDS, commands.BucketType.user
        )

    async def _ask(
        self, question: str, *, guild: int | None, via: str, context: list[Turn] | None = None
    ) -> Answer:
        """Ask the knowledge service, counting the question and its latency for /metrics."""
        started = time.perf_counter()
        answer = await self.knowledge.ask(question, guild=guild, context=context or ())
        metrics.record_answer(via, time.perf_counter() - started, abstained=answer.abstained)
        return answer

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know, in your own words")
    @app_commands.checks.cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS, key=_per_user)
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]) -> None:
        """Ask a question about the news coverage; I answer with a quote and a link."""
        await ui.think(interaction)
        answer = await self._ask(question, guild=interaction.guild_id, via="slash")
        embed, view = ui.answer_message(answer)
        message = await ui.reply(interaction, embed=embed, view=view)
        if view is not None:
            view.message = message

    @app_commands.command(name="search")
    @app_commands.describe(query="Words to look for in the stored articles")
    @app_commands.checks.cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS, key=_per_user)
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 1000]) -> None:
        """Search the stored coverage and page through the best matching passages."""
        await ui.think(interaction)
        hits = await self.knowledge.search(
            query, SearchOptions(limit=SEARCH_LIMIT), guild=interaction.guild_id
        )
        pages = ui.search_pages(query, hits)
        if len(pages) == 1:
            await ui.reply(interaction, embed=pages[0])
            return
        view = ui.Paginator(interaction.user.id, pages)
        view.message = await ui.reply(interaction, embed=pages[0], view=view)

    # ----------------------------------------------------------------------------------- mentions

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or self.bot.stopping:
            return
        if me.id not in message.raw_mentions:
            return
        with self.bot.in_flight.track():
            await self._on_mention(message, me.id)

    async def _on_mention(self, message: discord.Message, bot_id: int) -> None:
        question = question_from(message, bot_id)
        if not question:
            if self.notices.due(message.author.id, "hint"):
                await self._send(
                    message.channel, "Mention me with a question, e.g. `@Newsdesk when was the deadline?`"
                )
            return
        bucket = self.mention_cooldown.get_bucket(message)
        retry_after = bucket.update_rate_limit() if bucket is not None else None
        if retry_after:
            if self.notices.due(message.author.id, "cooldown"):
                await self._send(
                    message.channel,
                    f"Easy there! You're asking faster than I can read; try again in {retry_after:.0f} s.",
                    reference=message,
                )
            return
        try:
            await self._answer_mention(message, question)
        except Exception as error:
            await self._report(message, error)

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        channel = await self._resolve(message.channel)
        if isinstance(channel, discord.Thread) or self.memory.get(channel.id) is not None:
            context = await self._context(channel, before=message)
            answer = await self._ask(question, guild=guild_id, via="mention", context=context)
            await self._post_answer(channel, answer, reference=message)
            self.memory.add(
                channel.id, Turn(question, answer_text(answer), url=None if answer.abstained else answer.url)
            )
            return
        # Answer first: a question that cannot be asked (too long, empty) is explained in place
        # instead of leaving an empty thread behind.
        answer = await self._ask(question, guild=guild_id, via="mention")
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except (discord.HTTPException, ValueError) as exc:
            log.warning("could not open a thread in %s (%s); answering in place", channel.id, exc)
            await self._post_answer(channel, answer, reference=message)
            return
        self.memory.seed(thread.id, [])
        await self._post_answer(thread, answer)
        self.memory.add(
            thread.id, Turn(question, answer_text(answer), url=None if answer.abstained else answer.url)
        )

    async def _resolve(self, channel: discord.abc.MessageableChannel) -> discord.abc.MessageableChannel:
        """Look up a channel the gateway didn't tell us about (e.g. a thread created while we were away)."""
        if not isinstance(channel, discord.PartialMessageable) or self.memory.get(channel.id) is not None:
            return channel
        try:
            fetched = await self.bot.fetch_channel(channel.id)
        except discord.HTTPException:
            return channel
        return fetched if isinstance(fetched, discord.Thread | discord.TextChannel) else channel

    async def _post_answer(
        self, channel: discord.abc.Messageable, answer: Answer, *, reference: discord.Message | None = None
    ) -> None:
        embed, view = ui.answer_message(answer)
        kwargs: dict[str, object] = {"embed": limits.fit(embed), "allowed_mentions": ui.NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if reference is not None:
            kwargs["reference"] = reference.to_reference(fail_if_not_exists=False)
            kwargs["mention_author"] = False
        sent = await channel.send(**kwargs)  # type: ignore[call-overload]
        if view is not None:
            view.message = sent
            ui.track(self.bot, view)

    async def _context(
        self, thread: discord.abc.MessageableChannel, *, before: discord.Message
    ) -> list[Turn]:
        """The thread's earlier questions and answers, oldest first (remembered, else read from history)."""
        remembered = self.memory.get(thread.id)
        if remembered is not None:
            return remembered[-MAX_TURNS:]
        turns = await self._read_history(thread, before)
        self.memory.seed(thread.id, turns)
        return turns[-MAX_TURNS:]

    async def _read_history(
        self, thread: discord.abc.MessageableChannel, before: discord.Message
    ) -> list[Turn]:
        me = self.bot.user
        if me is None:
            return []
        messages: list[discord.Message] = []
        if isinstance(thread, discord.Thread):
            try:
                starter = thread.starter_message
                if starter is None and isinstance(thread.parent, discord.TextChannel):
                    starter = await thread.parent.fetch_message(thread.id)
                if starter is not None:
                    messages.append(starter)
            except discord.HTTPException:
                pass
        try:
            recent = [m async for m in thread.history(limit=HISTORY_LIMIT, before=before)]
            messages.extend(reversed(recent))  # newest first from Discord; we want oldest first
        except discord.HTTPException as exc:
            log.info("could not read thread %s history: %s", thread.id, exc)
        turns: list[Turn] = []
        for msg in messages:
            if msg.author.id == me.id:
                if turns and turns[-1].answer is None and msg.embeds:
                    turns[-1] = Turn(
                        turns[-1].question, _answer_from_embed(msg.embeds[0]), url=msg.embeds[0].url or None
                    )
            elif me.id in msg.raw_mentions:
                question = question_from(msg, me.id)
                if question:
                    turns.append(Turn(question))
        return turns

    async def _send(
        self, channel: discord.abc.Messageable, text: str, *, reference: discord.Message | None = None
    ) -> None:
        text = limits.clip(text, limits.CONTENT_LIMIT)
        try:
            if reference is not None:
                await channel.send(
                    text,
                    allowed_mentions=ui.NO_MENTIONS,
                    reference=reference.to_reference(fail_if_not_exists=False),
                    mention_author=False,
                )
            else:
                await channel.send(text, allowed_mentions=ui.NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not reply in %s: %s", getattr(channel, "id", "?"), exc)

    async def _report(self, message: discord.Message, error: Exception) -> None:
        text, unexpected = explain(error)
        if unexpected:
            ref = new_reference()
            log.error("unexpected error answering a mention (ref %s)", ref, exc_info=error)
            text = f"{text} If it keeps happening, tell the admins reference `{ref}`."
        await self._send(message.channel, text, reference=message)


def _answer_from_embed(embed: discord.Embed) -> str | None:
    for field in embed.fields:
        if field.name == "Answer" and field.value:
            return field.value.replace("\\", "")
    if embed.description and embed.title != "No answer found":
        return embed.description.replace("> ", "").replace("**", "").replace("\\", "")
    return None


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(AskCog(bot, bot.knowledge))
