"""Enqueueing that never loses work: the database is the source of truth, Redis only a
wake-up call. If Redis is down, the row stays pending and the sweeper picks it up."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from redis.exceptions import RedisError
from rq import Retry

log = logging.getLogger(__name__)


def _enqueue(runtime, func: str, *args, retry: Retry | None = None, delay: int = 0,
             at: datetime | None = None) -> bool:
    try:
        if at is not None:
            # bot.clock times are naive UTC; RQ would read a naive datetime as local time.
            runtime.queue.enqueue_at(at.replace(tzinfo=timezone.utc), func, *args, retry=retry)
        elif delay:
            runtime.queue.enqueue_in(timedelta(seconds=delay), func, *args, retry=retry)
        else:
            runtime.queue.enqueue(func, *args, retry=retry, failure_ttl=7 * 86400)
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not enqueue %s%s (%s); the sweeper will retry", func, args, exc)
        return False


def process_later(runtime, conversation_key: str) -> bool:
    return _enqueue(runtime, "bot.jobs.process_conversation", conversation_key)


def _send_retry(runtime) -> Retry | None:
    intervals = list(runtime.settings.send_retry_intervals)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def deliver_later(runtime, conversation_id: int, delay: int = 0) -> bool:
    return _enqueue(runtime, "bot.jobs.deliver_conversation", conversation_id,
                    retry=_send_retry(runtime), delay=delay)


def deliver_at(runtime, conversation_id: int, when: datetime) -> bool:
    """Deliver at an exact moment (naive UTC, as bot.clock gives), not rounded to seconds."""
    from bot import clock

    return _enqueue(runtime, "bot.jobs.deliver_conversation", conversation_id,
                    retry=_send_retry(runtime), at=when if when > clock.now() else None)
