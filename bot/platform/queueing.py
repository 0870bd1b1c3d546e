"""Enqueueing that never loses work: the database is the source of truth, Redis only a
wake-up call. If Redis is down, the row stays pending and the sweeper picks it up.

Wake-ups are de-duplicated: a conversation has at most one processing job and one
delivery job waiting (a `SET NX` flag per conversation, cleared by the job when it
starts, before it reads the database), so a burst of messages queues one job that drains
them all instead of one no-op job per message. Replies to people go on the `planbot`
queue; reminders and campaign deliveries on `planbot-bulk`, which workers take only when
`planbot` is empty ([0272](../../docs/decisions/0272-deduplicated-wake-ups-and-priority-queues.md)).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from redis.exceptions import RedisError
from rq import Retry

from bot.platform import clock

log = logging.getLogger(__name__)


def _whole_second_up(moment: datetime) -> datetime:
    """RQ's scheduler keeps whole seconds (it truncates): rounded down, a job would wake
    before its work is due, find nothing and leave it to the next sweep."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


# A wake-up flag outlives a lost job by at most this long (then the next wake-up enqueues).
WAKE_FLAG_SECONDS = 30
# Nobody reads a pipeline job's result, but RQ drops a result_ttl=0 job by deleting it
# with its executions and registries: ~ten more round trips per job than letting a short
# TTL expire it (0278).
RESULT_TTL = 10


def wake_flag(kind: str, conversation) -> str:
    return f"planbot:wake:{kind}:{conversation}"


def clear_wake_flag(runtime, kind: str, conversation) -> None:
    """Called by a job as it starts, before it reads the database: anything stored after
    this enqueues a new job; anything stored before is read by this one."""
    try:
        runtime.redis.delete(wake_flag(kind, conversation))
    except (RedisError, OSError) as exc:
        log.warning("could not clear the wake-up flag of %s %s: %s", kind, conversation, exc)


def _enqueue_once(runtime, kind: str, conversation, func: str, *args,
                  retry: Retry | None = None) -> bool:
    """Enqueue unless a job for this conversation is already waiting."""
    try:
        if not runtime.redis.set(wake_flag(kind, conversation), b"1", nx=True,
                                 ex=WAKE_FLAG_SECONDS):
            return True  # the waiting job will see this work too
    except (RedisError, OSError) as exc:
        log.warning("could not enqueue %s%s (%s); the sweeper will retry", func, args, exc)
        return False
    if _enqueue(runtime, func, *args, retry=retry):
        return True
    clear_wake_flag(runtime, kind, conversation)
    return False


def _enqueue(runtime, func: str, *args, retry: Retry | None = None, delay: int = 0,
             at: datetime | None = None, job_id: str | None = None, bulk: bool = False) -> bool:
    queue = runtime.bulk_queue if bulk else runtime.queue
    try:
        if at is not None:
            # bot.platform.clock times are naive UTC; RQ would read a naive datetime as local time.
            queue.enqueue_at(_whole_second_up(at).replace(tzinfo=timezone.utc), func,
                                     *args, retry=retry, job_id=job_id)
        elif delay:
            queue.enqueue_in(timedelta(seconds=delay), func, *args, retry=retry)
        else:
            queue.enqueue(func, *args, retry=retry, failure_ttl=7 * 86400, result_ttl=RESULT_TTL)
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not enqueue %s%s (%s); the sweeper will retry", func, args, exc)
        return False


def process_later(runtime, conversation_key: str, delay: int = 0) -> bool:
    """Wake a worker for the conversation. `delay`: a retry scheduled for later (its
    files still propagating), not folded into the waiting job."""
    if delay:
        return _enqueue(runtime, "bot.pipeline.process.process_conversation", conversation_key,
                        delay=delay)
    return _enqueue_once(runtime, "in", conversation_key,
                         "bot.pipeline.process.process_conversation", conversation_key)


def _send_retry(runtime) -> Retry | None:
    intervals = list(runtime.settings.send_retry_intervals)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def deliver_later(runtime, conversation_id: int, delay: int = 0, bulk: bool = False) -> bool:
    """Deliver a conversation's pending replies: at once (one waiting job per
    conversation), or after `delay` seconds; `bulk` for reminders and campaigns."""
    func = "bot.pipeline.deliver.deliver_conversation"
    if delay or bulk:
        return _enqueue(runtime, func, conversation_id, retry=_send_retry(runtime), delay=delay,
                        bulk=bulk)
    return _enqueue_once(runtime, "out", conversation_id, func, conversation_id,
                         retry=_send_retry(runtime))


def run_at(runtime, when: datetime, func: str, *args, job_id: str | None = None) -> bool:
    """Run a job at `when` (naive UTC, as bot.platform.clock gives), never before it."""
    return _enqueue(runtime, func, *args, at=when, job_id=job_id, bulk=True)


def deliver_at(runtime, conversation_id: int, when: datetime) -> bool:
    """Deliver at `when` (naive UTC, as bot.platform.clock gives), never before it."""
    return _enqueue(runtime, "bot.pipeline.deliver.deliver_conversation", conversation_id,
                    retry=_send_retry(runtime), at=when if when > clock.now() else None,
                    bulk=True)
