"""A message that keeps failing: the apology, and what becomes of the journey and its protocol."""
from __future__ import annotations

import re

from bot.pipeline import sweep
from tests.conftest import MARIA, drain
from tests.scheduling_support import conversation_state, protocols

NUMBER = re.compile(r"\*(123456\d{14})\*")


def _fail_on(monkeypatch, text: str) -> None:
    from bot import engine

    real = engine.handle

    def handle(session, runtime, conversation, message):
        if message.text == text:
            raise RuntimeError("bug")
        return real(session, runtime, conversation, message)

    monkeypatch.setattr(engine, "handle", handle)


def _poison(wa, rt, phone: str, text: str) -> None:
    wa.post(phone, text)
    for _ in range(3):
        sweep.sweep(reschedule=False)
        drain(rt)
    assert "tive um problema" in wa.twilio.bodies_to(phone)[-1]


def test_a_message_that_keeps_failing_cancels_its_journeys_protocol(wa, rt, monkeypatch):
    number = NUMBER.search(wa.say(MARIA, "2a via")[0]).group(1)
    _fail_on(monkeypatch, "boom")
    _poison(wa, rt, MARIA, "boom")
    assert protocols(rt)[number][1:] == ("cancelado", ["aberto", "cancelado"])
    assert conversation_state(rt) == (None, None, {}, None)


def test_a_message_that_keeps_failing_while_queued_keeps_the_request(wa, rt, monkeypatch):
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    _fail_on(monkeypatch, "boom")
    _poison(wa, rt, MARIA, "boom")
    flow, state, data, queued = conversation_state(rt)
    assert queued == "waiting" and data["protocol"] == number
    assert protocols(rt)[number][1] == "encaminhado"
    [reply] = wa.say(MARIA, "sair")  # and leaving still withdraws it
    assert f"protocolo *{number}*) foi cancelado" in reply
    assert protocols(rt)[number][1] == "cancelado"

