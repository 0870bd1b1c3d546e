"""A new phone's first message while the operator's API is down is answered, not stuck:
the conversation is created unbound and identity.refresh_binding binds it once the API is
back (the same lookup that runs at the start of every session)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import responses
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, InboundMessage
from tests.conftest import MARIA
from tests.registry.test_http_registry import API, PERSON


@pytest.fixture
def settings(settings):
    return replace(settings, operator_api_url=API, operator_api_token="op-token")


def _by_phone(mock, **answer) -> None:
    mock.get(f"{API}/beneficiaries", match=[responses.matchers.query_param_matcher({"phone": MARIA})],
             **answer)


def _conversation(rt) -> tuple[str | None, list[str]]:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        return c.beneficiary_ref, [m.status for m in s.scalars(select(InboundMessage))]


def test_first_message_while_the_operator_api_is_down_is_answered(wa, rt, twilio):
    _by_phone(twilio.mock, status=503)
    [reply] = wa.say(MARIA, "oi")
    assert reply.startswith("Olá! Sou o assistente virtual")  # no name: nobody bound yet
    assert _conversation(rt) == (None, ["processed"])

    twilio.mock.remove(responses.GET, f"{API}/beneficiaries")
    _by_phone(twilio.mock, json=[PERSON])
    twilio.mock.get(f"{API}/beneficiaries/900", json=PERSON)
    [reply] = wa.say(MARIA, "oi")
    assert reply.startswith("Olá, Maria!")  # bound at the start of the next session
    assert _conversation(rt)[0] == "900"


def test_greeting_a_bound_person_while_the_api_is_down_still_shows_the_menu(wa, rt, twilio):
    _by_phone(twilio.mock, json=[PERSON])
    twilio.mock.get(f"{API}/beneficiaries/900", json=PERSON)
    assert wa.say(MARIA, "oi")[0].startswith("Olá, Maria!")
    twilio.mock.remove(responses.GET, f"{API}/beneficiaries")
    twilio.mock.remove(responses.GET, f"{API}/beneficiaries/900")
    _by_phone(twilio.mock, status=503)
    twilio.mock.get(f"{API}/beneficiaries/900", status=503)
    [reply] = wa.say(MARIA, "bom dia")
    assert reply.startswith("Olá! Sou o assistente virtual") and "1. 2ª via de boleto" in reply
    assert _conversation(rt) == ("900", ["processed", "processed"])  # the binding is kept
