"""The operator API adapter for requests, guides, bill items and disputes: the documented
paths, the Idempotency-Key on writes, outages as RegistryUnavailable."""
from __future__ import annotations

from datetime import date

import pytest
import responses

from bot.registry.base import ProcedureRequestInfo, RegistryUnavailable
from bot.registry.http import HttpRegistry

API = "https://erp.operadora.example.com.br/api"


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def test_procedure_request_posts_with_the_protocol_as_idempotency_key(api):
    api.post(f"{API}/procedure-requests", json={
        "guide_number": "G77", "status": "negada", "reason": "Fora do rol", "clause": "Cl. 9",
        "category": "high_complexity"},
        match=[responses.matchers.header_matcher({"Idempotency-Key": "P1"}),
               responses.matchers.json_params_matcher({
                   "beneficiary_ref": "B2", "requested_by_ref": "B1", "procedure_code": "41101170",
                   "procedure_text": "Ressonância", "doctor": {"name": "Dra. X", "council": "CRM",
                                                                "number": "1", "uf": "MS"},
                   "files": [{"url": "u", "content_type": "image/jpeg"}], "protocol": "P1"})])
    answer = HttpRegistry(API, "t").request_procedure(ProcedureRequestInfo(
        "B2", "B1", "41101170", "Ressonância", {"name": "Dra. X", "council": "CRM", "number": "1",
                                               "uf": "MS"},
        ({"url": "u", "content_type": "image/jpeg"},), "P1"), idempotency_key="P1")
    assert (answer.guide_number, answer.status, answer.clause) == ("G77", "negada", "Cl. 9")
    assert not answer.in_audit


def test_guide_items_and_dispute_paths(api):
    api.get(f"{API}/guides/G1", json={"number": "G1", "beneficiary_ref": "B1", "status": "autorizada",
                                      "requested_at": "2026-11-20", "valid_until": "2026-12-20",
                                      "procedure_code": "40304361", "procedure_name": "Hemograma"})
    api.get(f"{API}/guides/G2", status=404)
    api.get(f"{API}/titles/T1/items", json=[{"ref": "I1", "description": "Consulta", "amount": "45.00",
                                             "service_date": "2026-11-01"}])
    api.post(f"{API}/disputes", status=503)
    registry = HttpRegistry(API, "t")
    assert registry.guide("G1").valid_until == date(2026, 12, 20)
    assert registry.guide("G2") is None
    assert registry.bill_items("T1")[0].service_date == date(2026, 11, 1)
    with pytest.raises(RegistryUnavailable):
        registry.register_dispute("B1", "T1", date(2026, 11, 1), ["I1"], "", "P9", idempotency_key="P9")
