"""Enqueueing that never loses work: the database is the source of truth, Redis only a
wake-up call. If Redis is down, the row stays pending and the sweeper picks it up."""
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


def _enqueue(runtime, func: str, *args, retry: Retry | None = None, delay: int = 0,
             at: datetime | None = None, job_id: str | None = None) -> bool:
    try:
        if at is not None:
            # bot.platform.clock times are naive UTC; RQ would read a naive datetime as local time.
            runtime.queue.enqueue_at(_whole_second_up(at).replace(tzinfo=timezone.utc), func,
                                     *args, retry=retry, job_id=job_id)
        elif delay:
            runtime.queue.enqueue_in(timedelta(seconds=delay), func, *args, retry=retry)
        else:
            runtime.queue.enqueue(func, *args, retry=retry, failure_ttl=7 * 86400)
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not enqueue %s%s (%s); the sweeper will retry", func, args, exc)
        return False


def process_later(runtime, conversation_key: str, delay: int = 0) -> bool:
    return _enqueue(runtime, "bot.pipeline.process.process_conversation", conversation_key,
                    delay=delay)


def _send_retry(runtime) -> Retry | None:
    intervals = list(runtime.settings.send_retry_intervals)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def deliver_later(runtime, conversation_id: int, delay: int = 0) -> bool:
    return _enqueue(runtime, "bot.pipeline.deliver.deliver_conversation", conversation_id,
                    retry=_send_retry(runtime), delay=delay)


def run_at(runtime, when: datetime, func: str, *args, job_id: str | None = None) -> bool:
    """Run a job at `when` (naive UTC, as bot.platform.clock gives), never before it."""
    return _enqueue(runtime, func, *args, at=when, job_id=job_id)


def deliver_at(runtime, conversation_id: int, when: datetime) -> bool:
    """Deliver at `when` (naive UTC, as bot.platform.clock gives), never before it."""
    return _enqueue(runtime, "bot.pipeline.deliver.deliver_conversation", conversation_id,
                    retry=_send_retry(runtime), at=when if when > clock.now() else None)
