"""Bot tests.

discord.py imports the stdlib ``audioop`` (voice support), deprecated since Python 3.11; with warnings
as errors that import would fail, so it is done once here with that one warning silenced.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
