"""Nothing lost, nothing twice, nothing out of order: bursts, retries, crashes, Redis down."""
from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from bot.pipeline import deliver, process, sweep
from storage.db import transaction
from storage.models import InboundMessage, OutboundMessage
from tests.conftest import MARIA, drain


def _statuses(rt):
    with transaction(rt.sessions) as s:
        return [(m.body[:30], m.status) for m in s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))]


def test_three_messages_in_one_burst_are_answered_in_order(wa, rt, twilio):
    # "2a via" opens a journey, "abc" is a wrong answer to the CPF question, "menu" leaves it.
    for text in ("2a via", "abc", "menu"):
        assert wa.post(MARIA, text).status_code == 200
    drain(rt)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 3
    assert "Protocolo" in bodies[0] and "3 primeiros dígitos" in bodies[0]
    assert "Envie apenas os *3 primeiros dígitos*" in bodies[1]
    assert "Como posso ajudar?" in bodies[2]


def test_twilio_429_then_success_is_sent_exactly_once(wa, rt, twilio):
    twilio.fail_next(429, 20429, "Too Many Requests")
    bodies = wa.say(MARIA, "oi")
    assert len(bodies) == 1 and "Como posso ajudar?" in bodies[0]
    assert [s for _, s in _statuses(rt)] == ["sent"]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(OutboundMessage)).one().attempts == 2


def test_permanent_twilio_error_is_recorded_not_retried(wa, rt, twilio):
    twilio.fail_next(400, 63016, "outside the allowed window")
    assert wa.say(MARIA, "oi") == []
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert (row.status, row.error_code, row.attempts) == ("failed", "63016", 1)


def test_later_messages_wait_behind_a_retrying_one(wa, rt, twilio):
    wa.post(MARIA, "oi")
    wa.post(MARIA, "xyzzy")
    twilio.fail_next(503, 20500, "unavailable")
    twilio.fail_next(503, 20500, "unavailable")
    drain(rt)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 2
    assert "Como posso ajudar?" in bodies[0] and "não entendi" in bodies[1].lower()


def test_redis_down_at_webhook_time_then_recovered_is_answered(wa, rt, twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(rt.queue, "enqueue", broken)
    response = wa.post(MARIA, "oi")
    assert response.status_code == 200  # stored and acknowledged anyway
    with transaction(rt.sessions) as s:
        assert s.scalars(select(InboundMessage)).one().status == "received"
    monkeypatch.undo()
    assert sweep.sweep(reschedule=False)["inbound"] == 1
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1


def test_redis_losing_every_job_is_recovered_by_the_sweeper(wa, rt, twilio):
    wa.post(MARIA, "oi")
    rt.redis.flushdb()  # a Redis restart without persistence
    drain(rt)
    assert twilio.bodies_to(MARIA) == []
    sweep.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1


def test_worker_dying_mid_processing_answers_once(wa, rt, twilio, monkeypatch):
    from bot import engine

    real = engine.handle
    calls = {"n": 0}

    def dies_the_first_time(*args, **kwargs):
        calls["n"] += 1
        turn = real(*args, **kwargs)  # the reply is written... and then the worker dies
        if calls["n"] == 1:
            raise SystemExit("worker killed")
        return turn

    monkeypatch.setattr(engine, "handle", dies_the_first_time)
    wa.post(MARIA, "oi")
    with pytest.raises(SystemExit):
        process.process_conversation(f"whatsapp:{MARIA}")
    with transaction(rt.sessions) as s:  # the transaction rolled back: nothing half-done
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        assert s.scalars(select(InboundMessage)).one().status == "received"
    rt.redis.flushdb()  # its lock and job are gone with it
    sweep.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1


def test_worker_dying_after_twilio_accepted_does_not_send_twice(wa, rt, twilio, monkeypatch):
    real_record = deliver._record_sent
    state = {"died": False}

    def dies_before_recording(s, row_id, result):
        if not state["died"]:
            state["died"] = True
            raise SystemExit("worker killed after Twilio accepted")
        real_record(s, row_id, result)

    monkeypatch.setattr(deliver, "_record_sent", dies_before_recording)
    wa.post(MARIA, "oi")
    with pytest.raises(SystemExit):  # the turn's job delivers its replies itself
        process.process_conversation(f"whatsapp:{MARIA}")
    assert len(twilio.created) == 1
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sending" and row.external_id is None
    rt.redis.flushdb()
    # the sweeper only touches a "sending" row once it is stale
    from datetime import timedelta

    from bot.platform import clock
    clock.freeze(clock.now() + timedelta(minutes=5))
    sweep.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.created) == 1  # found at Twilio, not sent again
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sent" and row.external_id == twilio.created[0]["sid"]


def test_long_replies_are_split_at_paragraphs():
    from bot.services.outbox import split_body

    paragraphs = [(("linha %d " % i) * 30).strip() for i in range(12)]
    text = "\n\n".join(paragraphs)
    parts = split_body(text, 1600)
    assert all(len(p) <= 1600 for p in parts)
    assert "\n\n".join(parts) == text
    assert len(parts) > 1


def _scheduled_sweepers(rt) -> list[str]:
    from rq.registry import ScheduledJobRegistry

    return [j for j in ScheduledJobRegistry(queue=rt.queue).get_job_ids()
            if j.startswith(sweep.SWEEPER_JOB_ID)]


def _worker(rt):
    """A planbot worker as worker.py builds it, running jobs in this process."""
    from rq import SimpleWorker

    from bot.pipeline.worker import SweeperKeeping

    class InProcessPlanbotWorker(SweeperKeeping, SimpleWorker):
        pass

    # maintenance at every loop turn, so a burst run shows what an idle worker does
    return InProcessPlanbotWorker([rt.queue], connection=rt.redis, maintenance_interval=0)


def test_worker_start_sweeps_and_keeps_one_sweeper_on_the_scheduler(wa, rt, twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(rt.queue, "enqueue", broken)
    wa.post(MARIA, "oi")  # stored, but its job never reached Redis
    monkeypatch.undo()
    _worker(rt).work(burst=True, logging_level="WARNING")  # a worker starting up
    assert len(twilio.bodies_to(MARIA)) == 1  # its start-up sweep found the message
    _worker(rt).work(burst=True, logging_level="WARNING")  # a second worker starting
    assert len(_scheduled_sweepers(rt)) == 1
    assert len(twilio.bodies_to(MARIA)) == 1


def test_a_failing_sweep_still_leaves_one_sweeper_scheduled(rt, monkeypatch):
    def database_down(*args, **kwargs):
        raise ConnectionRefusedError("database unavailable")

    monkeypatch.setattr(sweep, "transaction", database_down)
    with pytest.raises(ConnectionRefusedError):
        sweep.sweep()
    assert len(_scheduled_sweepers(rt)) == 1


def test_a_redis_blip_while_rearming_is_survived(rt, monkeypatch):
    def blip(*args, **kwargs):
        raise RedisConnectionError("Connection reset by peer")

    monkeypatch.setattr(rt.queue, "enqueue_in", blip)
    assert sweep.sweep() == {"inbound": 0, "outbound": 0}  # the sweep itself is not lost
    assert _scheduled_sweepers(rt) == []
    monkeypatch.undo()
    worker = _worker(rt)
    worker.work(burst=True, logging_level="WARNING")
    assert len(_scheduled_sweepers(rt)) == 1


def test_a_worker_rearms_the_sweeper_after_redis_lost_it(rt):
    worker = _worker(rt)
    worker.work(burst=True, logging_level="WARNING")
    assert len(_scheduled_sweepers(rt)) == 1
    rt.redis.flushdb()  # Redis restarted without persistence: the chain is gone
    assert _scheduled_sweepers(rt) == []
    worker.work(burst=True, logging_level="WARNING")  # the same worker, later on
    assert len(_scheduled_sweepers(rt)) == 1


def test_worker_maintenance_ticks_at_the_recovery_interval_or_the_sweep_interval(settings):
    from dataclasses import replace

    from bot.pipeline.worker import RECOVERY_INTERVAL, worker_options

    options = worker_options(replace(settings, sweep_interval_seconds=60))
    assert options["maintenance_interval"] == RECOVERY_INTERVAL
    # RQ runs maintenance between blocking dequeues of worker_ttl - 15 seconds
    assert options["worker_ttl"] - 15 <= RECOVERY_INTERVAL
    assert worker_options(replace(settings, sweep_interval_seconds=2))["maintenance_interval"] == 2


def test_two_workers_on_one_conversation_answer_a_burst_once_each_in_order(
        wa, rt, twilio, client, monkeypatch):
    """Worker A holds the conversation; worker B is woken by every message of the burst
    (one job each) and by one more message stored while A works. Then both deliver."""
    import threading

    key = f"whatsapp:{MARIA}"
    for text in ("2a via", "abc", "menu"):
        wa.post(MARIA, text)
    a_has_the_conversation, b_is_done = threading.Event(), threading.Event()
    real_next = process._process_next

    def first_turn_waits_for_b(rt_, key_, *bound):
        done = real_next(rt_, key_, *bound)  # the first turn sets the job's bound
        if not a_has_the_conversation.is_set():
            a_has_the_conversation.set()
            assert b_is_done.wait(30)
        return done

    monkeypatch.setattr(process, "_process_next", first_turn_waits_for_b)
    outcome: dict = {}

    def worker_a():
        outcome["a"] = process.process_conversation(key, deliver=False)

    def worker_b():
        a_has_the_conversation.wait(30)
        outcome["b"] = [process.process_conversation(key, deliver=False) for _ in range(3)]
        wa.post(MARIA, "xyzzy")  # arrives while A holds the conversation
        outcome["b"].append(process.process_conversation(key, deliver=False))
        b_is_done.set()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # A answered the burst it started with, B stood aside; the message stored meanwhile
    # got a job at the back of the queue (A's, as B's had found the lock taken)
    assert outcome == {"a": 3, "b": [0, 0, 0, 0]}
    assert rt.queue.count >= 1
    assert process.process_conversation(key, deliver=False) == 1

    with transaction(rt.sessions) as s:
        cid = s.scalars(select(InboundMessage.conversation_id)
                        .where(InboundMessage.conversation_id.is_not(None))).first()
    start = threading.Barrier(2)
    delivered: list[int] = []

    def deliverer():
        start.wait(30)
        delivered.append(deliver.deliver_conversation(cid))

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    drain(rt)  # every job the burst queued runs too, and finds nothing left to do
    assert sum(delivered) == 4
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 4
    assert "3 primeiros dígitos" in bodies[0]
    assert "Envie apenas os *3 primeiros dígitos*" in bodies[1]
    assert "Como posso ajudar?" in bodies[2]
    assert "não entendi" in bodies[3].lower()


def test_in_process_burst_worker_opens_no_command_channel(rt):
    """The chat command and the tests run jobs with a burst InProcessWorker. RQ's pubsub
    thread (the command channel of long-running workers) waits up to 60 s per read, and
    redis-py ≥ 8 joins it on stop: now and then a burst run with nothing to do took a
    minute, or hung the chat. A worker living for one burst in the caller's process
    takes no commands, so it opens no channel."""
    import threading
    import time

    from bot.pipeline.worker import InProcessWorker

    before = threading.active_count()
    started = time.monotonic()
    for _ in range(20):
        worker = InProcessWorker([rt.queue], connection=rt.redis)
        worker.work(burst=True, logging_level="WARNING")
        assert worker.pubsub_thread is None
    assert threading.active_count() == before
    assert time.monotonic() - started < 10
