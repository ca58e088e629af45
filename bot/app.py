"""NewsdeskBot: opens the knowledge service, loads every extension, syncs slash commands when they change."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord.ext import commands
from discord.http import Route

from knowledge.config import Settings

if TYPE_CHECKING:
    from knowledge.service import Knowledge

log = logging.getLogger(__name__)

EXTENSIONS_PACKAGE = "bot.exts"
ERROR_HANDLER = "bot.exts._errors"


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


class NewsdeskBot(commands.Bot):
    """The Discord front end; ``knowledge`` is opened in :meth:`setup_hook` unless one is passed in."""

    def __init__(self, settings: Settings, *, knowledge: Knowledge | None = None, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self._knowledge = knowledge
        self._owns_knowledge = knowledge is None
        self.synced: bool | None = None  # True: pushed commands, False: already up to date
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

            self._knowledge = await Knowledge.open(self.settings)
        await self.load_extension(ERROR_HANDLER)
        for name in discover_extensions():
            await self.load_extension(name)
        await self.sync_commands()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are handled by the ask extension."""

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
