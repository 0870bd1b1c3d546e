"""Button/list answers of any length are stored: a too-long payload must not turn the
webhook into a 500 that Twilio's retries can never get past."""
from __future__ import annotations

from sqlalchemy import select

from bot.language.templates import render
from storage.db import transaction
from storage.models import InboundMessage
from tests.conftest import MARIA


def test_an_oversized_button_payload_is_stored_and_answered(wa, rt):
    payload = "item-" + "x" * 500
    reply = wa.say(MARIA, "Sim", extra={"ButtonPayload": payload, "ButtonText": "Sim"})
    assert reply  # processed like any other message: the person gets an answer
    with transaction(rt.sessions) as s:
        stored = s.scalars(select(InboundMessage)).one()
        assert stored.payload == payload and stored.status == "processed"


def test_a_forged_reminder_button_with_a_huge_id_is_not_a_crash(wa, rt):
    # An id beyond any database integer must read as "not one of ours", not fail the
    # turn three times and end in the generic apology.
    reply = wa.say(MARIA, "Confirmar", extra={"ButtonPayload": "appt-confirm:" + "9" * 500,
                                              "ButtonText": "Confirmar"})
    assert reply and render("generic_error") not in reply
    with transaction(rt.sessions) as s:
        stored = s.scalars(select(InboundMessage)).one()
        assert stored.status == "processed" and stored.attempts in (0, None)
