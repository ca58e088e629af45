"""Newsdesk: answers questions about news coverage with a quote and a link."""
