"""A burst queues one job per conversation, drained in order; the conversation lock is
short and renewed while its holder works."""
from __future__ import annotations

import threading

from sqlalchemy import select

from bot.pipeline import locks, process
from bot.platform import queueing
from storage.db import transaction
from storage.models import InboundMessage

from ..conftest import MARIA, drain


def test_a_burst_of_messages_queues_one_processing_job_that_answers_each_in_order(wa, rt, twilio):
    for text in ("oi", "xyzzy", "menu"):
        assert wa.post(MARIA, text).status_code == 200
    assert rt.queue.count == 1  # not one no-op job per message
    drain(rt)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 3
    assert "Como posso ajudar?" in bodies[0]
    assert "não entendi" in bodies[1].lower()
    assert "Como posso ajudar?" in bodies[2]
    with transaction(rt.sessions) as s:
        assert set(s.scalars(select(InboundMessage.status))) == {"processed"}


def test_a_message_stored_after_the_job_started_gets_a_job_of_its_own(wa, rt, twilio, monkeypatch):
    wa.post(MARIA, "oi")
    real = process._process_next_once
    posted = []

    def another_message_arrives_mid_turn(rt_, key, *bound):
        done = real(rt_, key, *bound)  # the job's first take sets what it answers
        if not posted:
            posted.append(wa.post(MARIA, "menu").status_code)
            assert rt.queue.count == 2  # the running job cleared its flag: a new wake-up
        return done

    monkeypatch.setattr(process, "_process_next_once", another_message_arrives_mid_turn)
    assert rt.queue.count == 1  # the first message's wake-up; this call plays its job
    assert process.process_conversation(f"whatsapp:{MARIA}") == 1  # what was there at its first take
    drain(rt)
    assert posted == [200]
    assert len(twilio.bodies_to(MARIA)) == 2  # both answered, once each


def test_delivery_wake_ups_are_deduplicated_until_the_job_starts(rt):
    assert queueing.deliver_later(rt, 7) and queueing.deliver_later(rt, 7)
    assert queueing.deliver_later(rt, 8)
    assert rt.queue.count == 2
    queueing.clear_wake_flag(rt, "out", 7)  # what the job does first
    assert queueing.deliver_later(rt, 7)
    assert rt.queue.count == 3


def test_reminders_and_campaigns_wait_in_the_bulk_queue_behind_replies(rt):
    queueing.deliver_later(rt, 9, bulk=True)
    queueing.process_later(rt, "whatsapp:+5567999990000")
    assert rt.bulk_queue.count == 1 and rt.queue.count == 1
    assert [q.name for q in rt.queues] == ["planbot", "planbot-bulk"]  # workers' order


def test_a_held_lock_is_renewed_by_its_heartbeat_past_its_timeout(rt):
    with locks.conversation_lock(rt, "in:heartbeat", timeout=1, renew_every=0.1) as lock:
        assert lock is not None
        threading.Event().wait(1.6)  # longer than the timeout: only renewals keep it
        assert rt.redis.get("planbot:lock:in:heartbeat") == lock.local.token
        assert locks.still_holding(lock)
    assert rt.redis.get("planbot:lock:in:heartbeat") is None  # released on exit


def test_a_dead_holders_lock_lapses_within_the_short_timeout(rt):
    dead = rt.redis.lock("planbot:lock:in:dead", timeout=locks.LOCK_TIMEOUT)
    assert dead.acquire(blocking=False)  # taken and never renewed: its holder was killed
    assert 0 < rt.redis.pttl("planbot:lock:in:dead") <= locks.LOCK_TIMEOUT * 1000
    assert locks.LOCK_TIMEOUT <= 15
    with locks.conversation_lock(rt, "in:dead") as lock:
        assert lock is None  # still its holder's until then


def test_a_job_answers_what_was_waiting_when_it_started_and_queues_the_rest_behind_others(
        wa, rt, twilio, monkeypatch):
    """Fairness: a person who answers at once gets their next turn from a new job at the
    back of the queue, not from the worker that has them in hand."""
    wa.post(MARIA, "oi")
    real = process._process_next_once
    posted = []

    def answers_at_once(rt_, key, *bound):
        done = real(rt_, key, *bound)
        if done is not None and not posted:
            posted.append(wa.post(MARIA, "menu").status_code)
        return done

    monkeypatch.setattr(process, "_process_next_once", answers_at_once)
    rt.redis.flushdb()  # the first message's wake-up: played by this call
    assert process.process_conversation(f"whatsapp:{MARIA}") == 1
    assert rt.queue.count == 1  # the second message waits in the queue, behind others
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 2


def test_a_job_that_finds_the_lock_taken_knocks_and_the_holder_reads_the_knock_on_release(rt):
    with locks.conversation_lock(rt, "in:knock") as held:
        with locks.conversation_lock(rt, "in:knock") as second:
            assert second is None  # stood aside
    assert held.knocked
    with locks.conversation_lock(rt, "in:knock") as alone:
        assert alone is not None
    assert not alone.knocked  # the knock was read once, and nobody knocked since


def test_a_knock_waits_for_a_holder_that_works_longer_than_the_lock_timeout(rt):
    with locks.conversation_lock(rt, "in:long", timeout=1, renew_every=0.1) as held:
        with locks.conversation_lock(rt, "in:long", timeout=1) as second:
            assert second is None
        threading.Event().wait(1.5)  # a long turn: the lock is renewed past its timeout
    assert held.knocked


def test_the_wake_up_flag_is_cleared_as_the_lock_is_tried_even_when_it_is_taken(rt):
    flag = queueing.wake_flag("in", "whatsapp:+5567999990000")
    rt.redis.set(flag, b"1")
    with locks.conversation_lock(rt, "in:flag"):
        rt.redis.set(flag, b"1")
        with locks.conversation_lock(rt, "in:flag", clears=flag) as second:
            assert second is None
        assert rt.redis.get(flag) is None


def test_a_holder_nobody_knocked_on_does_not_read_the_database_again(wa, rt, twilio, monkeypatch):
    wa.post(MARIA, "oi")
    looked = []
    real = process._has_pending
    monkeypatch.setattr(process, "_has_pending", lambda *a: looked.append(a) or real(*a))
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1
    assert looked == []


def test_one_thread_renews_every_lock_a_process_holds(rt):
    before = threading.active_count()
    with locks.conversation_lock(rt, "in:a", timeout=1, renew_every=0.1) as a, \
            locks.conversation_lock(rt, "in:b", timeout=1, renew_every=0.1) as b, \
            locks.conversation_lock(rt, "out:c", timeout=1, renew_every=0.1) as c:
        assert threading.active_count() <= max(before, 1) + 1
        threading.Event().wait(1.5)
        for lock in (a, b, c):
            assert rt.redis.get(lock.name) == lock.local.token  # all renewed past the timeout


def test_a_forked_work_horse_renews_its_own_locks(rt):
    """WORKER_FORK=1 forks a work horse per job: its locks get a renewing thread of its
    own, whatever state the parent's was in."""
    import os
    with locks.conversation_lock(rt, "in:parent", timeout=1, renew_every=0.1):
        pid = os.fork()
        if pid == 0:  # the work horse
            ok = False
            try:
                with locks.conversation_lock(rt, "in:child", timeout=1, renew_every=0.1) as lock:
                    threading.Event().wait(1.5)
                    ok = rt.redis.get("planbot:lock:in:child") == lock.local.token
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
