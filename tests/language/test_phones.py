"""Brazilian mobiles with and without the ninth digit reach the same beneficiary."""
from __future__ import annotations

import pytest
import responses
from sqlalchemy import select

from bot.language import phones
from bot.registry.http import HttpRegistry
from storage.db import transaction
from storage.loader import RegistryFileError, load
from storage.models import Beneficiary
from tests.conftest import MARIA

MARIA_WITHOUT_NINTH_DIGIT = "+556799990001"  # how WhatsApp delivers older accounts
API = "https://erp.operadora.example/api/v1"


@pytest.mark.parametrize("phone,expected", [
    ("+5567999990001", ("+5567999990001", "+556799990001")),
    ("+556799990001", ("+556799990001", "+5567999990001")),
    ("+551187654321", ("+551187654321", "+5511987654321")),
    ("+556733141010", ("+556733141010",)),  # landline: one spelling
    ("+5567933141010", ("+5567933141010",)),  # 9 + landline digits was never a mobile
    ("+14155552671", ("+14155552671",)),
])
def test_variants_of_a_brazilian_mobile(phone, expected):
    assert phones.variants(phone) == expected


@pytest.mark.parametrize("raw", ["(67) 99999-0001", "67999990001", "067 99999-0001",
                                 "+55 67 99999-0001", "+556799990001"])
def test_any_spelling_becomes_the_canonical_e164(raw):
    assert phones.canonical(phones.to_e164(raw)) == "+5567999990001"


def test_whatsapp_sender_without_the_ninth_digit_is_the_demo_beneficiary(wa):
    reply = wa.say(MARIA_WITHOUT_NINTH_DIGIT, "Bom dia")[0]
    assert reply.startswith("Olá, Maria!")
    asked = wa.say(MARIA_WITHOUT_NINTH_DIGIT, "2a via")[0]
    assert "Maria" in asked and "3 primeiros dígitos" in asked


def test_loader_normalizes_phones_as_people_write_them(rt):
    person = {"ref": "B900", "name": "Ana Teste", "cpf": "52998224725", "birth_date": "1990-01-02",
              "phones": ["(67) 99876-5432", "+55 67 9876-5432", "67 3314-1010"],
              "plan": "Plano", "card_number": "999"}
    with transaction(rt.sessions) as s:
        load(s, {"beneficiaries": [person]}, rt_today(), replace=False)
    with transaction(rt.sessions) as s:
        stored = s.scalars(select(Beneficiary).where(Beneficiary.ref == "B900")).one()
        assert stored.phones == ["+5567998765432", "+556733141010"]
        registry = rt.registry.bind(s)
        assert registry.beneficiary_by_phone("+556798765432").ref == "B900"
        assert registry.beneficiary_by_phone("+5567998765432").ref == "B900"


def test_loader_refuses_a_phone_that_is_not_one(rt):
    person = {"ref": "B901", "name": "Ana Teste", "cpf": "52998224725", "birth_date": "1990-01-02",
              "phones": ["ligar depois"], "plan": "Plano", "card_number": "998"}
    with transaction(rt.sessions) as s, pytest.raises(RegistryFileError, match="B901: invalid phone"):
        load(s, {"beneficiaries": [person]}, rt_today(), replace=False)


def test_http_adapter_asks_for_each_spelling():
    person = {"ref": "900", "name": "Maria", "cpf": "11676496726", "birth_date": "1980-03-05",
              "phones": ["+5567999990001"]}
    with responses.RequestsMock() as api:
        api.get(f"{API}/beneficiaries", json=[],
                match=[responses.matchers.query_param_matcher({"phone": MARIA_WITHOUT_NINTH_DIGIT})])
        api.get(f"{API}/beneficiaries", json=[person],
                match=[responses.matchers.query_param_matcher({"phone": MARIA})])
        assert HttpRegistry(API, "t").beneficiary_by_phone(MARIA_WITHOUT_NINTH_DIGIT).ref == "900"


def test_chat_command_reads_a_national_phone_number(app):
    result = app.test_cli_runner().invoke(args=["chat", "--phone", "67999990001", "--inline"],
                                          input="oi\n")
    assert result.exit_code == 0, result.output
    assert "Conversando como +5567999990001" in result.output
    assert "Olá, Maria!" in result.output


def test_chat_command_refuses_a_bad_phone(app):
    result = app.test_cli_runner().invoke(args=["chat", "--phone", "ligar depois"])
    assert result.exit_code != 0 and "Invalid value for '--phone'" in result.output


def rt_today():
    from bot.platform import clock
    return clock.today()
