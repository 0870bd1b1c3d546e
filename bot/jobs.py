"""RQ job functions (importable by dotted path from any worker process).

process_conversation: runs every pending inbound message of one conversation, one at a
  time and in arrival order, each in its own transaction with its replies (outbox).
deliver_conversation: sends one conversation's pending outbox rows in order, once.
sweep: re-enqueues whatever the database says is unfinished (Redis lost it, a worker
  died, a retry budget ran out) and re-arms itself on the scheduler, even when it fails;
  workers re-arm it too (bot.worker_main), in case Redis lost the chain.
"""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta
from enum import Enum

from redis.exceptions import LockError, LockNotOwnedError, RedisError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from bot import campaigns, clock, engine, outbox, protocols, queueing, runtime as runtime_module
from bot.templates import render
from bot.channels.base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
)
from bot.media import media_urls
from storage.db import transaction
from storage.models import Conversation, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 120  # seconds; longer than any single message takes, short after a crash
STALE_SENDING = timedelta(seconds=60)


@contextmanager
def conversation_lock(rt, name: str):
    """Hold a Redis lock or yield None at once: another worker already has the work."""
    lock = rt.redis.lock(f"planbot:lock:{name}", timeout=LOCK_TIMEOUT, blocking=False)
    acquired = lock.acquire()
    try:
        yield lock if acquired else None
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:
                log.warning("lock %s expired while held", name)


def still_holding(lock) -> bool:
    """Call before each unit of work: restart the lock's timeout, or take the lock back if
    it lapsed (a long backlog, a slow provider, a Redis restart) while nobody else took it.
    False: another worker owns the conversation now and must be left alone."""
    try:
        lock.reacquire()
        return True
    except LockNotOwnedError:
        return lock.acquire(blocking=False)


# -- inbound --------------------------------------------------------------------------
def process_conversation(conversation_key: str) -> int:
    rt = runtime_module.current()
    handled = 0
    while True:
        with conversation_lock(rt, f"in:{conversation_key}") as lock:
            if lock is None:
                return handled  # the holder re-checks for new messages after releasing
            while still_holding(lock) and (done := _process_next(rt, conversation_key)) is not None:
                conversation_id, turn = done
                handled += 1
                for fn in turn.deferred:
                    fn()
                queueing.deliver_later(rt, conversation_id)
        # A message stored while we held the lock may have seen it taken and given up:
        # look again now that it is free.
        if not _has_pending(rt, conversation_key):
            return handled


def _has_pending(rt, key: str) -> bool:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.conversation_key == key, InboundMessage.status == "received")) > 0


MAX_PROCESSING_ATTEMPTS = 3


def _process_next(rt, key: str):
    try:
        return _process_next_once(rt, key)
    except Exception as exc:
        # The turn rolled back as a whole. A transient fault (database, registry) gets
        # retried; a message that keeps failing must not block the conversation forever:
        # the person gets an apology and the rest of their messages go on.
        log.exception("processing %s failed", key)
        if _record_failure(rt, key, exc):
            return None
        raise


def _oldest_pending(s, key: str) -> InboundMessage | None:
    return s.scalars(
        select(InboundMessage)
        .where(InboundMessage.conversation_key == key, InboundMessage.status == "received")
        .order_by(InboundMessage.id).limit(1).with_for_update()
    ).first()


def _record_failure(rt, key: str, exc: Exception) -> bool:
    """Count the failure; after the last attempt answer with an apology. True if given up."""
    with transaction(rt.sessions) as s:
        msg = _oldest_pending(s, key)
        if msg is None:
            return False
        msg.attempts = (msg.attempts or 0) + 1
        msg.error = f"{type(exc).__name__}: {exc}"[:2000]
        if msg.attempts < MAX_PROCESSING_ATTEMPTS:
            return False
        msg.status = "failed"
        msg.processed_at = clock.now()
        conversation = _conversation_for(s, rt, msg)
        msg.conversation_id = conversation.id
        _give_up_the_journey(s, conversation)
        outbox.enqueue_text(s, conversation, render("generic_error"), author="system")
        conversation_id = conversation.id
    queueing.deliver_later(rt, conversation_id)
    return True


def _give_up_the_journey(s, conversation: Conversation) -> None:
    """After a message that keeps failing, the journey cannot go on from its state: it
    ends, and its protocol is cancelled rather than left "aberto" for ever. A conversation
    in the human queue (or with an attendant) keeps everything: the request and its
    protocol are intact, only the failing message is skipped."""
    if conversation.handoff is not None:
        return
    number = (conversation.data or {}).get("protocol")
    protocol = protocols.by_number(s, number) if number and conversation.flow else None
    if protocol is not None and not protocols.is_closed(protocol):
        protocols.set_status(protocol, "cancelado", "interrompido por uma falha no processamento")
    conversation.flow = conversation.state = None
    conversation.data = {}


def _process_next_once(rt, key: str):
    with transaction(rt.sessions) as s:
        msg = _oldest_pending(s, key)
        if msg is None:
            return None
        conversation = _conversation_for(s, rt, msg)
        conversation.last_inbound_at = msg.received_at
        msg.conversation_id = conversation.id
        turn = engine.handle(s, rt, conversation, engine.Message(
            text=msg.text, payload=msg.payload, attachments=tuple(msg.attachments or ()),
            external_id=msg.external_id,
        ))
        msg.status = "processed"
        msg.processed_at = clock.now()
        return conversation.id, turn


def _conversation_for(s, rt, msg: InboundMessage) -> Conversation:
    conversation = s.scalars(
        select(Conversation).where(Conversation.channel == msg.channel,
                                   Conversation.address == msg.sender).with_for_update()
    ).first()
    if conversation is not None:
        return conversation
    # Created unbound: the engine's identity.refresh_binding looks the phone up at the start
    # of every session, this first one included, and tolerates the operator's API being
    # down. A lookup here would make a new phone's first message fail with the API — and
    # make the failure bookkeeping (_record_failure) fail with it, forever.
    conversation = Conversation(channel=msg.channel, address=msg.sender, data={},
                                created_at=clock.now())
    try:
        with s.begin_nested():
            s.add(conversation)
    except IntegrityError:  # created concurrently by another worker
        conversation = s.scalars(select(Conversation).where(
            Conversation.channel == msg.channel, Conversation.address == msg.sender)).one()
    return conversation


# -- outbound -------------------------------------------------------------------------
class Delivery(Enum):
    SENT = "sent"  # the provider has it (now or from an earlier attempt)
    NOT_SENT = "not_sent"  # settled without sending: failed, expired, already handled
    IN_FLIGHT = "in_flight"  # a recent attempt may still be running: hands off
    HELD = "held"  # a paced campaign message postponed to its send slot


def deliver_conversation(conversation_id: int) -> int:
    rt = runtime_module.current()
    sent = 0
    while True:
        with conversation_lock(rt, f"out:{conversation_id}") as lock:
            if lock is None:
                return sent
            while (row_id := _next_outgoing(rt, conversation_id)) is not None:
                if not still_holding(lock):
                    return sent  # its new holder sends the rest, in order
                outcome = _deliver_one(rt, row_id)
                if outcome in (Delivery.IN_FLIGHT, Delivery.HELD):
                    return sent  # later rows wait behind it (sweeper / its own job)
                sent += outcome is Delivery.SENT
        if not _has_outgoing(rt, conversation_id):
            return sent


def _due_outgoing(conversation_id: int):
    now = clock.now()
    return (
        select(OutboundMessage.id)
        .where(OutboundMessage.conversation_id == conversation_id,
               OutboundMessage.status.in_(("pending", "sending")),
               or_(OutboundMessage.not_before.is_(None), OutboundMessage.not_before <= now))
        .order_by(OutboundMessage.id)
    )


def _next_outgoing(rt, conversation_id: int) -> int | None:
    with transaction(rt.sessions) as s:
        return s.scalars(_due_outgoing(conversation_id).limit(1)).first()


def _has_outgoing(rt, conversation_id: int) -> bool:
    return _next_outgoing(rt, conversation_id) is not None


def _deliver_one(rt, row_id: int) -> Delivery:
    """Send one outbox row; raises to make RQ retry (later rows wait, keeping order)."""
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, row_id, with_for_update=True)
        if row.status not in ("pending", "sending"):
            return Delivery.NOT_SENT
        sender = rt.sender(row.channel)
        if row.status == "sending":
            if _attempt_may_be_in_flight(row):
                return Delivery.IN_FLIGHT
            settled = _settle_previous_attempt(rt, s, sender, row)
            if settled is not None:
                return settled
        if _too_old_to_send(rt, row):
            _mark_failed(row, "expired", f"not sent within {rt.settings.outbound_max_age_hours} h "
                         "(OUTBOUND_MAX_AGE_HOURS); given up so later messages go out")
            log.error("outbound %s given up after %s attempts: too old to send",
                      row_id, row.attempts)
            return Delivery.NOT_SENT
        # Campaign invitations: skipped if the person wrote first, else paced (bot.pacing).
        verdict = campaigns.before_sending(rt, s, row)
        if verdict.skip:
            return Delivery.NOT_SENT
        hold = verdict.hold
        if hold is not None:
            row.not_before = hold  # stays pending; not due again before its slot
            conversation_id = row.conversation_id
        else:
            row.status = "sending"
            row.attempts += 1
            row.sending_started_at = clock.now()
            outgoing = _outgoing(rt, row)
    if hold is not None:
        queueing.deliver_at(rt, conversation_id, hold)  # the sweeper covers a lost job
        return Delivery.HELD
    callback = _status_callback(rt, row_id)
    try:
        result = sender.send(outgoing, callback)
    except RetryableSendError:
        with transaction(rt.sessions) as s:
            row = s.get(OutboundMessage, row_id, with_for_update=True)
            row.status = "pending"  # the provider refused it: certainly not sent
        raise
    except AmbiguousSendError:
        raise  # stays "sending": once stale, the sweeper asks the provider before resending
    except PermanentSendError as exc:
        with transaction(rt.sessions) as s:
            _mark_failed(s.get(OutboundMessage, row_id, with_for_update=True),
                         exc.code, exc.message)
        log.warning("outbound %s failed permanently: %s", row_id, exc.code)
        return Delivery.NOT_SENT
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, row_id, with_for_update=True)
        _mark_sent(row, result)
    return Delivery.SENT


def _attempt_may_be_in_flight(row: OutboundMessage) -> bool:
    """A "sending" row younger than STALE_SENDING may be in another worker's hands right
    now (its lock lapsed or Redis lost it): asking the provider could miss a request still
    on the wire and send it twice. Only the sweeper picks it up, once stale."""
    started = row.sending_started_at
    return started is not None and clock.now() - started < STALE_SENDING


def _settle_previous_attempt(rt, s, sender, row: OutboundMessage) -> Delivery | None:
    """A previous attempt may have reached the provider before the worker died."""
    try:
        found = sender.find_sent(_outgoing(rt, row),
                                 is_recorded=lambda sid: _external_id_recorded(s, sid))
    except PermanentSendError as exc:
        # Cannot tell whether it went out; resending could deliver it twice, waiting
        # would block the conversation: record it for a person to look at.
        _mark_failed(row, exc.code, f"could not check the previous attempt: {exc.message}")
        log.error("outbound %s: previous attempt cannot be checked (%s)", row.id, exc.code)
        return Delivery.NOT_SENT
    if found is None:
        return None
    _mark_sent(row, found)
    return Delivery.SENT


def _external_id_recorded(s, external_id: str) -> bool:
    return s.scalar(select(func.count()).select_from(OutboundMessage)
                    .where(OutboundMessage.external_id == external_id)) > 0


def _too_old_to_send(rt, row: OutboundMessage) -> bool:
    # A row scheduled for later (campaign pacing) ages from when it was due.
    due = max(row.created_at, row.not_before or row.created_at)
    return clock.now() - due > timedelta(hours=rt.settings.outbound_max_age_hours)


def _mark_failed(row: OutboundMessage, code: str, message: str) -> None:
    row.status = "failed"
    row.error_code = code[:20]
    row.error_message = message[:2000]
    row.status_updated_at = clock.now()


def _mark_sent(row: OutboundMessage, result) -> None:
    if row.status in ("pending", "sending"):
        row.status = "local" if result.status == "local" else "sent"
    row.external_id = row.external_id or result.external_id
    row.sent_at = row.sent_at or clock.now()
    row.status_updated_at = clock.now()


def _outgoing(rt, row: OutboundMessage) -> Outgoing:
    return Outgoing(
        id=row.id, channel=row.channel, recipient=row.recipient, body=row.body,
        subject=row.subject, media_urls=tuple(media_urls(rt.settings, row.media or [], row.id)),
        content_sid=row.content_sid, content_variables=row.content_variables,
        sending_started_at=row.sending_started_at,
    )


def _status_callback(rt, row_id: int) -> str | None:
    base = rt.settings.public_base_url
    return f"{base}/webhooks/whatsapp/status?oid={row_id}" if base else None


# -- recovery -------------------------------------------------------------------------
SWEEPER_JOB_ID = "planbot-sweeper"


def sweep(reschedule: bool = True) -> dict:
    rt = runtime_module.current()
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
    for key in inbound_keys:
        queueing.process_later(rt, key)
    for conversation_id in outbound_ids:
        queueing.deliver_later(rt, conversation_id)
    from bot import scheduled

    scheduled.run_due(rt)
    return {"inbound": len(inbound_keys), "outbound": len(outbound_ids)}


def schedule_sweeper(rt) -> None:
    """Keep one future sweep on RQ's scheduler.

    Called at the end of every sweep and at every worker's maintenance tick (see
    bot.worker_main), so the chain survives a failed sweep and a Redis that lost it. Two
    callers racing may both schedule one; the next round merges them, as a sweep that
    finds another one scheduled does not schedule its own.
    """
    from rq.registry import ScheduledJobRegistry

    try:
        registry = ScheduledJobRegistry(queue=rt.queue)
        if any(j.startswith(SWEEPER_JOB_ID) for j in registry.get_job_ids()):
            return
        # A fresh id each time: reusing the running job's id would let RQ's cleanup of the
        # finished job delete the one just scheduled.
        rt.queue.enqueue_in(timedelta(seconds=rt.settings.sweep_interval_seconds),
                            "bot.jobs.sweep", job_id=f"{SWEEPER_JOB_ID}-{uuid.uuid4().hex}",
                            result_ttl=0, failure_ttl=86400)
    except (RedisError, OSError) as exc:
        log.warning("could not schedule the sweeper: %s", exc)
