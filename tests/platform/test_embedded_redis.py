"""The embedded Redis is stopped by whoever leaves it last, also when the others are slow
to leave (serve's workers' own children exiting as serve stops)."""
from __future__ import annotations

import threading

import psutil
import redis

from bot.platform.embedded_redis import start_embedded_redis


def _server_alive(handle) -> bool:
    pid = handle._server.pid
    return psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def test_release_waits_for_a_client_that_is_leaving_then_stops_the_server(tmp_path):
    handle, url = start_embedded_redis(tmp_path / "redis.rdb")
    other = redis.Redis.from_url(url)
    other.ping()  # another process's connection, still open when we release
    threading.Timer(0.5, other.close).start()
    handle.release(grace_seconds=10)
    assert not _server_alive(handle)


def test_release_without_grace_leaves_a_server_another_client_uses(tmp_path):
    handle, url = start_embedded_redis(tmp_path / "redis.rdb")
    other = redis.Redis.from_url(url)
    try:
        other.ping()
        handle.release()
        assert _server_alive(handle)
        assert other.ping()  # still serving the one who stays
    finally:
        other.close()
        handle.shutdown()
    assert not _server_alive(handle)
