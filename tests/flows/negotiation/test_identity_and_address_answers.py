"""Identity by name, 'não sei', and the address/phone confirmations in the negotiation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement, Conversation
from tests.conftest import JOSE

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 11: identity alternatives --------------------------------------------------------------------------
def test_first_and_last_name_confirm_identity(wa, rt):
    wa.say(JOSE, "negociar")
    assert "Encontrei estes títulos" in wa.say(JOSE, "jose pereira")[0]


@pytest.mark.parametrize("dont_know", ["nao sei", "não lembro"])
def test_not_knowing_the_digits_spends_no_attempt(wa, rt, dont_know):
    wa.say(JOSE, "negociar")
    reply = wa.say(JOSE, dont_know)[0]
    assert "2 últimos dígitos" in reply and "atendente" in reply and "tentativa" not in reply
    assert _conversation(rt, JOSE).identity_failures == 0
    assert "ainda tem 2 tentativas" in wa.say(JOSE, "Souza")[0]  # a wrong answer still counts
    assert "Encontrei estes títulos" in wa.say(JOSE, "682")[0]


# -- 12: delivery and address answers ---------------------------------------------------------------------
@pytest.mark.parametrize("here", ["pode mandar aqui mesmo", "aqui", "nesse numero", "67 9999-0004"])
def test_this_conversation_in_other_words_or_the_other_phone_spelling(wa, rt, here):
    _to_offer(wa)
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim")
    summary = wa.say(ROBERTO, here)[0]
    assert "Acordo fechado!" in summary and "Boletos por WhatsApp no número (67) 99999-0004" in summary
    assert "Número anotado" not in summary
    assert _agreements(rt)[0].delivery == "whatsapp"


@pytest.mark.parametrize("moved", ["mudei sim", "moro em outro lugar agora"])
def test_a_move_asks_for_the_new_address(wa, moved):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "Qual é o endereço atualizado?" in wa.say(ROBERTO, moved)[0]


def test_not_moved_confirms_the_address(wa):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "Como prefere receber" in wa.say(ROBERTO, "não mudei")[0]

