"""sweep: re-enqueues whatever the database says is unfinished (Redis lost it, a worker
died, a retry budget ran out) and re-arms itself on the scheduler, even when it fails;
workers re-arm it too (bot.pipeline.worker), in case Redis lost the chain."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from redis.exceptions import RedisError
from rq.registry import ScheduledJobRegistry
from sqlalchemy import or_, select

from bot.pipeline import context, media
from bot.pipeline.deliver import STALE_SENDING
from bot.pipeline.locks import LOCK_TIMEOUT
from bot.platform import clock, queueing
from bot.services import attachments
from storage.db import transaction
from storage.models import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)


SWEEPER_JOB_ID = "planbot-sweeper"


def sweep(reschedule: bool = True) -> dict:
    rt = context.runtime()
    try:
        return _sweep(rt)
    finally:
        # Whatever happened above (database down, Redis blip), the chain goes on.
        if reschedule:
            schedule_sweeper(rt)


def _sweep(rt) -> dict:
    now = clock.now()
    with transaction(rt.sessions) as s:
        inbound_keys = list(s.scalars(
            select(InboundMessage.conversation_key)
            .where(InboundMessage.status == "received").distinct()
        ))
        outbound_ids = list(s.scalars(
            select(OutboundMessage.conversation_id).where(
                or_(OutboundMessage.status == "pending",
                    (OutboundMessage.status == "sending")
                    & (OutboundMessage.sending_started_at < now - STALE_SENDING)),
                or_(OutboundMessage.not_before.is_(None), OutboundMessage.not_before <= now),
            ).distinct()
        ))
    _wake(rt, inbound_keys, outbound_ids)
    _run_due_work(rt)
    _purge_attachments(rt)
    _discard_refused_left_over(rt, now)
    return {"inbound": len(inbound_keys), "outbound": len(outbound_ids)}


def _wake(rt, inbound_keys: list[str], outbound_ids: list[int]) -> None:
    for key in inbound_keys:
        queueing.process_later(rt, key)
    for conversation_id in outbound_ids:
        queueing.deliver_later(rt, conversation_id)


def _discard_refused_left_over(rt, now) -> None:
    """Refused bytes a turn left to delete (its worker died first, or the store was down):
    older than a lock's life, so a turn's own `media.discard` has had its chance."""
    try:
        settled = media.discard_left_over(rt, now - timedelta(seconds=LOCK_TIMEOUT))
        if settled:
            log.info("refused attachments discarded by the sweeper: %s", settled)
    except Exception:
        log.exception("discarding refused attachments failed; the next sweep retries")


def _purge_attachments(rt) -> None:
    """LGPD retention: files of cases closed ATTACHMENTS_RETENTION_DAYS ago are deleted
    (rows and hashes stay). Idempotent; a failure waits for the next sweep."""
    try:
        with transaction(rt.sessions) as s:
            report = attachments.purge_expired(s, attachments.store_from_settings(rt.settings),
                                               rt.settings.attachments_retention_days)
        if report.rows_marked:
            log.info("attachments past retention: %s", report)
    except Exception:
        log.exception("attachment retention failed; the next sweep retries")
def recover(rt) -> dict:
    """The light sweep of every worker's maintenance tick (every few seconds): wakes only
    work that should have been done by now — an inbound message waiting longer than a
    conversation lock lives, a reply never attempted that old (its job died with a killed
    worker or a Redis restart), a send left "sending" past STALE_SENDING (settled with the
    provider, never resent blindly). Healthy traffic is younger and finds nothing here;
    replies waiting for RQ's retry intervals are left to them."""
    now = clock.now()
    older = now - timedelta(seconds=LOCK_TIMEOUT)
    with transaction(rt.sessions) as s:
        inbound_keys = list(s.scalars(
            select(InboundMessage.conversation_key)
            .where(InboundMessage.status == "received", InboundMessage.received_at < older)
            .distinct()
        ))
        outbound_ids = list(s.scalars(
            select(OutboundMessage.conversation_id).where(
                or_((OutboundMessage.status == "pending") & (OutboundMessage.attempts == 0)
                    & (OutboundMessage.created_at < older),
                    # a dead worker's send: checked with the provider once stale
                    (OutboundMessage.status == "sending")
                    & (OutboundMessage.sending_started_at < now - STALE_SENDING)),
                or_(OutboundMessage.not_before.is_(None), OutboundMessage.not_before <= now),
            ).distinct()
        ))
    _wake(rt, inbound_keys, outbound_ids)
    if inbound_keys or outbound_ids:
        log.info("recovered %s conversations with messages waiting and %s with replies "
                 "never attempted", len(inbound_keys), len(outbound_ids))
    return {"inbound": len(inbound_keys), "outbound": len(outbound_ids)}


def schedule_sweeper(rt) -> None:
    """Keep one future sweep on RQ's scheduler.

    Called at the end of every sweep and at every worker's maintenance tick (see
    bot.pipeline.worker), so the chain survives a failed sweep and a Redis that lost it. Two
    callers racing may both schedule one; the next round merges them, as a sweep that
    finds another one scheduled does not schedule its own.
    """
    try:
        registry = ScheduledJobRegistry(queue=rt.queue)
        if any(j.startswith(SWEEPER_JOB_ID) for j in registry.get_job_ids()):
            return
        # A fresh id each time: reusing the running job's id would let RQ's cleanup of the
        # finished job delete the one just scheduled.
        rt.queue.enqueue_in(timedelta(seconds=rt.settings.sweep_interval_seconds),
                            "bot.pipeline.sweep.sweep", job_id=f"{SWEEPER_JOB_ID}-{uuid.uuid4().hex}",
                            result_ttl=0, failure_ttl=86400)
    except (RedisError, OSError) as exc:
        log.warning("could not schedule the sweeper: %s", exc)


def _run_due_work(rt) -> None:
    """Journeys' time-driven work (reminders, agreements): each must be idempotent, because
    a sweep can run on several workers at once and again after a crash."""
    for fn in rt.journeys.due_work():
        try:
            fn(rt)
        except Exception:  # one journey's failure must not stop the others' recovery
            log.exception("scheduled work %s failed", getattr(fn, "__name__", fn))
