"""NewsdeskBot: shards, the knowledge service, every extension, health checks and a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.shard import Shard

from bot.config import BotSettings
from bot.health import HealthServer
from bot.invite import invite_url
from bot.logs import describe
from bot.tree import InFlight, NewsdeskTree, shard_of
from bot.ui import LiveViews, expired
from knowledge import heap
from knowledge.poller import worker_name

if TYPE_CHECKING:
    from knowledge.service import Knowledge

log = logging.getLogger(__name__)

EXTENSIONS_PACKAGE = "bot.exts"
ERROR_HANDLER = "bot.exts._errors"
INDEX_FOLLOW_SECONDS = 5.0  # how often the search index pulls what other processes stored
GATEWAY_RETRY_CAP = 60.0


def discover_extensions(package: str = EXTENSIONS_PACKAGE) -> Iterator[str]:
    """Every feature module under ``bot/exts`` (names starting with ``_`` are skipped)."""
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__, prefix=f"{package}."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            yield info.name


def intents() -> discord.Intents:
    """The minimum we need: servers and channels, plus messages (their text arrives when we're mentioned)."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # guilds, channels, threads
    wanted.guild_messages = True  # MESSAGE_CREATE in servers; content is included when the bot is mentioned
    return wanted


class NewsdeskBot(commands.AutoShardedBot):
    """The Discord front end over the shards of this process (``NEWSDESK_SHARD_COUNT`` / ``_IDS``;
    unset: Discord's recommended count, all here). ``knowledge`` is opened in :meth:`setup_hook`
    unless one is passed in."""

    def __init__(self, settings: BotSettings, *, knowledge: Knowledge | None = None, **options: Any) -> None:
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=NewsdeskTree,
            shard_count=settings.shard_count,
            **options,
        )
        self.settings = settings
        self._knowledge = knowledge
        self._owns_knowledge = knowledge is None
        self.synced: bool | None = None  # True: pushed commands, False: up to date, None: another shard's job
        self.stopping = False
        self.in_flight = InFlight()
        self.live_views = LiveViews()
        self.index_caught_up = False
        self.health: HealthServer | None = None
        self._index_task: asyncio.Task[None] | None = None
        if settings.discord_api_base:
            # process-wide in discord.py: every REST call, interaction callbacks and webhooks included
            Route.BASE = settings.discord_api_base.rstrip("/")
        if settings.discord_gateway:
            self._route_gateway(settings.discord_gateway)

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            raise RuntimeError("the knowledge service is opened in setup_hook")
        return self._knowledge

    @property
    def shard_label(self) -> str:
        ids = self.settings.shard_ids
        return (
            "all shards" if ids is None else f"shard {','.join(map(str, ids))} of {self.settings.shard_count}"
        )

    def owns_guild(self, guild_id: int) -> bool:
        """Whether ``guild_id`` is served by one of this process's shards (so its digest is ours)."""
        if self.shard_ids is None or not self.shard_count:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    def _route_gateway(self, gateway: str) -> None:
        """Connect (and resume) to ``gateway`` instead of Discord's, keeping discord.py's query string."""
        target = yarl.URL(gateway)
        original = self.http.ws_connect

        async def ws_connect(url: str, *, compress: int = 0) -> Any:
            rewritten = target.with_query(yarl.URL(url).query)
            return await original(str(rewritten), compress=compress)

        self.http.ws_connect = ws_connect  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        if self._knowledge is None:
            from knowledge.service import Knowledge

            self._knowledge = await Knowledge.open(
                self.settings, worker=f"{worker_name()} {self.shard_label}"
            )
        await self.load_extension(ERROR_HANDLER)
        for name in discover_extensions():
            await self.load_extension(name)
        if self.settings.runs_first_shard:
            await self.sync_commands()
            if self.application_id is not None:
                log.info("invite the bot to a server with %s", invite_url(self.application_id))
        else:
            log.info("slash commands are synced by the process running shard 0")
        self._index_task = asyncio.create_task(self._follow_index(), name="newsdesk-index")
        if self.settings.http_port is not None:
            self.health = HealthServer(self, self.settings.http_host, self.settings.http_port)
            await self.health.start()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are handled by the ask extension."""

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on one of our buttons whose view is gone (timed out, or from before a restart)."""
        if interaction.type is not discord.InteractionType.component or not isinstance(
            interaction.data, dict
        ):
            return
        token = LiveViews.token_of(interaction.data.get("custom_id"))
        if token is not None and token not in self.live_views:
            with contextlib.suppress(discord.HTTPException):
                await expired(interaction)

    async def _follow_index(self) -> None:
        """Catch the search index up now (a new process is not ready before) and keep it following."""
        failing = False
        while True:
            try:
                await self.knowledge.catch_up()
                if not self.index_caught_up:
                    log.info("search index caught up with the database")
                    heap.settle()  # the index and its typo tables are loaded now
                self.index_caught_up = True
                failing = False
            except Exception as error:
                if not failing:
                    log.warning("search index could not catch up (%s); retrying", describe(error))
                failing = True
            await asyncio.sleep(INDEX_FOLLOW_SECONDS)

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        """Connect one shard, retrying with backoff and one log line per attempt (discord.py logs a
        traceback every 5 s instead)."""
        attempt = 0
        while True:
            try:
                coro = DiscordWebSocket.from_client(self, initial=initial, gateway=gateway, shard_id=shard_id)
                ws = await asyncio.wait_for(coro, timeout=self.shard_connect_timeout)
                break
            except Exception as error:
                if self.is_closed():
                    return
                attempt += 1
                delay = min(GATEWAY_RETRY_CAP, 2.0**attempt) * random.uniform(0.75, 1.0)
                log.warning(
                    "shard %d: cannot connect to the Discord gateway (%s); retrying in %.0f s (attempt %d)",
                    shard_id,
                    describe(error),
                    delay,
                    attempt,
                )
                await asyncio.sleep(delay)
        # discord.py keeps its shards and event queue in name-mangled attributes (pinned <3)
        shard = Shard(ws, self, self._AutoShardedClient__queue.put_nowait)  # type: ignore[attr-defined]
        self._AutoShardedClient__shards[shard_id] = shard  # type: ignore[attr-defined]
        shard.launch()

    # ----------------------------------------------------------------------------------- graceful stop

    async def stop_taking_work(self) -> None:
        """SIGTERM, step one: refuse new commands and mentions, stop the polling and digest loops."""
        self.stopping = True
        for cog in list(self.cogs.values()):
            stop = getattr(cog, "stop_work", None)
            if stop is not None:
                with contextlib.suppress(Exception):
                    await stop()

    async def release_claims(self) -> None:
        """Give the sources and digests this process holds back to the others."""
        if self._knowledge is not None:
            try:
                await self._knowledge.release_claims()
            except Exception as error:
                log.warning("could not release claims (%s); they expire by themselves", describe(error))

    # ----------------------------------------------------------------------------------- command sync

    def command_payload(self, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
        """The slash commands as Discord will store them for ``guild`` (or globally)."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def sync_commands(self) -> bool:
        """Push slash commands to the dev server (instant) or globally, only when Discord's copy differs."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        local = fingerprint(self.command_payload(guild))
        remote: list[dict[str, Any]] | None = None
        if self.application_id is not None:
            try:
                if guild is None:
                    fetched = await self.http.get_global_commands(self.application_id)
                else:
                    fetched = await self.http.get_guild_commands(self.application_id, guild.id)
                remote = fingerprint(list(fetched))  # type: ignore[arg-type]
            except discord.HTTPException as exc:
                log.info("could not read registered commands (%s); syncing", exc)
        where = f"server {guild.id}" if guild else "all servers"
        if remote == local:
            log.info("slash commands for %s are up to date", where)
            self.synced = False
            return False
        await self.tree.sync(guild=guild)
        log.info("synced %d slash commands to %s", len(local), where)
        self.synced = True
        return True

    async def close(self) -> None:
        if self._index_task is not None:
            self._index_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._index_task
            self._index_task = None
        if self.health is not None:
            await self.health.stop()
            self.health = None
        try:
            await super().close()
        finally:
            if self._owns_knowledge and self._knowledge is not None:
                knowledge, self._knowledge = self._knowledge, None
                await knowledge.close()


def fingerprint(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts of command JSON that we define, normalised so local and Discord's copies compare equal."""
    return sorted((_command_key(c) for c in payload), key=lambda c: (c["type"], c["name"]))


def _command_key(data: dict[str, Any]) -> dict[str, Any]:
    permissions = data.get("default_member_permissions")
    return {
        "name": data.get("name"),
        "description": data.get("description", ""),
        "type": data.get("type", 1),
        "nsfw": bool(data.get("nsfw", False)),
        "default_member_permissions": None if permissions is None else str(permissions),
        "options": [_option_key(o) for o in data.get("options") or []],
    }


def _option_key(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data.get("name"),
        "description": data.get("description", ""),
        "type": data.get("type"),
        "required": bool(data.get("required", False)),
        "autocomplete": bool(data.get("autocomplete", False)),
        "choices": [(c.get("name"), c.get("value")) for c in data.get("choices") or []],
        "channel_types": sorted(data.get("channel_types") or []),
        "min_value": data.get("min_value"),
        "max_value": data.get("max_value"),
        "min_length": data.get("min_length"),
        "max_length": data.get("max_length"),
        "options": [_option_key(o) for o in data.get("options") or []],
    }
