"""Nothing lost, nothing twice, nothing out of order: bursts, retries, crashes, Redis down."""
from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from bot import jobs
from storage.db import transaction
from storage.models import InboundMessage, OutboundMessage

from .conftest import MARIA, drain


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
    assert jobs.sweep(reschedule=False)["inbound"] == 1
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1


def test_redis_losing_every_job_is_recovered_by_the_sweeper(wa, rt, twilio):
    wa.post(MARIA, "oi")
    rt.redis.flushall()  # a Redis restart without persistence
    drain(rt)
    assert twilio.bodies_to(MARIA) == []
    jobs.sweep(reschedule=False)
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
        jobs.process_conversation(f"whatsapp:{MARIA}")
    with transaction(rt.sessions) as s:  # the transaction rolled back: nothing half-done
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 0
        assert s.scalars(select(InboundMessage)).one().status == "received"
    rt.redis.flushall()  # its lock and job are gone with it
    jobs.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1


def test_worker_dying_after_twilio_accepted_does_not_send_twice(wa, rt, twilio, monkeypatch):
    real_mark = jobs._mark_sent
    state = {"died": False}

    def dies_before_recording(row, result):
        if not state["died"]:
            state["died"] = True
            raise SystemExit("worker killed after Twilio accepted")
        real_mark(row, result)

    monkeypatch.setattr(jobs, "_mark_sent", dies_before_recording)
    wa.post(MARIA, "oi")
    jobs.process_conversation(f"whatsapp:{MARIA}")
    with pytest.raises(SystemExit):
        jobs.deliver_conversation(1)
    assert len(twilio.created) == 1
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sending" and row.external_id is None
    rt.redis.flushall()
    # the sweeper only touches a "sending" row once it is stale
    from datetime import timedelta
    from bot import clock

    clock.freeze(clock.now() + timedelta(minutes=5))
    jobs.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.created) == 1  # found at Twilio, not sent again
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sent" and row.external_id == twilio.created[0]["sid"]


def test_long_replies_are_split_at_paragraphs():
    from bot.outbox import split_body

    paragraphs = [(("linha %d " % i) * 30).strip() for i in range(12)]
    text = "\n\n".join(paragraphs)
    parts = split_body(text, 1600)
    assert all(len(p) <= 1600 for p in parts)
    assert "\n\n".join(parts) == text
    assert len(parts) > 1


def test_worker_start_sweeps_and_keeps_one_sweeper_on_the_scheduler(rt):
    from rq.registry import ScheduledJobRegistry

    jobs.sweep(reschedule=True)
    jobs.sweep(reschedule=True)  # a second worker starting: still one sweeper
    scheduled = [j for j in ScheduledJobRegistry(queue=rt.queue).get_job_ids()
                 if j.startswith(jobs.SWEEPER_JOB_ID)]
    assert len(scheduled) == 1
