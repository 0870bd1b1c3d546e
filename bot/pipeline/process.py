"""process_conversation: runs every pending inbound message of one conversation, one at a
time and in arrival order, each in its own transaction with its replies (outbox)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot import engine
from bot.channels.base import AmbiguousSendError, RetryableSendError
from bot.language.templates import render
from bot.pipeline import context, media, team_replies
from bot.pipeline.deliver import Claimed, claim_in_turn, deliver_claimed, deliver_conversation
from bot.pipeline.locks import conversation_lock, still_holding
from bot.platform import clock, metrics, queueing
from bot.platform.logs import log_context
from bot.services import outbox
from storage.db import MAX_ROW_ID, reading, transaction
from storage.models import Conversation, InboundMessage

log = logging.getLogger(__name__)


def process_conversation(conversation_key: str, deliver: bool = True) -> int:
    """The job: `deliver=False` leaves the replies to a delivery job (as before 0272)."""
    with log_context(conversation=conversation_key):
        return _process_conversation(conversation_key, deliver)


def _process_conversation(conversation_key: str, deliver: bool) -> int:
    rt = context.runtime()
    handled = 0
    up_to = None  # the newest message pending when this job took its first (fairness, 0272)
    look_again = False  # something may be pending that no job will come for
    # The wake-up flag is cleared as the lock is tried, before the database is read:
    # anything stored after that enqueues a new job; anything before is read by this one.
    with conversation_lock(rt, f"in:{conversation_key}",
                           clears=queueing.wake_flag("in", conversation_key)) as lock:
        if lock is None:
            return 0  # the holder finds this job's knock as it releases
        fresh = True  # just acquired: no need to renew it before the first message
        while fresh or still_holding(lock):
            done = _process_next(rt, conversation_key, up_to, deliver)  # claims if it delivers
            if done is None or done is GAVE_UP:
                look_again = done is GAVE_UP  # later messages may be waiting behind it
                break
            fresh = False
            if done is LATER:
                return handled  # a job is scheduled for the message's next try
            handled += 1
            try:
                for fn in done.turn.deferred:
                    fn()
            finally:  # a claimed reply holds its conversation's out-lock: always let go
                if deliver:
                    _deliver_now(rt, done)
            if not deliver:
                queueing.deliver_later(rt, done.conversation_id)
            up_to = up_to or done.newest_pending
            if done.message_id >= up_to:
                break  # nothing older is left: no transaction just to find that out
    # Messages stored since this job started get a job at the back of the queue: a person
    # answering at once does not keep a worker from everybody else waiting (0272). Their
    # own jobs found the lock taken and knocked; without a knock nothing new came (0277).
    if (look_again or lock.knocked) and _has_pending(rt, conversation_key):
        queueing.process_later(rt, conversation_key)
    return handled


def _deliver_now(rt, done: Done) -> None:
    """The turn's replies go out from this job: one job per message instead of two, the
    first reply claimed by the turn's own transaction if it could (0279). A send that must
    be retried is handed to a delivery job with RQ's retries (a row left "sending" by an
    ambiguous failure waits for the sweeper, as always)."""
    conversation_id = done.conversation_id
    with log_context(conversation=conversation_id):
        try:
            if done.claimed is not None:
                deliver_claimed(done.claimed)
            else:
                deliver_conversation(conversation_id, woken=False)
        except (RetryableSendError, AmbiguousSendError) as exc:
            log.info("reply of conversation %s not sent yet (%s): retried by a job",
                     conversation_id, exc)
            intervals = rt.settings.send_retry_intervals
            queueing.deliver_later(rt, conversation_id, delay=intervals[0] if intervals else 0)
        except Exception:
            log.exception("delivering the replies of conversation %s failed: retried by a job",
                          conversation_id)
            queueing.deliver_later(rt, conversation_id)


_ANY_PENDING = select(InboundMessage.id).where(
    InboundMessage.conversation_key == bindparam("key"),
    InboundMessage.status == "received").limit(1)


def _has_pending(rt, key: str) -> bool:
    with reading(rt.sessions) as connection:
        return connection.scalar(_ANY_PENDING, {"key": key}) is not None


MAX_PROCESSING_ATTEMPTS = 3
LATER = object()  # the oldest message waits for its files' next download try
GAVE_UP = object()  # the oldest message failed for good (answered with an apology)


def _process_next(rt, key: str, up_to: int | None = None, claim: bool = False):
    started = time.perf_counter()
    try:
        done = _process_next_once(rt, key, up_to, claim)
        if done is not None and done is not LATER:
            metrics.TURN_SECONDS.observe(time.perf_counter() - started)
        return done
    except media.MediaNotReady as exc:
        # Not a failure of the message: its files are not there yet. Nothing of the turn
        # was kept; the message (and every later one, to keep the order) waits.
        log.warning("media of %s not ready: %s", key, exc)
        _postpone(rt, key, exc)
        return LATER
    except Exception as exc:
        # The turn rolled back as a whole. A transient fault (database, registry) gets
        # retried; a message that keeps failing must not block the conversation forever:
        # the person gets an apology and the rest of their messages go on.
        log.exception("processing %s failed", key)
        if _record_failure(rt, key, exc):
            return GAVE_UP
        raise


_OLDEST_PENDING = (
    select(InboundMessage)
    .where(InboundMessage.conversation_key == bindparam("key"),
           InboundMessage.status == "received", InboundMessage.id <= bindparam("up_to"))
    .order_by(InboundMessage.id).limit(1).with_for_update()
)


def _oldest_pending(s, key: str, up_to: int | None = None) -> InboundMessage | None:
    return s.scalars(_OLDEST_PENDING, {"key": key, "up_to": MAX_ROW_ID if up_to is None else up_to}
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
        if team_replies.is_team_conversation(rt, conversation):
            return True  # kept with its error for the attendants; a team gets no apology
        engine.give_up_journey(s, conversation)
        outbox.enqueue_text(s, conversation, render("generic_error"), author="system")
        conversation_id = conversation.id
    queueing.deliver_later(rt, conversation_id)
    return True


def _postpone(rt, key: str, exc: Exception) -> None:
    with transaction(rt.sessions) as s:
        msg = _oldest_pending(s, key)
        if msg is None:
            return
        msg.attempts = (msg.attempts or 0) + 1
        msg.error = str(exc)[:2000]
        delay = media.retry_delay(msg.attempts) or 0
        msg.retry_at = clock.now() + timedelta(seconds=delay)
    queueing.process_later(rt, key, delay=delay)


@dataclass(frozen=True)
class Done:
    conversation_id: int
    turn: object  # engine.Turn, or _TeamMail: what runs after the commit (deferred)
    message_id: int
    newest_pending: int  # the newest message pending when this one was taken
    claimed: Claimed | None = None  # its first reply, marked "sending" before the commit


_pending = aliased(InboundMessage)
# The newest pending message's id: what a job answers before it lets others go first.
_NEWEST_PENDING = (select(func.max(_pending.id))
                   .where(_pending.conversation_key == bindparam("key"),
                          _pending.status == "received").scalar_subquery())
# A job's first take when the conversation does not exist yet: the oldest pending message,
# locked, and the newest one's id, in one statement.
_OLDEST_AND_NEWEST_PENDING = (
    select(InboundMessage, _NEWEST_PENDING)
    .where(InboundMessage.conversation_key == bindparam("key"),
           InboundMessage.status == "received")
    .order_by(InboundMessage.id).limit(1).with_for_update(of=InboundMessage)
)


def _take_oldest(s, key: str, up_to: int | None) -> tuple[InboundMessage | None, int | None]:
    if up_to is not None:
        return _oldest_pending(s, key, up_to), up_to
    found = s.execute(_OLDEST_AND_NEWEST_PENDING, {"key": key}).first()
    return (found[0], found[1]) if found is not None else (None, None)


# The usual take: the oldest pending message (up to the job's bound) with its conversation
# and the newest pending id, both rows locked, in one statement instead of two. A first
# message (no conversation yet) finds nothing here and takes the two-step path.
_TAKE_WITH_CONVERSATION = (
    select(InboundMessage, Conversation, _NEWEST_PENDING)
    .join(Conversation, and_(Conversation.channel == InboundMessage.channel,
                             Conversation.address == InboundMessage.sender))
    .where(InboundMessage.conversation_key == bindparam("key"),
           InboundMessage.status == "received", InboundMessage.id <= bindparam("up_to"))
    .order_by(InboundMessage.id).limit(1).with_for_update(of=(InboundMessage, Conversation))
)


def _take(s, key: str, up_to: int | None):
    """(message, its conversation, the newest pending id) or (None, None, None)."""
    found = s.execute(_TAKE_WITH_CONVERSATION,
                      {"key": key, "up_to": MAX_ROW_ID if up_to is None else up_to}).first()
    if found is not None:
        return found[0], found[1], up_to if up_to is not None else found[2]
    msg, newest = _take_oldest(s, key, up_to)
    return msg, None, newest


def _process_next_once(rt, key: str, up_to: int | None = None, claim: bool = False):
    claimed = None  # the turn's reply, claimed just before the commit
    try:
        with transaction(rt.sessions) as s:
            msg, conversation, newest = _take(s, key, up_to)
            if msg is None:
                return None
            if msg.retry_at is not None and msg.retry_at > clock.now():
                return LATER  # woken early (the sweeper): the scheduled try will come
            conversation = conversation or _conversation_for(s, rt, msg)
            conversation.last_inbound_at = msg.received_at
            # Marked before the turn runs (one UPDATE at the turn's first flush, not two);
            # a turn that fails rolls it back with everything else.
            msg.conversation_id = conversation.id
            msg.status = "processed"
            msg.processed_at = clock.now()
            if team_replies.is_team_conversation(rt, conversation):
                turn = _TeamMail(team_replies.handle(s, rt, conversation, msg), rt)
                return Done(conversation.id, turn, msg.id, newest)
            fetched = media.fetch(s, rt, conversation, msg)
            turn = engine.handle(s, rt, conversation, engine.Message(
                text=bounded_text(msg), payload=msg.payload,
                attachments=tuple(msg.attachments or ()), external_id=msg.external_id,
                files=fetched.files, refused=fetched.refused,
            ))
            if fetched.discard:  # after the commit: a rolled-back turn still finds the bytes
                turn.deferred.append(lambda: media.discard(rt, fetched.discard))
            if claim:  # the last statement before the commit
                claimed = claim_in_turn(rt, s, conversation)
            return Done(conversation.id, turn, msg.id, newest, claimed)
    except BaseException:
        if claimed is not None:  # the commit failed: nothing was claimed after all
            claimed.abandon(rt)
        raise


class _TeamMail:
    """A team's reply went into its case, not through a turn: what process_conversation
    does after a turn (deliver what the case's journey told the beneficiary)."""

    def __init__(self, conversation_ids: list[int], rt):
        self.deferred = [lambda cid=cid: queueing.deliver_later(rt, cid)
                         for cid in dict.fromkeys(conversation_ids)]


# A WhatsApp text has at most 4 096 characters; the webhook accepts up to 2 MB, and a
# turn's reading of a huge text costs seconds of worker time per 100 kB.
MAX_TURN_TEXT = 4096


def bounded_text(msg: InboundMessage) -> str:
    """What a turn reads of a message: its first MAX_TURN_TEXT characters. The stored row
    keeps everything; the cut is logged."""
    text = msg.text or ""
    if len(text) <= MAX_TURN_TEXT:
        return text
    log.warning("message %s has %s characters: the turn reads the first %s",
                msg.id, len(text), MAX_TURN_TEXT)
    return text[:MAX_TURN_TEXT]


_CONVERSATION = select(Conversation).where(
    Conversation.channel == bindparam("channel"), Conversation.address == bindparam("address"))
_CONVERSATION_LOCKED = _CONVERSATION.with_for_update()


def _conversation_for(s, rt, msg: InboundMessage) -> Conversation:
    conversation = s.scalars(_CONVERSATION_LOCKED,
                             {"channel": msg.channel, "address": msg.sender}).first()
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
        conversation = s.scalars(_CONVERSATION,
                                 {"channel": msg.channel, "address": msg.sender}).one()
    return conversation
