"""Fixtures for the bot tests: a fake Knowledge for unit tests, the real service for end-to-end tests."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` (voice support), deprecated since Python 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
