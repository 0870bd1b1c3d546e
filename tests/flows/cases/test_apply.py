"""An approved case written through the operator's API: the write each kind of case
makes, keyed `<protocol>:review`; the student's date from config/documents/maioridade.yaml;
a refusal leaves the review to the reviewer."""
from __future__ import annotations

import json
from datetime import date, datetime
from types import SimpleNamespace

import pytest
import responses

from bot.flows.cases import apply
from bot.flows.cases.checklist import StudentRule, load_student_rule
from bot.platform import clock
from bot.registry.http import HttpRegistry
from storage.models import DocumentCase

API = "https://erp.operadora.example/api/v1"
RULE = StudentRule(months=6, max_age=24)
DEPENDENT = {"ref": "901", "name": "João Pedro da Silva", "cpf": "94302402776",
             "birth_date": "2008-02-10", "phones": [], "email": None, "address": {},
             "plan": "Especial", "card_number": "0002", "holder_ref": "900"}


@pytest.fixture
def operator():
    clock.freeze(datetime(2026, 11, 24, 13, 0))
    with responses.RequestsMock() as api:
        yield api, SimpleNamespace(registry=HttpRegistry(API, "t"),
                                   resource=lambda name, load: load())
    clock.freeze(None)


def _key(protocol: str) -> list:
    return [responses.matchers.header_matcher({"Idempotency-Key": f"{protocol}:review"})]


def test_the_configured_student_rule_is_read_and_checked(tmp_path):
    assert load_student_rule() == RULE
    bad = tmp_path / "maioridade.yaml"
    bad.write_text("kind: maioridade\nstudent_status: {months: 0, max_age: 24}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_student_rule(bad)


@pytest.mark.parametrize(("birth", "until"), [
    (None, date(2027, 5, 24)),                        # six months after the approval
    (date(2008, 2, 10), date(2027, 5, 24)),           # 18 now: far from the limit
    (date(2003, 1, 15), date(2027, 1, 14)),           # 24 in January: the day before
])
def test_a_student_stays_six_months_never_past_the_age_limit(birth, until):
    assert apply.student_until(RULE, birth, date(2026, 11, 24)) == until


def test_a_dependent_already_past_the_age_limit_is_not_applied():
    with pytest.raises(apply.ApplyRefused) as refused:
        apply.student_until(RULE, date(2002, 6, 1), date(2026, 11, 24))
    assert refused.value.code == "dependent_past_age_limit"


def test_the_month_end_is_kept_inside_the_shorter_month():
    assert apply.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_an_approved_maioridade_posts_the_students_date(operator):
    api, rt = operator
    api.get(f"{API}/beneficiaries/901", json=DEPENDENT)
    api.post(f"{API}/beneficiaries/901/student-continuity", status=204, match=_key("P1"))
    case = DocumentCase(protocol="P1", kind="maioridade", beneficiary_ref="901",
                        changes=[{"type": "maioridade", "value": {"dependent": DEPENDENT["name"]}}],
                        items=[{"code": "rg"}, {"code": "matricula"}])
    told, note = apply.apply_case(None, rt, case)
    assert json.loads(api.calls[1].request.body) == {"protocol": "P1", "valid_until": "2027-05-24"}
    assert told == {"dependent": "João", "until": date(2027, 5, 24)}
    assert "até 24/05/2027" in note


@pytest.mark.parametrize(("items", "deceased"), [
    (["rg_novo_titular", "certidao_obito", "formulario"], True),
    (["rg_novo_titular", "formulario"], False),
])
def test_an_approved_troca_posts_the_new_holder_and_whether_the_holder_died(operator, items, deceased):
    api, rt = operator
    api.post(f"{API}/beneficiaries/900/holder-transfer", json={"new_holder_ref": "950"},
             match=_key("P9"))
    form = {"new_holder": "Carlos  Eduardo da Silva", "new_holder_cpf": "529.982.247-25",
            "holder_deceased": deceased}
    case = DocumentCase(protocol="P9", kind="troca_titularidade", beneficiary_ref="900",
                        changes=[{"type": "troca_titularidade", "value": form}],
                        items=[{"code": c} for c in items])
    told, note = apply.apply_case(None, rt, case)
    assert json.loads(api.calls[0].request.body) == {
        "protocol": "P9", "effective_on": "2026-11-24", "holder_deceased": deceased,
        "new_holder": {"name": "Carlos Eduardo da Silva", "cpf": "52998224725"}}
    assert told["new_holder"] == "Carlos Eduardo da Silva" and "(950)" in note


def test_an_approved_address_is_a_patch(operator):
    api, rt = operator
    address = {"street": "Rua das Flores", "number": "123", "zip": "79002-000"}
    api.patch(f"{API}/beneficiaries/900", status=204, match=_key("P3"))
    case = DocumentCase(protocol="P3", kind="registration", beneficiary_ref="900",
                        changes=[{"type": "address", "value": address}], items=[])
    told, _ = apply.apply_case(None, rt, case)
    assert json.loads(api.calls[0].request.body) == {"address": address}
    assert told == {"changed": ["endereço"]}


def test_a_write_the_operator_refuses_is_reported_to_the_reviewer(operator):
    api, rt = operator
    api.post(f"{API}/beneficiaries/900/holder-transfer", status=422)
    case = DocumentCase(protocol="P9", kind="troca_titularidade", beneficiary_ref="900",
                        changes=[{"type": "troca_titularidade", "value": {
                            "new_holder": "José Carlos Pereira", "new_holder_cpf": "682.258.073-59"}}],
                        items=[])
    with pytest.raises(apply.ApplyRefused) as refused:
        apply.apply_case(None, rt, case)
    assert refused.value.code == "registry_refused"
