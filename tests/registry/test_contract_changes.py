"""Contract changes approved by the registration team (maioridade, troca de titularidade):
the embedded registry's tables change once per idempotency key; the operator's API is
sent the documented write with the Idempotency-Key."""
from __future__ import annotations

import json
from datetime import date

import pytest
import responses
from sqlalchemy import func, select

from bot.registry.base import NewHolder, RegistryUnavailable
from bot.registry.http import HttpRegistry
from storage.db import transaction
from storage.models import Beneficiary, RegContractChange

API = "https://erp.operadora.example/api/v1"
MARIA_PHONE = "+5567999990001"
NEW_CPF = "52998224725"
JOAO_CPF = "94302402776"  # B002, a dependent of Maria's contract
JOSE_CPF = "68225807359"  # B010, holder of another contract


def _row(s, ref: str) -> Beneficiary:
    return s.scalars(select(Beneficiary).where(Beneficiary.ref == ref)).one()


def _count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


# -- embedded: maioridade ---------------------------------------------------------------
def test_a_dependent_kept_as_a_student_has_the_date_on_record_once(rt):
    with transaction(rt.sessions) as s:
        registry = rt.registry.bind(s)
        registry.continue_as_student("B002", date(2027, 5, 24), "P1", idempotency_key="P1:review")
        # the same request again (a retried review, a double click), even with another date
        registry.continue_as_student("B002", date(2027, 6, 30), "P1", idempotency_key="P1:review")
        assert registry.beneficiary("B002").student_until == date(2027, 5, 24)
        change = s.scalars(select(RegContractChange)).one()
        assert (change.kind, change.beneficiary_ref, change.protocol) == ("maioridade", "B002", "P1")
        assert change.details == {"student_until": "2027-05-24"}
        # a new case (another protocol) renews it
        registry.continue_as_student("B002", date(2027, 11, 24), "P2", idempotency_key="P2:review")
        assert _row(s, "B002").student_until == date(2027, 11, 24)


def test_a_holder_is_not_kept_as_a_student(rt):
    with transaction(rt.sessions) as s:
        with pytest.raises(ValueError):
            rt.registry.bind(s).continue_as_student("B001", date(2027, 5, 24), "P1",
                                                    idempotency_key="P1:review")


# -- embedded: troca de titularidade -----------------------------------------------------
def test_after_the_holders_death_the_contract_passes_to_a_new_holder_once(rt):
    with transaction(rt.sessions) as s:
        registry = rt.registry.bind(s)
        before = _count(s, Beneficiary)
        ref = registry.transfer_holder("B001", NewHolder("Carlos Eduardo da Silva", NEW_CPF),
                                       True, date(2026, 11, 24), "P9", idempotency_key="P9:review")
        new = _row(s, ref)
        assert (new.name, new.cpf, new.holder_ref, new.status) == (
            "Carlos Eduardo da Silva", NEW_CPF, None, "active")
        assert new.plan == _row(s, "B001").plan and new.birth_date is None
        assert new.card_number != _row(s, "B001").card_number
        assert [d.ref for d in registry.dependents(ref)] == ["B002", "B003"]
        old = _row(s, "B001")
        assert (old.status, old.status_since) == ("deceased", date(2026, 11, 24))
        assert registry.dependents("B001") == []
        # the deceased holder is no longer found by phone, e-mail or CPF; by ref, for the record
        assert registry.beneficiary_by_phone(MARIA_PHONE) is None
        assert registry.beneficiary_by_cpf(old.cpf) is None
        assert registry.beneficiary("B001").status == "deceased"
        assert registry.beneficiary_by_cpf(NEW_CPF).ref == ref
        # applied again with the same key: the same answer, nothing new
        again = registry.transfer_holder("B001", NewHolder("Carlos Eduardo da Silva", NEW_CPF),
                                         True, date(2026, 11, 25), "P9", idempotency_key="P9:review")
        assert again == ref and _count(s, Beneficiary) == before + 1
        change = s.scalars(select(RegContractChange)).one()
        assert change.details == {"new_holder_ref": ref, "promoted_dependent": False,
                                  "dependents": ["B002", "B003"], "former_holder_status": "deceased"}


def test_a_dependent_named_new_holder_is_promoted_and_the_living_holder_leaves(rt):
    with transaction(rt.sessions) as s:
        registry = rt.registry.bind(s)
        before = _count(s, Beneficiary)
        ref = registry.transfer_holder("B001", NewHolder("João Pedro da Silva", JOAO_CPF),
                                       False, date(2026, 11, 24), "P9", idempotency_key="P9:review")
        assert ref == "B002" and _count(s, Beneficiary) == before
        assert registry.beneficiary("B002").is_holder
        assert [d.ref for d in registry.dependents("B002")] == ["B003"]
        assert _row(s, "B001").status == "transferred"


def test_a_new_holder_from_another_contract_is_refused_and_nothing_changes(rt):
    with transaction(rt.sessions) as s:
        with pytest.raises(ValueError):
            rt.registry.bind(s).transfer_holder(
                "B001", NewHolder("José Carlos Pereira", JOSE_CPF), False, date(2026, 11, 24),
                "P9", idempotency_key="P9:review")
        assert _row(s, "B001").status == "active" and _count(s, RegContractChange) == 0


# -- HTTP --------------------------------------------------------------------------------
def test_the_operator_api_is_sent_the_student_continuity_with_the_key():
    with responses.RequestsMock() as api:
        api.post(f"{API}/beneficiaries/900/student-continuity", status=204,
                 match=[responses.matchers.header_matcher({"Idempotency-Key": "P1:review",
                                                           "Authorization": "Bearer s3cret"})])
        HttpRegistry(API, "s3cret").continue_as_student("900", date(2027, 5, 24), "P1",
                                                        idempotency_key="P1:review")
        assert json.loads(api.calls[0].request.body) == {"protocol": "P1",
                                                         "valid_until": "2027-05-24"}


def test_the_operator_api_is_sent_the_holder_transfer_and_answers_the_new_ref():
    with responses.RequestsMock() as api:
        api.post(f"{API}/beneficiaries/900/holder-transfer", json={"new_holder_ref": "901"},
                 match=[responses.matchers.header_matcher({"Idempotency-Key": "P9:review"})])
        ref = HttpRegistry(API, "t").transfer_holder(
            "900", NewHolder("Carlos Eduardo da Silva", NEW_CPF), True, date(2026, 11, 24),
            "P9", idempotency_key="P9:review")
        assert ref == "901"
        assert json.loads(api.calls[0].request.body) == {
            "protocol": "P9", "effective_on": "2026-11-24", "holder_deceased": True,
            "new_holder": {"name": "Carlos Eduardo da Silva", "cpf": NEW_CPF}}


@pytest.mark.parametrize(("status", "error"), [(422, ValueError), (503, RegistryUnavailable)])
def test_a_refusal_is_a_value_error_and_an_outage_is_unavailable(status, error):
    with responses.RequestsMock() as api:
        api.post(f"{API}/beneficiaries/900/holder-transfer", status=status,
                 json={"error": "cpf_in_another_contract"})
        with pytest.raises(error):
            HttpRegistry(API, "t").transfer_holder(
                "900", NewHolder("José Carlos Pereira", JOSE_CPF), False, date(2026, 11, 24),
                "P9", idempotency_key="P9:review")
