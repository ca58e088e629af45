"""Retrieval: query analysis (typos, synonyms) and candidate passages from an index of the database."""
