"""Newsdesk's Discord front end: a thin discord.py layer over the ``knowledge`` service."""
