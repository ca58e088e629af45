"""The one place where errors from slash commands and buttons become replies people can read."""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.tree import ShuttingDown
from knowledge.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.app import NewsdeskBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000
PERMISSION_MESSAGE = "You need the **Manage Server** permission to do that."


def new_reference() -> str:
    """A short id shown to the user and written to the log next to the traceback."""
    return secrets.token_hex(4)


def explain(error: BaseException) -> tuple[str, bool]:
    """The reply for ``error`` and whether it is unexpected (must be logged with a reference)."""
    while isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NewsdeskError | ShuttingDown):
        return str(error), False
    if isinstance(error, app_commands.CommandOnCooldown):
        return (
            f"Easy there! You're asking faster than I can read; try again in {error.retry_after:.0f} s.",
            False,
        )
    if isinstance(error, app_commands.MissingPermissions):
        return PERMISSION_MESSAGE, False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works inside a server.", False
    if isinstance(error, app_commands.CheckFailure):
        return PERMISSION_MESSAGE, False
    if isinstance(error, app_commands.TransformerError):
        return f"{error.value!r} is not a valid value for that option.", False
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "My commands were just updated; please try again in a minute.", False
    return "Something went wrong on my side.", True


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer ``interaction`` with an ephemeral message describing ``error``."""
    message, unexpected = explain(error)
    if unexpected:
        ref = new_reference()
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error("unexpected error in %s (ref %s)", command, ref, exc_info=error)
        message = f"{message} If it keeps happening, tell the admins reference `{ref}`."
    if len(message) > CONTENT_LIMIT:
        message = message[: CONTENT_LIMIT - 1] + "…"
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.extras.pop("placeholder", False):
            # a "thinking…" placeholder that may be public: remove it so the explanation stays private
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("could not report an error to the user: %s", exc)


class ErrorsCog(commands.Cog):
    """Installs :func:`reply_error` as the command tree's error handler."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError | Exception
    ) -> None:
        await reply_error(interaction, error)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(ErrorsCog(bot))
