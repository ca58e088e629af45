"""Prometheus counters for the work the library does (the bot serves them at ``/metrics``).

They live in prometheus-client's default registry, so a process exposes them together with its own
(and the client's process and platform collectors) without any wiring.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter

from knowledge.models import IngestResult

ARTICLES_INGESTED = Counter("newsdesk_articles_ingested", "Articles stored new or updated", ["status"])
POLLS = Counter("newsdesk_polls", "Sources polled, by outcome", ["outcome"])
SOURCE_FAILURES = Counter("newsdesk_source_failures", "Polls of a source that failed")
POLL_ROUNDS = Counter("newsdesk_poll_rounds", "Rounds of polling due sources this process ran")


def record_article(status: str) -> None:
    """Count one stored article (``added`` or ``updated``; unchanged and failed ones are not stored)."""
    if status in ("added", "updated"):
        ARTICLES_INGESTED.labels(status).inc()


def record_polls(results: Iterable[IngestResult]) -> None:
    """Count one poll round and the outcome of each source polled in it."""
    POLL_ROUNDS.inc()
    for result in results:
        POLLS.labels(result.status).inc()
        if result.status == "failed":
            SOURCE_FAILURES.inc()
