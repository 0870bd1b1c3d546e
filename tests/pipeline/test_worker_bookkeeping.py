"""RQ's per-job bookkeeping in few Redis round trips (0278): heartbeats outside RQ's
pipelines at most once a second and batched, an unchanged worker state not written again,
jobs whose result expires instead of being deleted command by command."""
from __future__ import annotations

from datetime import timedelta

import pytest
from redis.client import Pipeline
from rq import Callback
from rq.exceptions import StopRequested
from rq.suspension import resume, suspend

from bot.pipeline.worker import InProcessWorker, PlanbotWorker
from bot.platform import queueing


@pytest.fixture
def worker(rt):
    w = PlanbotWorker([rt.queue], connection=rt.redis)
    yield w
    rt.redis.delete(w.key)


def _heartbeat_written(rt, worker) -> bytes | None:
    return rt.redis.hget(worker.key, "last_heartbeat")


def test_a_suspension_is_noticed_within_a_second(rt, worker):
    worker.check_for_suspension(burst=True)
    suspend(rt.redis)
    try:
        worker.check_for_suspension(burst=True)  # asked a moment ago: not asked again
        worker._suspension_checked_at -= 2
        with pytest.raises(StopRequested):
            worker.check_for_suspension(burst=True)
    finally:
        resume(rt.redis)


SUCCEEDED: list = []


def _remember_success(job, connection, result):
    SUCCEEDED.append(result)


def test_a_job_with_a_success_callback_still_gets_it(rt):
    SUCCEEDED.clear()
    rt.queue.enqueue("os.getpid", on_success=Callback(_remember_success),
                     result_ttl=queueing.RESULT_TTL)

    InProcessWorker([rt.queue], connection=rt.redis).work(burst=True, logging_level="WARNING")

    assert len(SUCCEEDED) == 1 and isinstance(SUCCEEDED[0], int)


def test_a_second_heartbeat_within_a_second_is_not_written(rt, worker):
    worker.heartbeat()
    first = _heartbeat_written(rt, worker)
    assert first is not None
    assert rt.redis.ttl(worker.key) > 0  # the registration lives on

    worker.heartbeat()

    assert _heartbeat_written(rt, worker) == first


def test_a_heartbeat_after_a_second_is_written(rt, worker):
    worker.heartbeat()
    first = _heartbeat_written(rt, worker)
    worker.last_heartbeat -= timedelta(seconds=2)

    worker.heartbeat()

    assert _heartbeat_written(rt, worker) != first


def test_a_heartbeat_with_its_own_timeout_or_in_a_pipeline_is_always_written(rt, worker):
    worker.heartbeat()
    worker.heartbeat(timeout=500)  # RQ's job start sets a job-length timeout
    assert 400 < rt.redis.ttl(worker.key) <= 500

    with rt.redis.pipeline() as pipeline:
        worker.heartbeat(timeout=300, pipeline=pipeline)
        pipeline.execute()
    assert rt.redis.ttl(worker.key) <= 300


def test_an_unchanged_worker_state_is_not_written_again(rt, worker):
    worker.set_state("idle")
    rt.redis.hdel(worker.key, "state")

    worker.set_state("idle")
    assert rt.redis.hget(worker.key, "state") is None
    assert worker.get_state() == "idle"

    worker.set_state("busy")
    assert rt.redis.hget(worker.key, "state") == b"busy"


class _Counting:
    """Counts round trips to Redis: one per command outside a pipeline, one per
    pipeline executed."""

    def __init__(self, monkeypatch, connection):
        self.trips = 0
        original_command = type(connection).execute_command
        original_pipeline = Pipeline.execute

        def command(client, *args, **options):
            if not isinstance(client, Pipeline):
                self.trips += 1
            return original_command(client, *args, **options)

        def pipeline(client, *args, **options):
            self.trips += 1
            return original_pipeline(client, *args, **options)

        monkeypatch.setattr(type(connection), "execute_command", command)
        monkeypatch.setattr(Pipeline, "execute", pipeline)


def test_a_wake_up_job_with_nothing_to_do_costs_a_handful_of_round_trips(rt, monkeypatch):
    """With RQ 3's bookkeeping as it comes such a job took ~28 round trips (four
    unbatched heartbeats, a state written twice, a suspension check, the job's heartbeat
    once more after it ended, a result_ttl=0 job deleted execution by execution); the
    pipeline's own share is the lock and its release."""
    jobs = 20
    for n in range(jobs):
        assert queueing.process_later(rt, f"whatsapp:+55679999{n:05d}")
    InProcessWorker([rt.queue], connection=rt.redis).work(burst=True, max_jobs=1,
                                                         logging_level="WARNING")
    counting = _Counting(monkeypatch, rt.redis)

    assert rt.queue.count == jobs - 1

    InProcessWorker([rt.queue], connection=rt.redis).work(burst=True, logging_level="WARNING")

    assert rt.queue.count == 0
    assert counting.trips / (jobs - 1) <= 10
