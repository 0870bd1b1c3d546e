"""The operator's API down during the identity check: a short reply at once (no turn
failing three times into an apology), nothing changed, no attempt spent."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
import responses
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, InboundMessage
from tests.conftest import MARIA, UNKNOWN
from tests.registry.test_http_registry import API, PERSON
from tests.scheduling_support import protocols

NUMBER = re.compile(r"\*(123456\d{14})\*")
TRY_LATER = ("Não consegui consultar o cadastro do plano agora para confirmar seus dados. Tente "
             "de novo em alguns minutos (é só repetir a resposta) ou digite *atendente*.")


@pytest.fixture
def settings(settings):
    return replace(settings, operator_api_url=API, operator_api_token="op-token")


def _person(mock, status=200) -> None:
    for url in (f"{API}/beneficiaries/900",):
        mock.remove(responses.GET, url)
        mock.get(url, json=PERSON, status=status)


@pytest.fixture
def api(twilio):
    mock = twilio.mock
    mock.get(f"{API}/beneficiaries", json=[PERSON],
             match=[responses.matchers.query_param_matcher({"phone": MARIA})])
    mock.get(f"{API}/beneficiaries", json=[],
             match=[responses.matchers.query_param_matcher({"phone": UNKNOWN})])
    mock.get(f"{API}/beneficiaries/900", json=PERSON)
    return mock


def _conversation(phone, rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        s.expunge(c)
        return c


def test_down_when_the_journey_asks_for_identity_ends_the_request_at_once(wa, rt, api):
    _person(api, status=503)
    [reply] = wa.say(MARIA, "2a via")
    number = NUMBER.search(reply).group(1)
    assert "Tente de novo em alguns minutos" in reply
    assert protocols(rt)[number][1] == "cancelado"
    c = _conversation(MARIA, rt)
    assert (c.flow, c.state) == (None, None)
    with transaction(rt.sessions) as s:
        assert [(m.status, m.attempts or 0) for m in s.scalars(select(InboundMessage))] == [("processed", 0)]


def test_down_while_checking_the_cpf_digits_keeps_the_question(wa, rt, api):
    assert "3 primeiros dígitos" in wa.say(MARIA, "2a via")[0]
    _person(api, status=503)
    assert wa.say(MARIA, "116") == [TRY_LATER]
    c = _conversation(MARIA, rt)
    assert (c.state, c.identity_failures, c.misunderstandings) == ("identity_cpf3", 0, 0)
    assert c.identity_verified_at is None


def test_down_while_checking_a_full_cpf_or_birth_date_keeps_the_question(wa, rt, api):
    wa.say(UNKNOWN, "2a via")
    api.get(f"{API}/beneficiaries", status=503,
            match=[responses.matchers.query_param_matcher({"cpf": "11676496726"})])
    assert wa.say(UNKNOWN, "116.764.967-26") == [TRY_LATER]
    assert _conversation(UNKNOWN, rt).state == "identity_cpf"
    api.remove(responses.GET, f"{API}/beneficiaries")
    api.get(f"{API}/beneficiaries", json=[PERSON],
            match=[responses.matchers.query_param_matcher({"cpf": "11676496726"})])
    assert "data de nascimento" in wa.say(UNKNOWN, "116.764.967-26")[0]
    _person(api, status=503)
    assert wa.say(UNKNOWN, "05/03/1980") == [TRY_LATER]
    c = _conversation(UNKNOWN, rt)
    assert (c.state, c.identity_failures, c.data["identity_candidate"]) == ("identity_birth", 0, "900")
