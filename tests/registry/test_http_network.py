"""The operator API's side of cancellations and the dental network."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
import responses

from bot.registry.base import RegistryUnavailable
from bot.registry.http import HttpRegistry

API = "https://erp.operadora.example/api/v1"
CLINIC = {"ref": "D9", "name": "Clínica", "kind": "J", "cro": "8296", "uf": "MS",
          "city": "Campo Grande", "phones": ["+5567998643509"], "emails": ["Contato@Clinica.com"],
          "areas": ["ortodontia"], "cnpj": "12ABC34501DE35", "included_on": "2024-09-26"}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def test_cancellation_is_posted_with_its_idempotency_key(api):
    api.post(f"{API}/beneficiaries/900/cancellation", status=201, json={},
             match=[responses.matchers.header_matcher({"Idempotency-Key": "cancelamento:900:SM1"})])
    HttpRegistry(API, "t").register_cancellation("900", "P1", datetime(2026, 11, 24, 13), ["901"],
                                                 "cancelamento:900:SM1")
    body = json.loads(api.calls[0].request.body)
    assert body == {"protocol": "P1", "requested_at": "2026-11-24T13:00:00", "dependent_refs": ["901"]}


def test_cancellation_while_the_api_is_down_is_unavailable(api):
    api.post(f"{API}/beneficiaries/900/cancellation", status=503)
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(API, "t").register_cancellation("900", "P1", datetime(2026, 11, 24), [], "k")


def test_dental_providers_and_loss_ratio(api):
    api.get(f"{API}/dental-providers", json=[CLINIC],
            match=[responses.matchers.query_param_matcher({"email": "contato@clinica.com"})])
    api.get(f"{API}/beneficiaries/900/indicators", json={"loss_ratio_pct": 72.5})
    api.get(f"{API}/beneficiaries/901/indicators", status=404)
    registry = HttpRegistry(API, "t")
    clinic = registry.dental_provider_by_contact("contato@clinica.com")
    assert clinic.ref == "D9" and clinic.emails == ("contato@clinica.com",) and clinic.cnpj == "12ABC34501DE35"
    assert registry.loss_ratio("900") == Decimal("72.5") and registry.loss_ratio("901") is None
