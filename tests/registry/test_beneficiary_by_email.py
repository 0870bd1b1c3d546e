"""Finding a beneficiary by e-mail address: the embedded registry and the operator's API."""
from __future__ import annotations

import pytest
import responses

from bot.registry.http import HttpRegistry
from storage.db import transaction

API = "https://erp.operadora.example/api/v1"
PERSON = {"ref": "900", "name": "Maria Aparecida da Silva", "cpf": "11676496726",
          "birth_date": "1980-03-05", "phones": [], "email": "Maria.Silva@example.com.br",
          "address": {}, "plan": "Especial", "card_number": "0001", "holder_ref": None}


def test_the_embedded_registry_matches_the_address_whatever_its_case(rt):
    with transaction(rt.sessions) as s:
        registry = rt.registry.bind(s)
        assert registry.beneficiary_by_email("MARIA.SILVA@example.com.br").ref == "B001"
        assert registry.beneficiary_by_email("ninguem@example.com.br") is None


def test_the_operator_api_is_asked_with_the_lower_case_address():
    with responses.RequestsMock() as api:
        api.get(f"{API}/beneficiaries", json=[PERSON], match=[
            responses.matchers.query_param_matcher({"email": "maria.silva@example.com.br"})])
        person = HttpRegistry(API, "t").beneficiary_by_email("Maria.Silva@Example.com.br")
    assert person.ref == "900"


@pytest.mark.parametrize("found", [[], None])
def test_the_operator_api_finding_nobody_is_none(found):
    with responses.RequestsMock() as api:
        api.get(f"{API}/beneficiaries", json=found)
        assert HttpRegistry(API, "t").beneficiary_by_email("x@example.org") is None
