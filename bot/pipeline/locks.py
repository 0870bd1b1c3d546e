"""Per-conversation Redis locks: one worker at a time works on a conversation's messages."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from redis.exceptions import LockError, LockNotOwnedError

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 120  # seconds; longer than any single message takes, short after a crash


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
