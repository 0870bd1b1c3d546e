"""Prometheus metrics of the message path (prometheus-client).

Counters and histograms live in the process that observes them: the web app (webhook
latency) and the workers (turn time, send results). With PROMETHEUS_MULTIPROC_DIR set
(one folder per machine, emptied at start-up) every process of the machine writes there
and the web app's `/metrics` reports them all; gauges read at scrape time (queue depth,
oldest pending message) are added by the pipeline's collector
([0273](../../docs/decisions/0273-metrics-health-and-json-logs.md)).
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

WEBHOOK_SECONDS = Histogram(
    "planbot_webhook_seconds", "Time to store and acknowledge an inbound webhook",
    ["channel"], buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
TURN_SECONDS = Histogram(
    "planbot_turn_seconds", "Time of one conversation turn (one inbound message, one transaction)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10))
SENDS = Counter(
    "planbot_sends_total", "Outbound messages handed to a channel, by result and error code",
    ["channel", "result", "code"])

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition(extra_collectors=()) -> bytes:
    """The text format of this process's metrics, or of every process of the machine
    when PROMETHEUS_MULTIPROC_DIR is set, plus `extra_collectors` (read at scrape time)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own = CollectorRegistry()
        multiprocess.MultiProcessCollector(own)
    else:
        own = REGISTRY
    extra = CollectorRegistry()
    for collector in extra_collectors:
        extra.register(collector)
    return generate_latest(own) + generate_latest(extra)
