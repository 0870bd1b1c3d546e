"""Outbound delivery under faults: what Twilio is asked to send when the network, Twilio
or our own workers misbehave. Nothing twice, nothing lost, the conversation never stalls."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from bot.channels.base import PermanentSendError, RetryableSendError
from bot.channels.whatsapp import TwilioWhatsAppSender
from bot.pipeline import deliver, process, sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, OutboundMessage
from tests import conftest
from tests.conftest import BOT_NUMBER, MARIA, drain

KEY = f"whatsapp:{MARIA}"


class TwilioNetwork:
    """Faults between our twilio client and Twilio, raised where `requests` raises them.

    Each planned step applies to the next POST (message creation): `before` runs before
    the request leaves, `after` once Twilio has it; either may raise.
    """

    def __init__(self, monkeypatch):
        self.plan: list[tuple] = []
        self.lists = 0
        real = TwilioHttpClient.request

        def request(client, method, url, *args, **kwargs):
            if method.upper() == "GET":
                self.lists += 1
            if method.upper() != "POST" or not self.plan:
                return real(client, method, url, *args, **kwargs)
            before, after = self.plan.pop(0)
            if before:
                before()
            response = real(client, method, url, *args, **kwargs)
            if after:
                after()
            return response

        monkeypatch.setattr(TwilioHttpClient, "request", request)

    def next_post(self, before=None, after=None) -> None:
        self.plan.append((before, after))


def _raise(exc):
    def fault():
        raise exc
    return fault


def refused() -> requests.exceptions.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/Messages.json", reason=reason))


def reset() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))


@pytest.fixture
def network(monkeypatch):
    return TwilioNetwork(monkeypatch)


@pytest.fixture
def creation_times(monkeypatch):
    """Make the fake Twilio list report when each message was created (it reports 'now')."""
    original = conftest._message_json
    stamps: dict[str, str] = {}

    def stamped(sid, form):
        data = original(sid, form)
        data["date_created"] = stamps.setdefault(sid, data["date_created"])
        return data

    monkeypatch.setattr(conftest, "_message_json", stamped)
    return stamped


def _rows(rt):
    with transaction(rt.sessions) as s:
        return [(r.status, r.external_id, r.error_code, r.error_message)
                for r in s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))]


def _conversation_id(rt) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation.id).where(Conversation.address == MARIA)).one()


def _later(**delta) -> None:
    clock.freeze(clock.now() + timedelta(**delta))


def _recover(rt) -> None:
    """What production does after a crash: time passes, the sweeper runs, workers work."""
    _later(minutes=5)
    sweep.sweep(reschedule=False)
    drain(rt)


# -- 1. crash recovery never adopts another message's SID --------------------------------
def test_same_reply_twice_after_a_lost_attempt_is_sent_not_matched_to_the_first(wa, rt, twilio, network):
    first = wa.say(MARIA, "menu")
    network.next_post(before=_raise(requests.exceptions.ReadTimeout("read timed out")))
    wa.post(MARIA, "menu")
    drain(rt)
    assert len(twilio.created) == 1  # the second reply never reached Twilio
    _recover(rt)
    assert twilio.bodies_to(MARIA) == first * 2  # same text, really sent again
    assert _rows(rt) == [("sent", twilio.created[0]["sid"], None, None),
                         ("sent", twilio.created[1]["sid"], None, None)]


def test_identical_message_from_before_the_attempt_is_not_taken_for_ours(wa, rt, twilio, network,
                                                                         creation_times):
    [reply] = wa.say(MARIA, "menu")
    # The same text reached the person by other means (console, another system): it is
    # on Twilio's list but none of our rows sent it.
    foreign = {"sid": "SM" + "f" * 32, "Body": reply, "To": f"whatsapp:{MARIA}",
               "From": f"whatsapp:{BOT_NUMBER}"}
    creation_times(foreign["sid"], foreign)
    twilio.created.append(foreign)
    _later(minutes=1)
    network.next_post(before=_raise(reset()))
    wa.post(MARIA, "menu")
    drain(rt)
    _recover(rt)
    assert twilio.bodies_to(MARIA) == [reply, reply, reply]
    assert [r[:2] for r in _rows(rt)] == [("sent", twilio.created[0]["sid"]),
                                          ("sent", twilio.created[2]["sid"])]


def test_connection_refused_is_retried_at_once(wa, rt, twilio, network):
    network.next_post(before=_raise(refused()))
    wa.post(MARIA, "oi")
    process.process_conversation(KEY, deliver=False)
    with pytest.raises(RetryableSendError):
        deliver.deliver_conversation(_conversation_id(rt))
    assert [r[0] for r in _rows(rt)] == ["pending"]  # certainly not at Twilio
    drain(rt)
    assert len(twilio.bodies_to(MARIA)) == 1
    assert network.lists == 0  # nothing to look up: it never left


def test_read_timeout_after_twilio_took_it_is_not_resent(wa, rt, twilio, network):
    network.next_post(after=_raise(requests.exceptions.ReadTimeout("read timed out")))
    wa.post(MARIA, "oi")
    drain(rt)
    assert len(twilio.created) == 1
    assert [r[0] for r in _rows(rt)] == ["sending"]  # unknown: left for the sweeper
    _recover(rt)
    assert len(twilio.created) == 1
    assert _rows(rt) == [("sent", twilio.created[0]["sid"], None, None)]


# -- 4. which Twilio errors are permanent -------------------------------------------------
@pytest.mark.parametrize("status,code", [(401, 20003), (404, 20404), (400, 63007)])
def test_auth_and_account_errors_are_retried_and_logged(wa, rt, twilio, caplog, status, code):
    twilio.fail_next(status, code, "Authenticate")
    with caplog.at_level(logging.ERROR, logger="bot.channels.whatsapp"):
        replies = wa.say(MARIA, "oi")
    assert len(replies) == 1 and "Como posso ajudar?" in replies[0]
    assert _rows(rt) == [("sent", twilio.created[0]["sid"], None, None)]
    assert any(str(code) in r.getMessage() and "TWILIO_AUTH_TOKEN" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("code", [63016, 21211, 63003, 21610])
def test_message_level_errors_are_permanent(wa, rt, twilio, code):
    twilio.fail_next(400, code, "refused")
    assert wa.say(MARIA, "oi") == []
    assert [r[:3] for r in _rows(rt)] == [("failed", None, str(code))]


def test_failure_to_check_a_previous_attempt_does_not_block_the_conversation(
        wa, rt, twilio, network, monkeypatch):
    def unverifiable(self, message, *args, **kwargs):
        raise PermanentSendError("21211", "Invalid 'To' Phone Number")

    monkeypatch.setattr(TwilioWhatsAppSender, "find_sent", unverifiable)
    network.next_post(before=_raise(requests.exceptions.ReadTimeout("read timed out")))
    wa.post(MARIA, "oi")
    drain(rt)
    _recover(rt)
    status, sid, code, reason = _rows(rt)[0]
    assert (status, sid, code) == ("failed", None, "21211")
    assert "could not check the previous attempt" in reason
    assert twilio.created == []  # not resent blindly
    assert len(wa.say(MARIA, "menu")) == 1  # later replies go out


def test_reply_not_sent_within_the_age_limit_is_given_up(wa, rt, twilio):
    for _ in range(10):
        twilio.fail_next(503, 20500, "unavailable")
    wa.post(MARIA, "oi")
    drain(rt)
    twilio.failures.clear()
    assert [r[0] for r in _rows(rt)] == ["pending"]
    _later(hours=25)  # Twilio is back, a day later: yesterday's greeting is stale
    replies = wa.say(MARIA, "menu")
    assert len(replies) == 1 and "Como posso ajudar?" in replies[-1]
    status, _, code, reason = _rows(rt)[0]
    assert (status, code) == ("failed", "expired")
    assert "OUTBOUND_MAX_AGE_HOURS" in reason


def test_scheduled_message_ages_from_when_it_is_due(wa, rt, twilio):
    from bot.services import outbox
    wa.say(MARIA, "oi")
    with transaction(rt.sessions) as s:
        conversation = s.get(Conversation, _conversation_id(rt))
        outbox.enqueue_text(s, conversation, "lembrete", not_before=clock.now() + timedelta(hours=30))
    _later(hours=31)
    sweep.sweep(reschedule=False)
    drain(rt)
    assert twilio.bodies_to(MARIA)[-1] == "lembrete"


# -- 6. the delivery lock ---------------------------------------------------------------------
def _two_replies_queued(wa, rt) -> int:
    wa.post(MARIA, "oi")
    wa.post(MARIA, "xyzzy")
    process.process_conversation(KEY, deliver=False)
    return _conversation_id(rt)


def _lock_key(cid: int) -> str:
    return f"planbot:lock:out:{cid}"


def test_second_worker_leaves_a_message_in_flight_alone(wa, rt, twilio, network):
    cid = _two_replies_queued(wa, rt)
    outcome = {}

    def redis_restarts_and_another_worker_delivers():
        rt.redis.flushdb()  # the lock is gone while this send is on the wire
        outcome["second worker sent"] = deliver.deliver_conversation(cid)

    network.next_post(before=redis_restarts_and_another_worker_delivers)
    deliver.deliver_conversation(cid)
    assert outcome["second worker sent"] == 0
    assert network.lists == 0  # it did not even ask Twilio about a message in flight
    drain(rt)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 2
    assert "Como posso ajudar?" in bodies[0] and "não entendi" in bodies[1].lower()


def test_delivery_stops_when_another_worker_took_the_lapsed_lock(wa, rt, twilio, network):
    cid = _two_replies_queued(wa, rt)
    other = rt.redis.lock(_lock_key(cid), timeout=120)

    def lock_lapses_and_another_worker_takes_it():
        rt.redis.delete(_lock_key(cid))
        assert other.acquire(blocking=False)

    network.next_post(before=lock_lapses_and_another_worker_takes_it)
    deliver.deliver_conversation(cid)
    assert len(twilio.created) == 1  # the second reply is the new holder's to send
    other.release()
    deliver.deliver_conversation(cid)
    bodies = twilio.bodies_to(MARIA)
    assert len(bodies) == 2 and "não entendi" in bodies[1].lower()


def test_delivery_lock_is_renewed_before_each_message(wa, rt, twilio, network):
    cid = _two_replies_queued(wa, rt)
    seen = {}
    network.next_post(before=lambda: rt.redis.expire(_lock_key(cid), 5))  # about to lapse
    network.next_post(before=lambda: seen.setdefault("ttl", rt.redis.ttl(_lock_key(cid))))
    assert deliver.deliver_conversation(cid) == 2
    assert seen["ttl"] > 5
