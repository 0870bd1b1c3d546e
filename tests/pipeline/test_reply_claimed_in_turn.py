"""A turn's reply is marked "sending" by the turn's own transaction and goes out right
after the commit (decision 0279) — unless something already holds the conversation's
outbound queue, in which case the normal delivery path keeps the order."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.pipeline import deliver, locks, process
from bot.services import outbox
from bot.services.outreach import pacing
from storage.db import make_engine, transaction
from storage.models import OutboundMessage
from tests.conftest import MARIA, drain
from tests.pipeline.test_delivery import (
    KEY,
    TwilioNetwork,
    _conversation_id,
    _lock_key,
    _raise,
    _recover,
    _rows,
    refused,
)


@pytest.fixture
def network(monkeypatch):
    return TwilioNetwork(monkeypatch)


def _statuses(rt) -> list[str]:
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(OutboundMessage.status).order_by(OutboundMessage.id)))


def test_a_reply_leaves_right_after_its_turn_commits_with_no_claim_transaction(
        wa, rt, settings, twilio, network):
    wa.say(MARIA, "oi")
    wa.post(MARIA, "obrigado")
    engine = make_engine(settings.database_url)
    commits, before_the_send = [], []

    def count(_conn):
        commits.append(1)

    network.next_post(before=lambda: before_the_send.append(len(commits)))
    event.listen(engine, "commit", count)
    try:
        process.process_conversation(KEY)
    finally:
        event.remove(engine, "commit", count)
    assert len(twilio.bodies_to(MARIA)) == 2
    assert before_the_send == [1]  # the turn's own commit, nothing else
    assert _statuses(rt) == ["sent", "sent"]


def test_a_reply_behind_an_earlier_one_still_due_waits_its_turn(wa, rt, twilio, network):
    network.next_post(before=_raise(refused()))
    wa.post(MARIA, "oi")
    process.process_conversation(KEY)  # refused: the menu stays pending, a retry is queued
    assert _statuses(rt) == ["pending"]
    wa.post(MARIA, "xyzzy")
    process.process_conversation(KEY)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 2
    assert "Como posso ajudar?" in bodies[0] and "não entendi" in bodies[1].lower()
    drain(rt)  # the retry job finds nothing left
    assert len(twilio.bodies_to(MARIA)) == 2


def test_a_reply_waits_for_the_delivery_that_holds_the_conversation(wa, rt, twilio):
    wa.say(MARIA, "oi")
    cid = _conversation_id(rt)
    wa.post(MARIA, "xyzzy")
    with locks.conversation_lock(rt, f"out:{cid}") as holder:
        process.process_conversation(KEY)
        assert _statuses(rt) == ["sent", "pending"]  # not claimed under another's lock
        assert len(twilio.bodies_to(MARIA)) == 1
    assert holder.knocked  # the holder looks again as it lets go
    deliver.deliver_conversation(cid, woken=False)
    assert "não entendi" in twilio.bodies_to(MARIA)[-1].lower()
    assert _statuses(rt) == ["sent", "sent"]


def test_a_turn_that_fails_to_commit_lets_go_of_the_outbound_queue(wa, rt, twilio, monkeypatch):
    wa.say(MARIA, "oi")
    cid = _conversation_id(rt)
    real_transaction = process.transaction
    held_at_commit = []

    @contextmanager
    def commit_fails_once(factory):
        with real_transaction(factory) as s:
            yield s
            if outbox.replied(s) and not held_at_commit:
                held_at_commit.append(rt.redis.get(_lock_key(cid)))
                raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(process, "transaction", commit_fails_once)
    wa.post(MARIA, "xyzzy")
    with pytest.raises(OperationalError):
        process.process_conversation(KEY)
    assert held_at_commit[0] is not None  # it had claimed the reply and taken the lock
    assert rt.redis.get(_lock_key(cid)) is None
    assert _statuses(rt) == ["sent"]  # nothing of the turn was kept
    drain(rt)  # the retry
    assert len(twilio.bodies_to(MARIA)) == 2
    assert _statuses(rt) == ["sent", "sent"]


def test_a_reply_at_the_senders_limit_waits_pending_not_sending(wa, rt, twilio, monkeypatch):
    wa.say(MARIA, "oi")
    real_wait = pacing.sender_wait
    answers = [timedelta(milliseconds=50)] * 2  # the turn's ask, then the delivery's first
    waiting = []

    def at_the_limit_twice(*args, **kwargs):
        return answers.pop(0) if answers else real_wait(*args, **kwargs)

    monkeypatch.setattr(pacing, "sender_wait", at_the_limit_twice)
    monkeypatch.setattr(deliver.time, "sleep", lambda _s: waiting.append(_statuses(rt)))
    wa.post(MARIA, "xyzzy")
    process.process_conversation(KEY)
    assert "não entendi" in twilio.bodies_to(MARIA)[-1].lower()
    assert waiting == [["sent", "pending"]]  # what the database held while it waited


def test_a_worker_killed_between_commit_and_send_leaves_the_reply_to_the_sweeper(
        wa, rt, twilio, network, monkeypatch):
    wa.say(MARIA, "oi")
    cid = _conversation_id(rt)
    abandoned = []

    def killed(_rt, done):
        abandoned.append(done.claimed)

    real_deliver_now = process._deliver_now
    monkeypatch.setattr(process, "_deliver_now", killed)
    wa.post(MARIA, "xyzzy")
    process.process_conversation(KEY)
    monkeypatch.setattr(process, "_deliver_now", real_deliver_now)
    [claimed] = abandoned
    locks._renewer.drop(claimed.lock)  # the dead process renews nothing
    rt.redis.delete(_lock_key(cid))  # ... and its lock lapses
    assert _statuses(rt) == ["sent", "sending"]
    _recover(rt)  # stale "sending": Twilio is asked first, then it is sent once
    assert network.lists >= 1
    assert len(twilio.bodies_to(MARIA)) == 2
    assert [r[0] for r in _rows(rt)] == ["sent", "sent"]


def test_redis_failing_at_the_claim_does_not_fail_the_turn(wa, rt, twilio, monkeypatch):
    wa.say(MARIA, "oi")
    real_lock = deliver.conversation_lock
    calls = []

    def redis_gone_once(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 1:
            raise RedisConnectionError("Connection refused")
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(deliver, "conversation_lock", redis_gone_once)
    wa.post(MARIA, "xyzzy")
    process.process_conversation(KEY)
    assert calls[0].startswith("out:")
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 2 and "não entendi" in bodies[1].lower()  # no apology
    assert _statuses(rt) == ["sent", "sent"]
