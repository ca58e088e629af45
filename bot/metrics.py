"""Prometheus metrics of the Discord side; the library's counters (knowledge.metrics) join them."""

from __future__ import annotations

import math
from collections.abc import Iterable

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, generate_latest

QUESTIONS = Counter("newsdesk_questions", "Questions asked, by how they were asked", ["via"])
ABSTAINED = Counter("newsdesk_questions_abstained", "Questions answered with 'I couldn't find that'", ["via"])
ANSWER_SECONDS = Histogram(
    "newsdesk_answer_seconds",
    "Time to answer a question (retrieval and reading, not Discord)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMANDS = Counter(
    "newsdesk_commands", "Slash commands handled, by command and outcome", ["command", "outcome"]
)
DIGESTS = Counter("newsdesk_digests", "Scheduled digests, by outcome (posted, empty, failed)", ["outcome"])
GATEWAY_LATENCY = Gauge("newsdesk_gateway_latency_seconds", "Heartbeat round trip per shard", ["shard"])
INDEX_LAG = Gauge("newsdesk_index_lag", "Database changes this process's search index has not applied yet")
INDEX_DOCUMENTS = Gauge("newsdesk_index_documents", "Passages in this process's search index")
READY = Gauge("newsdesk_ready", "1 when /readyz would answer 200")


def record_answer(via: str, seconds: float, *, abstained: bool) -> None:
    QUESTIONS.labels(via).inc()
    if abstained:
        ABSTAINED.labels(via).inc()
    ANSWER_SECONDS.observe(seconds)


def exposition(
    latencies: Iterable[tuple[int, float]], index: tuple[int, int] | None, *, ready: bool
) -> bytes:
    """The Prometheus text page, with the gauges read at scrape time (``index``: documents, pending)."""
    for shard, latency in latencies:
        if math.isfinite(latency):
            GATEWAY_LATENCY.labels(str(shard)).set(latency)
    if index is not None:
        INDEX_DOCUMENTS.set(index[0])
        INDEX_LAG.set(index[1])
    READY.set(1 if ready else 0)
    return generate_latest(REGISTRY)
