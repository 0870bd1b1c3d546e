"""Per-conversation Redis locks: one worker at a time works on a conversation's messages.

The lock is short (LOCK_TIMEOUT) and renewed while its holder works, so a killed worker's
conversations are free again within LOCK_TIMEOUT seconds instead of the two minutes a
lock sized for the longest job would take
([0271](../../docs/decisions/0271-short-renewed-conversation-locks.md)). One renewing
thread per process serves every lock the process holds (a thread per lock cost more than
the lock).

A job that finds the lock taken stands aside and leaves a *knock*, in the same atomic
step; the holder reads (and clears) it as it releases. A knock means work arrived that
the holder may not have seen, so only a knocked holder looks again (`lock.knocked`),
instead of every holder reading the database once more on the way out (0277).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager

from redis.exceptions import LockError, LockNotOwnedError, RedisError
from redis.lock import Lock

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 15  # seconds a dead holder keeps a conversation; renewed every third of it
RENEW_EVERY = LOCK_TIMEOUT / 3

# A knock waits for the holder's release however long the holder renews its lock; if the
# holder died, the next holder takes it (one needless look), or it lapses.
KNOCK_TTL_MS = 3600 * 1000


class KnockingLock(Lock):
    """redis-py's Lock whose failed acquisitions knock, and whose release reads the knock."""

    # Take the lock, or leave a knock for its holder: one step, so a knock is never left
    # just after the holder looked for one. A third key (the job's wake-up flag) is
    # cleared first, in the same round trip.
    LUA_ACQUIRE_OR_KNOCK_SCRIPT = """
        if #KEYS > 2 then redis.call('del', KEYS[3]) end
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        redis.call('set', KEYS[2], '1', 'PX', ARGV[3])
        return 0
    """
    # Release if still ours; either way, take the knock. Returns owned * 2 + knocked.
    LUA_RELEASE_AND_READ_KNOCK_SCRIPT = """
        local owned = 0
        if redis.call('get', KEYS[1]) == ARGV[1] then
            redis.call('del', KEYS[1])
            owned = 2
        end
        return owned + redis.call('del', KEYS[2])
    """
    lua_acquire_or_knock = None
    lua_release_and_read_knock = None

    knocked = False
    clears: str | None = None  # a key deleted as the lock is tried (a wake-up flag)

    def register_scripts(self) -> None:  # once per class, as redis-py's Lock does
        super().register_scripts()
        cls = type(self)
        if cls.lua_acquire_or_knock is None:
            cls.lua_acquire_or_knock = self.redis.register_script(cls.LUA_ACQUIRE_OR_KNOCK_SCRIPT)
        if cls.lua_release_and_read_knock is None:
            cls.lua_release_and_read_knock = self.redis.register_script(
                cls.LUA_RELEASE_AND_READ_KNOCK_SCRIPT)

    @property
    def knock_key(self) -> str:
        return f"{self.name}:knock"

    def do_acquire(self, token) -> bool:
        return bool(self.lua_acquire_or_knock(
            keys=[self.name, self.knock_key, *([self.clears] if self.clears else [])],
            args=[token, int(self.timeout * 1000), KNOCK_TTL_MS], client=self.redis))

    def do_release(self, expected_token) -> None:
        result = self.lua_release_and_read_knock(
            keys=[self.name, self.knock_key], args=[expected_token], client=self.redis)
        self.knocked = bool(result & 1)
        if not result & 2:
            raise LockNotOwnedError("Cannot release a lock that's no longer owned",
                                    lock_name=self.name)


class _Renewer:
    """The process's one renewing thread: every held lock is renewed each `every`
    seconds until dropped. Started on first use in each process (forked children too)."""

    def __init__(self):
        self._forget()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        # A forked child holds none of its parent's locks, nor its thread, nor (if the
        # fork caught it held) the parent's mutex.
        self._mutex = threading.Condition()
        self._due: dict[KnockingLock, tuple[float, float]] = {}  # lock: (next renewal, every)
        self._pid = None

    def hold(self, lock: KnockingLock, every: float) -> None:
        with self._mutex:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, daemon=True, name="lock-renewer").start()
            self._due[lock] = (time.monotonic() + every, every)
            self._mutex.notify()

    def drop(self, lock: KnockingLock) -> None:
        with self._mutex:
            self._due.pop(lock, None)

    def _run(self) -> None:
        pid = os.getpid()
        while True:
            with self._mutex:
                if self._pid != pid:
                    return
                now = time.monotonic()
                due = [lock for lock, (at, _) in self._due.items() if at <= now]
                for lock in due:
                    self._due[lock] = (now + self._due[lock][1], self._due[lock][1])
                if not due:
                    soonest = min((at for at, _ in self._due.values()), default=now + 60)
                    self._mutex.wait(soonest - now)
                    continue
            for lock in due:
                self._renew(lock)

    def _renew(self, lock: KnockingLock) -> None:
        try:
            lock.reacquire()
        except LockNotOwnedError:
            self.drop(lock)  # still_holding() takes it back or gives up, in order
        except LockError:
            pass  # released by its holder while this renewal was on its way
        except Exception as exc:  # noqa: BLE001 — Redis away: still_holding() will say so;
            # whatever it is, this thread must live on for every other lock
            log.warning("could not renew %s: %s", lock.name, exc)


_renewer = _Renewer()


@contextmanager
def conversation_lock(rt, name: str, timeout: float = LOCK_TIMEOUT,
                      renew_every: float | None = None, clears: str | None = None):
    """Hold a Redis lock or yield None at once: another worker already has the work (and
    finds a knock when it releases). After the block, `lock.knocked` tells the holder
    whether anyone stood aside meanwhile. `clears`: a key deleted just before the lock
    is tried, in the same round trip (the job's wake-up flag)."""
    # thread_local=False: the renewing thread renews the token this thread took.
    lock = KnockingLock(rt.redis, f"planbot:lock:{name}", timeout=timeout, blocking=False,
                        thread_local=False)
    lock.clears = clears
    acquired = lock.acquire()
    lock.clears = None  # only the first attempt: still_holding() may take it back later
    if acquired:
        _renewer.hold(lock, renew_every or timeout / 3)
    try:
        yield lock if acquired else None
    finally:
        if acquired:
            _renewer.drop(lock)
            try:
                lock.release()
            except LockError:
                log.warning("lock %s expired while held", name)
                lock.knocked = True  # cannot tell whether anyone knocked: look again
            except RedisError as exc:
                log.warning("lock %s not released (%s): it expires by itself", name, exc)
                lock.knocked = True


def still_holding(lock) -> bool:
    """Call before each unit of work: restart the lock's timeout, or take the lock back if
    it lapsed (a long backlog, a slow provider, a Redis restart) while nobody else took it.
    False: another worker owns the conversation now and must be left alone."""
    try:
        lock.reacquire()
        return True
    except LockNotOwnedError:
        return lock.acquire(blocking=False)
