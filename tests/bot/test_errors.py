"""What each kind of failure tells the user (the one error handler's mapping)."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.exts._errors import PERMISSION_MESSAGE, explain, new_reference
from knowledge.errors import FetchError, NotFound, QuestionTooLong


@pytest.mark.parametrize(
    ("error", "expected", "unexpected"),
    [
        (QuestionTooLong(1500, 1000), "That question is 1,500 characters long", False),
        (NotFound("There is no source #3 in this server."), "There is no source #3", False),
        (FetchError("The server answered 404 Not Found."), "404", False),
        (app_commands.MissingPermissions(["manage_guild"]), PERMISSION_MESSAGE, False),
        (app_commands.CheckFailure(), PERMISSION_MESSAGE, False),
        (app_commands.CommandOnCooldown(app_commands.Cooldown(1, 60), 42.4), "try again in 42 s", False),
        (app_commands.NoPrivateMessage(), "only works inside a server", False),
        (RuntimeError("boom"), "Something went wrong", True),
    ],
)
def test_explain(error: Exception, expected: str, unexpected: bool) -> None:
    message, is_unexpected = explain(error)
    assert expected in message and is_unexpected is unexpected
    assert "boom" not in message


def test_wrapped_errors_are_unwrapped() -> None:
    command = app_commands.Command(name="x", description="x", callback=_noop)
    wrapped = app_commands.CommandInvokeError(command, NotFound("Gone."))
    assert explain(wrapped) == ("Gone.", False)


def test_references_are_short_and_distinct() -> None:
    refs = {new_reference() for _ in range(100)}
    assert len(refs) == 100 and all(len(r) == 8 for r in refs)


async def _noop(interaction: discord.Interaction) -> None:
    return None
