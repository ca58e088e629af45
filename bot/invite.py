"""What the bot asks for when it is invited: its scopes and permissions, each with the reason."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")

# permission flag -> why Newsdesk needs it (the README's table is checked against this)
PERMISSIONS = {
    "view_channel": "see the channels it answers and posts digests in",
    "send_messages": "answers to mentions, the daily digest",
    "send_messages_in_threads": "answers and follow-ups inside threads",
    "create_public_threads": "a question asked in a channel gets its own thread",
    "embed_links": "answers, search results and digests are embeds",
    "read_message_history": "a follow-up in a thread reads the earlier questions (also after a restart)",
}


def permissions() -> discord.Permissions:
    """Exactly the permissions in :data:`PERMISSIONS`."""
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def invite_url(application_id: int) -> str:
    """The link that adds this bot to a server with :data:`SCOPES` and :func:`permissions`."""
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES)
