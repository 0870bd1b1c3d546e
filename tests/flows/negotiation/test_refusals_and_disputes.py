"""Refusals close without agreement; disputed or unlisted debts go to a supervisor."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement, Conversation, Protocol

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _protocol(rt, number):
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        return protocol.status, [e.note for e in protocol.events]


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 6: refusals, disputes and other debts ----------------------------------------------------------
@pytest.mark.parametrize("refusal", ["nao quero, obrigado", "nao quero", "não, obrigado", "não tenho interesse"])
def test_a_refusal_is_thanked_and_closes_the_protocol_without_agreement(wa, rt, refusal):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    number = _conversation(rt, ROBERTO).data["protocol"]
    reply = wa.say(ROBERTO, refusal)
    assert len(reply) == 1 and "Obrigado por responder" in reply[0]
    assert "negociar" in reply[0] and "67 3314-1010" in reply[0] and "Responda *sim*" not in reply[0]
    conversation = _conversation(rt, ROBERTO)
    assert conversation.flow is None and conversation.handoff is None
    status, notes = _protocol(rt, number)
    assert status == "concluido" and notes[-1].startswith("sem acordo: beneficiário recusou")
    assert _agreements(rt) == []


@pytest.mark.parametrize("dispute", ["nao reconheco esse debito", "não devo isso", "já paguei"])
def test_a_disputed_debt_goes_to_a_supervisor_and_is_not_pressed(wa, rt, dispute):
    _to_offer(wa)
    reply = wa.say(ROBERTO, dispute)[0]
    assert "supervisor" in reply and "não vou seguir com a cobrança" in reply.lower()
    assert "à vista" not in reply
    conversation = _conversation(rt, ROBERTO)
    assert conversation.handoff == "waiting" and "contesta o débito" in conversation.handoff_reason
    assert "títulos 002" in conversation.handoff_reason
    assert wa.say(ROBERTO, "sim") == []  # waiting for a person: the bot does not press on


def test_another_debt_not_listed_goes_to_the_supervisor(wa, rt):
    _to_offer(wa)
    reply = wa.say(ROBERTO, "tambem tenho uma conta do hospital que nao ta aqui")[0]
    assert "supervisor" in reply
    conversation = _conversation(rt, ROBERTO)
    assert conversation.handoff == "waiting" and "outras pendências" in conversation.handoff_reason

