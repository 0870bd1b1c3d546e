"""Per-conversation Redis locks: one worker at a time works on a conversation's messages.

The lock is short (LOCK_TIMEOUT) and renewed by a heartbeat thread while its holder
works, so a killed worker's conversations are free again within LOCK_TIMEOUT seconds
instead of the two minutes a lock sized for the longest job would take
([0271](../../docs/decisions/0271-short-renewed-conversation-locks.md)).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from redis.exceptions import LockError, LockNotOwnedError, RedisError

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 15  # seconds a dead holder keeps a conversation; renewed every third of it
RENEW_EVERY = LOCK_TIMEOUT / 3


class _Heartbeat(threading.Thread):
    """Renews a held lock every RENEW_EVERY seconds until stopped; remembers a loss."""

    def __init__(self, lock, every: float):
        super().__init__(daemon=True, name=f"lock-heartbeat {lock.name}")
        self.lock, self.every = lock, every
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.lock.reacquire()
            except LockNotOwnedError:
                self.lost = True  # still_holding() takes it back or gives up, in order
                return
            except RedisError as exc:  # Redis away: still_holding() will say so
                log.warning("could not renew %s: %s", self.lock.name, exc)

    def stop(self) -> None:
        self.stopped.set()


@contextmanager
def conversation_lock(rt, name: str, timeout: float = LOCK_TIMEOUT,
                      renew_every: float | None = None):
    """Hold a Redis lock or yield None at once: another worker already has the work."""
    # thread_local=False: the heartbeat thread renews the token this thread took.
    lock = rt.redis.lock(f"planbot:lock:{name}", timeout=timeout, blocking=False,
                         thread_local=False)
    acquired = lock.acquire()
    heartbeat = None
    if acquired:
        heartbeat = _Heartbeat(lock, renew_every or timeout / 3)
        heartbeat.start()
    try:
        yield lock if acquired else None
    finally:
        if heartbeat is not None:
            heartbeat.stop()
            heartbeat.join(timeout=1)
        if acquired:
            try:
                lock.release()
            except LockError:
                log.warning("lock %s expired while held", name)
            except RedisError as exc:
                log.warning("lock %s not released (%s): it expires by itself", name, exc)


def still_holding(lock) -> bool:
    """Call before each unit of work: restart the lock's timeout, or take the lock back if
    it lapsed (a long backlog, a slow provider, a Redis restart) while nobody else took it.
    False: another worker owns the conversation now and must be left alone."""
    try:
        lock.reacquire()
        return True
    except LockNotOwnedError:
        return lock.acquire(blocking=False)
