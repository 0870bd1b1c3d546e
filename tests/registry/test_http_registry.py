"""The operator-API adapter of the registry, against a mocked operator API."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import responses

from bot.registry.base import RegistryUnavailable, SlotQuery, SlotTaken
from bot.registry.http import HttpRegistry

API = "https://erp.operadora.example/api/v1"

PERSON = {"ref": "900", "name": "Maria Aparecida da Silva", "cpf": "11676496726",
          "birth_date": "1980-03-05", "phones": ["+5567999990001"], "email": "m@example.com",
          "address": {"city": "Campo Grande", "state": "MS"}, "plan": "Especial",
          "card_number": "0001", "holder_ref": None}
TITLE = {"ref": "T9", "beneficiary_ref": "900", "code": "001", "description": "Contribuição",
         "competence": "2026-11-01", "due_date": "2026-11-27", "principal": "489.90",
         "interest": "0.00", "fine": "0.00", "status": "open", "our_number": "1"}
SLOT = {"ref": "S1", "starts_at": "2026-11-30T08:00:00", "duration_minutes": 20,
        "provider": {"ref": "P1", "name": "Clínica", "professional": "Dr. X", "specialty": "cardiologia",
                     "address": "Rua A, 1", "city": "Campo Grande", "state": "MS"}}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def test_reads_beneficiaries_and_titles_with_the_token(api):
    api.get(f"{API}/beneficiaries", json=[PERSON],
            match=[responses.matchers.query_param_matcher({"phone": "+5567999990001"}),
                   responses.matchers.header_matcher({"Authorization": "Bearer s3cret"})])
    api.get(f"{API}/beneficiaries/900/titles", json=[TITLE],
            match=[responses.matchers.query_param_matcher({"status": "open"})])
    registry = HttpRegistry(API, "s3cret")
    person = registry.beneficiary_by_phone("+5567999990001")
    assert person.ref == "900" and person.birth_date == date(1980, 3, 5) and person.is_holder
    [title] = registry.titles("900")
    assert title.amount == Decimal("489.90") and title.competence == date(2026, 11, 1)


def test_unknown_beneficiary_is_none(api):
    api.get(f"{API}/beneficiaries/404", status=404)
    api.get(f"{API}/beneficiaries", json=[])
    registry = HttpRegistry(API, "t")
    assert registry.beneficiary("404") is None
    assert registry.beneficiary_by_cpf("11676496726") is None


def test_outage_is_reported_as_unavailable(api):
    api.get(f"{API}/beneficiaries/900/titles", status=503)
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(API, "t").titles("900")


def test_booking_sends_an_idempotency_key_and_maps_conflicts(api):
    api.post(f"{API}/slots/S1/booking", json=SLOT,
             match=[responses.matchers.header_matcher({"Idempotency-Key": "conv-1-msg-7"}),
                    responses.matchers.json_params_matcher({"beneficiary_ref": "900"})])
    api.post(f"{API}/slots/S2/booking", status=409)
    registry = HttpRegistry(API, "t")
    slot = registry.book_slot("S1", "900", "conv-1-msg-7")
    assert slot.provider.professional == "Dr. X" and slot.starts_at.hour == 8
    with pytest.raises(SlotTaken):
        registry.book_slot("S2", "900", "conv-1-msg-8")


def test_slot_search_and_bill_issue(api):
    api.get(f"{API}/slots", json=[SLOT], match=[responses.matchers.query_param_matcher(
        {"specialty": "cardiologia", "city": "Campo Grande", "from": "2026-11-30", "limit": "50"})])
    api.post(f"{API}/bills", json={
        "ref": "B1", "beneficiary_ref": "900", "description": "Acordo", "amount": "102.50",
        "due_date": "2026-11-30", "barcode": "0" * 44, "linha_digitavel": "0" * 47})
    registry = HttpRegistry(API, "t")
    [slot] = registry.search_slots(SlotQuery(specialty="cardiologia", city="Campo Grande",
                                             start=date(2026, 11, 30)))
    assert slot.ref == "S1"
    bill = registry.issue_bill("900", Decimal("102.50"), date(2026, 11, 30), "Acordo", "agr-1-0")
    assert bill.amount == Decimal("102.50")
    assert json.loads(api.calls[-1].request.body)["amount"] == "102.50"
    assert api.calls[-1].request.headers["Idempotency-Key"] == "agr-1-0"


def test_configuration_picks_the_adapter(settings):
    from dataclasses import replace

    from bot.registry import build_registry
    from bot.registry.embedded import EmbeddedRegistry

    assert isinstance(build_registry(settings, None), EmbeddedRegistry)
    assert isinstance(build_registry(replace(settings, operator_api_url=API), None), HttpRegistry)


# -- titles and bills ------------------------------------------------------------------
def _bill_json(ref: str, title: dict) -> dict:
    from bot.services import boleto
    amount = Decimal(title["principal"])
    due = date.fromisoformat(title["due_date"])
    barcode = boleto.build_barcode("001", amount, due, boleto.free_field("123456", title["our_number"]))
    return {"ref": ref, "beneficiary_ref": title["beneficiary_ref"], "description": title["description"],
            "amount": str(amount), "due_date": title["due_date"], "barcode": barcode,
            "linha_digitavel": boleto.linha_digitavel(barcode), "competence": title["competence"],
            "title_code": title["code"]}


PAID = {**TITLE, "ref": "T7", "competence": "2026-09-01", "due_date": "2026-09-27",
        "status": "paid", "paid_at": "2026-09-25", "our_number": "7"}
OVERDUE = {**TITLE, "ref": "T8", "competence": "2026-10-01", "due_date": "2026-10-27",
           "interest": "4.10", "fine": "9.80", "our_number": "8"}


def test_title_and_bill_endpoints(api):
    api.get(f"{API}/titles/T7", json=PAID)
    api.get(f"{API}/titles/T404", status=404)
    api.get(f"{API}/titles/T9/bill", json=_bill_json("BT9", TITLE))
    api.get(f"{API}/bills/BT9", json=_bill_json("BT9", TITLE))
    api.get(f"{API}/bills/B404", status=404)
    registry = HttpRegistry(API, "t")
    paid = registry.title("T7")
    assert paid.status == "paid" and paid.paid_at == date(2026, 9, 25)
    assert registry.title("T404") is None
    bill = registry.bill_for_title("T9")
    assert bill.ref == "BT9" and bill.amount == Decimal("489.90") and bill.title_code == "001"
    assert bill.competence == date(2026, 11, 1) and len(bill.linha_digitavel) == 47
    assert registry.bill("BT9") == bill
    assert registry.bill("B404") is None


def test_recent_paid_titles_are_asked_for_by_status_and_competence(api):
    api.get(f"{API}/beneficiaries/900/titles", json=[PAID], match=[
        responses.matchers.query_param_matcher({"status": "paid", "competence_from": "2026-09-01"})])
    [paid] = HttpRegistry(API, "t").titles("900", ("paid",), competence_from=date(2026, 9, 1))
    assert paid.ref == "T7" and paid.paid_at == date(2026, 9, 25)


def test_timeouts_and_rate_limits_are_unavailable(api):
    import requests

    api.get(f"{API}/titles/T9", body=requests.exceptions.ReadTimeout("slow"))
    api.get(f"{API}/titles/T9/bill", status=429)
    registry = HttpRegistry(API, "t")
    with pytest.raises(RegistryUnavailable):
        registry.title("T9")
    with pytest.raises(RegistryUnavailable):
        registry.bill_for_title("T9")
