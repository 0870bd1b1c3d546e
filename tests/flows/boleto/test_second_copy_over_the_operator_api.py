"""2ª via through the signed webhook with OPERATOR_API_URL set: every answer comes from the
operator's API (mocked with `responses`, alongside Twilio's)."""
from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlparse

import pytest
import requests
import responses
from sqlalchemy import select

from bot.services.boleto import is_valid_linha
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA
from tests.registry.test_http_registry import API, OVERDUE, PAID, PERSON, TITLE, _bill_json

LINHA = re.compile(r"(\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14})")
TRY_LATER = "Tente de novo em alguns minutos"


@pytest.fixture
def settings(settings):
    return replace(settings, operator_api_url=API, operator_api_token="op-token")


@pytest.fixture
def operator(twilio):
    """The operator's API on the same `responses` mock as Twilio's."""
    mock = twilio.mock
    mock.get(f"{API}/beneficiaries", json=[PERSON],
             match=[responses.matchers.query_param_matcher({"phone": MARIA})])
    mock.get(f"{API}/beneficiaries/900", json=PERSON)
    mock.get(f"{API}/beneficiaries/900/titles", json=[TITLE, OVERDUE],
             match=[responses.matchers.query_param_matcher({"status": "open"})])
    # Frozen today is 24/11/2026: recent paid titles are those from September on.
    mock.get(f"{API}/beneficiaries/900/titles", json=[PAID], match=[
        responses.matchers.query_param_matcher({"status": "paid", "competence_from": "2026-09-01"})])
    for title in (TITLE, OVERDUE, PAID):
        mock.get(f"{API}/titles/{title['ref']}", json=title)
    return mock


def _operator_calls(mock) -> list[str]:
    return [c.request.url for c in mock.calls if c.request.url.startswith(API)]


def _conversation(rt) -> Conversation:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        s.expunge(c)
        return c


def test_second_copy_from_the_operator_api(wa, rt, twilio, operator, client):
    operator.get(f"{API}/titles/T9/bill", json=_bill_json("BT9", TITLE))
    operator.get(f"{API}/bills/BT9", json=_bill_json("BT9", TITLE))

    asked = wa.say(MARIA, "2a via")[0]
    assert "Protocolo" in asked and "Maria" in asked and "3 primeiros dígitos" in asked
    listing = wa.say(MARIA, "116")[0]
    lines = [l for l in listing.splitlines() if re.match(r"\d\. ", l)]
    assert lines == [
        "1. novembro/2026 – Contribuição – R$ 489,90 – vence 27/11/2026",
        "2. outubro/2026 – Contribuição – R$ 503,80 – vence 27/10/2026 (vencido) → negociação",
        "3. setembro/2026 – Contribuição – R$ 489,90 – *pago*",
    ]
    bill = wa.say(MARIA, "1")[0]
    assert "R$ 489,90" in bill and "27/11/2026" in bill
    assert is_valid_linha(LINHA.search(bill).group(1))
    pdf = client.get(urlparse(twilio.created[-1]["MediaUrl"]).path)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    auth = {c.request.headers["Authorization"] for c in operator.calls if c.request.url.startswith(API)}
    assert auth == {"Bearer op-token"}
    calls = _operator_calls(operator)
    assert f"{API}/titles/T9/bill" in calls and f"{API}/bills/BT9" in calls
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol)).one()
        assert protocol.beneficiary_ref == "900" and protocol.status == "concluido"


def test_paid_competence_from_the_operator_api_is_not_billed(wa, operator):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    reply = wa.say(MARIA, "setembro")[0]
    assert "já está *pago*" in reply and "registrado em 25/09/2026" in reply
    assert not any("/bill" in url for url in _operator_calls(operator))


@pytest.mark.parametrize("failure", [
    {"status": 503},
    {"body": requests.exceptions.ConnectTimeout("operator API did not answer")},
])
def test_operator_outage_while_choosing_keeps_the_choice_open(wa, rt, operator, failure):
    operator.get(f"{API}/titles/T9/bill", **failure)
    operator.get(f"{API}/titles/T9/bill", json=_bill_json("BT9", TITLE))
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    before = _conversation(rt)

    reply = wa.say(MARIA, "1")
    assert len(reply) == 1 and TRY_LATER in reply[0]
    after = _conversation(rt)
    assert (after.flow, after.state, after.data) == (before.flow, before.state, before.data)
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol)).one().status == "aberto"

    assert "Linha digitável" in wa.say(MARIA, "1")[0]  # the same answer works once it is back


@pytest.mark.parametrize("failure", [
    {"status": 500},
    {"body": requests.exceptions.ReadTimeout("operator API too slow")},
])
def test_operator_outage_when_listing_tells_the_person_to_try_later(wa, rt, twilio, failure):
    mock = twilio.mock
    mock.get(f"{API}/beneficiaries", json=[PERSON])
    mock.get(f"{API}/beneficiaries/900", json=PERSON)
    mock.get(f"{API}/beneficiaries/900/titles", **failure)
    wa.say(MARIA, "2a via")
    reply = wa.say(MARIA, "116")
    assert len(reply) == 1 and TRY_LATER in reply[0]
    c = _conversation(rt)
    assert c.flow is None and c.state is None  # back where the person started
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol)).one().status == "cancelado"
