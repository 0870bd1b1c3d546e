"""What operations read about the pipeline: readiness (database and Redis reachable) and
the gauges read at scrape time (queue depth per queue, oldest message still waiting)."""
from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text

from bot.platform import clock
from storage.db import transaction
from storage.models import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)


def readiness(rt) -> dict[str, str]:
    """{"database": "ok" | reason, "redis": "ok" | reason}."""
    checks = {}
    try:
        with transaction(rt.sessions) as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"{type(exc).__name__}"
    try:
        rt.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"{type(exc).__name__}"
    return checks


def oldest_waiting_seconds(rt) -> dict[str, float]:
    """Age of the oldest inbound message not processed yet and of the oldest reply due
    and not sent yet (0 when nothing waits)."""
    now = clock.now()
    with transaction(rt.sessions) as s:
        inbound = s.scalar(select(func.min(InboundMessage.received_at))
                           .where(InboundMessage.status == "received"))
        outbound = s.scalar(select(func.min(OutboundMessage.created_at)).where(
            OutboundMessage.status.in_(("pending", "sending")),
            OutboundMessage.not_before.is_(None)))
    return {"inbound": (now - inbound).total_seconds() if inbound else 0.0,
            "outbound": (now - outbound).total_seconds() if outbound else 0.0}


class PipelineCollector:
    """Read at every scrape; a part that cannot be read is left out (and logged)."""

    def __init__(self, rt):
        self.rt = rt

    def collect(self):
        depth = GaugeMetricFamily("planbot_queue_depth", "Jobs waiting in an RQ queue",
                                  labels=["queue"])
        try:
            for queue in self.rt.queues:
                depth.add_metric([queue.name], queue.count)
            yield depth
        except Exception as exc:
            log.warning("queue depth not read: %s", exc)
        try:
            ages = oldest_waiting_seconds(self.rt)
        except Exception as exc:
            log.warning("oldest pending message not read: %s", exc)
            return
        age = GaugeMetricFamily("planbot_oldest_pending_seconds",
                                "Age of the oldest message waiting, by direction",
                                labels=["direction"])
        for direction, seconds in ages.items():
            age.add_metric([direction], seconds)
        yield age
