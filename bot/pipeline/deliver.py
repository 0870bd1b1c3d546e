"""deliver_conversation: sends one conversation's pending outbox rows in order, once."""
from __future__ import annotations

import logging
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from redis.exceptions import RedisError
from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.channels.base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
)
from bot.pipeline import context, invitations
from bot.pipeline.locks import conversation_lock, still_holding
from bot.platform import clock, metrics, queueing
from bot.platform.logs import log_context
from bot.services import outbox
from bot.services.media_links import media_urls
from bot.services.outreach import pacing
from storage.db import one_statement, reading, transaction
from storage.models import OutboundMessage

log = logging.getLogger(__name__)

STALE_SENDING = timedelta(seconds=60)


class Delivery(Enum):
    SENT = "sent"  # the provider has it (now or from an earlier attempt)
    NOT_SENT = "not_sent"  # settled without sending: failed, expired, already handled
    IN_FLIGHT = "in_flight"  # a recent attempt may still be running: hands off
    HELD = "held"  # a paced campaign message postponed to its send slot
    NONE_DUE = "none_due"  # nothing left to send now
    LOCK_LOST = "lock_lost"  # another worker has the conversation now: hands off


def deliver_conversation(conversation_id: int, woken: bool = True) -> int:
    """The job (`woken`: it clears its wake-up flag first); a processing job that sends
    its turn's replies itself calls it with woken=False."""
    with log_context(conversation=conversation_id):
        return _deliver_conversation(conversation_id, woken)


def deliver_claimed(claimed: Claimed) -> int:
    """Send the reply a turn claimed in its own transaction (`claim_in_turn`), then
    whatever else is due, under the out-lock the claim took."""
    with log_context(conversation=claimed.conversation_id):
        return _deliver_conversation(claimed.conversation_id, woken=False, claimed=claimed)


def _deliver_conversation(conversation_id: int, woken: bool, claimed: Claimed | None = None
                          ) -> int:
    rt = context.runtime()
    sent = 0
    wake_flag = queueing.wake_flag("out", conversation_id) if woken else None
    while True:
        held = (claimed.held() if claimed is not None
                else conversation_lock(rt, f"out:{conversation_id}", clears=wake_flag))
        with held as lock:
            if lock is None:
                return sent
            first = True  # just acquired: no need to renew it before the first row
            taken = Taken()
            if claimed is not None:
                sent += _send(rt, claimed.row_id, claimed.outgoing) is Delivery.SENT
                first, taken.more, claimed = False, claimed.more, None
            while taken.more and (outcome := _deliver_one(rt, conversation_id,
                                                           None if first else lock, taken)
                                  ) is not Delivery.NONE_DUE:
                first = False
                if outcome in (Delivery.IN_FLIGHT, Delivery.HELD, Delivery.LOCK_LOST):
                    return sent  # later rows wait behind it (sweeper / its own job / holder)
                sent += outcome is Delivery.SENT
                # not taken.more: rows added since came with jobs that knock (or run after us)
        # A row added meanwhile came with a job that found the lock taken and knocked;
        # without a knock there is nothing new to look for (0277).
        if not lock.knocked or not _has_outgoing(rt, conversation_id):
            return sent
        wake_flag = None


def _due(rows, conversation: str = "conversation_id") -> tuple:
    """A conversation's rows to send now (`rows`: the table or an alias of it;
    `conversation`: the name of the parameter that holds its id)."""
    return (rows.conversation_id == bindparam(conversation),
            rows.status.in_(("pending", "sending")),
            or_(rows.not_before.is_(None), rows.not_before <= bindparam("now")))


# Built once: building a statement per call costs more than running it (bench/load.py).
_NEXT_DUE = (select(OutboundMessage.id).where(*_due(OutboundMessage))
             .order_by(OutboundMessage.id).limit(1))
_others = aliased(OutboundMessage)
# The oldest due row, locked, and how many are due: found and taken in one statement.
_CLAIM_NEXT_DUE = (
    select(OutboundMessage, select(func.count(_others.id)).where(*_due(_others)).scalar_subquery())
    .where(*_due(OutboundMessage)).order_by(OutboundMessage.id).limit(1)
    .with_for_update(of=OutboundMessage)
)


@dataclass
class Taken:
    """What the claim of a row saw besides the row."""

    more: bool = True  # another row was due too


def _has_outgoing(rt, conversation_id: int) -> bool:
    with reading(rt.sessions) as connection:
        return connection.scalar(_NEXT_DUE, {"conversation_id": conversation_id,
                                             "now": clock.now()}) is not None


@dataclass
class Claimed:
    """A reply marked "sending" in the turn's own transaction, its conversation's out-lock
    held since before that transaction committed (decision 0279)."""

    conversation_id: int
    row_id: int
    outgoing: Outgoing
    more: bool  # other rows of the conversation are due too
    lock: object  # the conversation's out-lock (a KnockingLock)
    stack: ExitStack  # releases it

    @contextmanager
    def held(self):
        """The out-lock, released (and its knock read) when the block ends."""
        with self.stack:
            yield self.lock

    def abandon(self, rt) -> None:
        """The turn did not commit: nothing was claimed; free the lock, and honour a knock
        that came meanwhile."""
        with self.held() as lock:
            pass
        if lock.knocked:
            try:
                queueing.deliver_later(rt, self.conversation_id)
            except RedisError as exc:  # the sweeper finds the row; keep the turn's error
                log.warning("conversation %s: delivery not queued (%s)", self.conversation_id, exc)


_oldest_due = aliased(OutboundMessage)
_due_now = aliased(OutboundMessage)
# A reply the turn just wrote, if it heads its conversation's queue, goes out right after
# the commit: marked "sending" in the turn's transaction (no claim transaction of its own).
# Rows that need the claim's judgement (an earlier attempt, a campaign, a held slot, an old
# row) are left to the normal path.
_CLAIM_IN_TURN = (
    update(OutboundMessage)
    .where(OutboundMessage.id == select(_oldest_due.id).where(*_due(_oldest_due, "conversation"))
           .order_by(_oldest_due.id).limit(1).scalar_subquery(),
           OutboundMessage.status == "pending", OutboundMessage.author != "system",
           OutboundMessage.not_before.is_(None),
           OutboundMessage.created_at > bindparam("oldest", type_=OutboundMessage.created_at.type))
    .values(status="sending", attempts=OutboundMessage.attempts + 1,
            sending_started_at=bindparam("now", type_=OutboundMessage.created_at.type))
    .returning(OutboundMessage.id, OutboundMessage.channel, OutboundMessage.recipient,
               OutboundMessage.body, OutboundMessage.subject, OutboundMessage.media,
               OutboundMessage.content_sid, OutboundMessage.content_variables,
               select(func.count(_due_now.id)).where(*_due(_due_now, "conversation"))
               .scalar_subquery())
)


def claim_in_turn(rt, s, conversation) -> Claimed | None:
    """Before the turn's transaction commits: take the conversation's out-lock and mark
    the reply the turn wrote "sending", so the job sends it at once after the commit.
    None: the normal path delivers (no reply, another delivery holds the lock, an earlier
    row is due, or the sender is at its limit)."""
    if not outbox.replied(s):
        return None
    conversation_id = conversation.id
    stack = ExitStack()
    try:
        lock = stack.enter_context(conversation_lock(rt, f"out:{conversation_id}"))
    except RedisError as exc:  # the turn still commits; the normal path copes with Redis
        log.warning("conversation %s: reply not claimed in its turn (%s)", conversation_id, exc)
        return None
    if lock is None:
        stack.close()
        return None  # its holder finds our knock and sends the reply
    claimed = None
    try:
        # Asked first: a slot counted for a row then not claimed errs on the slow side.
        if _sender_wait_for_reply(rt, conversation.channel):
            return None
        now = clock.now()
        found = s.connection().execute(_CLAIM_IN_TURN, {
            "conversation": conversation_id, "now": now,
            "oldest": now - timedelta(hours=rt.settings.outbound_max_age_hours)}).first()
        if found is None:
            return None
        (row_id, channel, recipient, body, subject, media, content_sid, variables, due) = found
        claimed = Claimed(conversation_id, row_id, Outgoing(
            id=row_id, channel=channel, recipient=recipient, body=body, subject=subject,
            media_urls=tuple(media_urls(rt.settings, media or [], row_id)),
            content_sid=content_sid, content_variables=variables, sending_started_at=now,
        ), more=due > 1, lock=lock, stack=stack)
        return claimed
    finally:
        if claimed is None:
            stack.close()


def _deliver_one(rt, conversation_id: int, lock=None, taken: Taken | None = None) -> Delivery:
    """Send the conversation's oldest due outbox row; raises to make RQ retry (later rows
    wait, keeping order). `lock`: renewed (or found lost) before the row is taken.
    At the sender's limit a reply waits its turn (a fraction of a second), still pending:
    never marked "sending" before it may really go."""
    taken = taken or Taken()
    while isinstance(outcome := _try_deliver_one(rt, conversation_id, lock, taken), timedelta):
        time.sleep(min(outcome.total_seconds(), 1.0))
    return outcome


def _try_deliver_one(rt, conversation_id: int, lock, taken: Taken) -> Delivery | timedelta:
    with transaction(rt.sessions) as s:
        found = s.execute(_CLAIM_NEXT_DUE, {"conversation_id": conversation_id,
                                            "now": clock.now()}).first()
        if found is None:
            return Delivery.NONE_DUE
        row, taken.more = found[0], found[1] > 1
        if lock is not None and not still_holding(lock):
            return Delivery.LOCK_LOST  # its new holder sends the rest, in order
        row_id = row.id
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
        # Campaign invitations: skipped if the person wrote first, else paced.
        verdict = invitations.before_sending(rt, s, row)
        if verdict.skip:
            return Delivery.NOT_SENT
        hold = verdict.hold
        if hold is not None:
            row.not_before = hold  # stays pending; not due again before its slot
            conversation_id = row.conversation_id
        else:
            if not verdict.campaign and (wait := _sender_wait(rt, row)) is not None:
                return wait  # stays as it was: nothing went out
            row.status = "sending"
            row.attempts += 1
            row.sending_started_at = clock.now()
            outgoing = _outgoing(rt, row)
    if hold is not None:
        queueing.deliver_at(rt, conversation_id, hold)  # the sweeper covers a lost job
        return Delivery.HELD
    return _send(rt, row_id, outgoing, sender)


def _send(rt, row_id: int, outgoing: Outgoing, sender=None) -> Delivery:
    """Send a row already marked "sending" and record what came of it."""
    sender = sender or rt.sender(outgoing.channel)
    try:
        result = sender.send(outgoing)
    except RetryableSendError as exc:
        _count(outgoing.channel, "retry", exc)
        with transaction(rt.sessions) as s:
            row = s.get(OutboundMessage, row_id, with_for_update=True)
            row.status = "pending"  # the provider refused it: certainly not sent
        raise
    except AmbiguousSendError as exc:
        _count(outgoing.channel, "ambiguous", exc)
        raise  # stays "sending": once stale, the sweeper asks the provider before resending
    except PermanentSendError as exc:
        _count(outgoing.channel, "failed", exc)
        with transaction(rt.sessions) as s:
            _mark_failed(s.get(OutboundMessage, row_id, with_for_update=True),
                         exc.code, exc.message)
        log.warning("outbound %s failed permanently: %s", row_id, exc.code)
        return Delivery.NOT_SENT
    with one_statement(rt.sessions) as connection:
        _record_sent(connection, row_id, result)
    metrics.SENDS.labels(outgoing.channel, "sent", "").inc()
    return Delivery.SENT


def _count(channel: str, result: str, exc: Exception) -> None:
    metrics.SENDS.labels(channel, result, str(getattr(exc, "code", "") or "")[:20]).inc()


def _sender_wait(rt, row: OutboundMessage) -> timedelta | None:
    """Never above the sender's messages-per-second (campaigns are paced in
    bot.pipeline.invitations): None to send now, else how long a reply waits."""
    return _sender_wait_on(rt, row.channel, urgent=row.author != "system")


def _sender_wait_on(rt, channel: str, urgent: bool) -> timedelta | None:
    """None: send now (a slot counted); only the WhatsApp sender has a limit."""
    if channel != "whatsapp":
        return None
    return pacing.sender_wait(rt.redis, pacing.sender_key(rt, channel),
                              rt.settings.whatsapp_max_per_second, urgent=urgent)


def _sender_wait_for_reply(rt, channel: str) -> bool:
    """A reply to a person must wait for the sender's next slot; with Redis away, the
    normal path's wait decides."""
    try:
        return _sender_wait_on(rt, channel, urgent=True) is not None
    except RedisError as exc:
        log.warning("sender pace not read (%s): the reply waits for the normal path", exc)
        return True


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


# _mark_sent as one statement (no SELECT ... FOR UPDATE first): a status callback that
# got there before it (delivered, read) keeps its status.
_RECORD_SENT = (
    update(OutboundMessage).where(OutboundMessage.id == bindparam("row_id"))
    .values(status=case((OutboundMessage.status.in_(("pending", "sending")),
                         bindparam("status", type_=OutboundMessage.status.type)),
                        else_=OutboundMessage.status),
            external_id=func.coalesce(OutboundMessage.external_id,
                                      bindparam("external_id", type_=OutboundMessage.external_id.type)),
            sent_at=func.coalesce(OutboundMessage.sent_at,
                                  bindparam("now", type_=OutboundMessage.sent_at.type)),
            status_updated_at=bindparam("now", type_=OutboundMessage.sent_at.type))
    .execution_options(synchronize_session=False)
)


def _record_sent(connection, row_id: int, result) -> None:
    connection.execute(_RECORD_SENT, {"row_id": row_id, "external_id": result.external_id,
                             "status": "local" if result.status == "local" else "sent",
                             "now": clock.now()})


def _outgoing(rt, row: OutboundMessage) -> Outgoing:
    return Outgoing(
        id=row.id, channel=row.channel, recipient=row.recipient, body=row.body,
        subject=row.subject, media_urls=tuple(media_urls(rt.settings, row.media or [], row.id)),
        content_sid=row.content_sid, content_variables=row.content_variables,
        sending_started_at=row.sending_started_at,
    )
