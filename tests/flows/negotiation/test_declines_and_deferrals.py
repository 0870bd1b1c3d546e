"""'Não' and 'depois' told apart: a deferral gets the next discount once, a no is not pressed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.flows.negotiation.language import defers, refuses
from bot.language.text import normalize
from storage.db import transaction
from storage.models import Agreement, Conversation, Protocol

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _protocol(rt, number):
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        return protocol.status, [e.note for e in protocol.events]


DECLINED = ("Tudo bem, Roberto. Obrigado por responder. A negociação continua disponível: quando quiser, "
            "é só escrever *negociar* aqui, ou falar com o Plano de Saúde Demo pelo telefone 67 3314-1010.")


# -- 4: declines and deferrals ------------------------------------------------------------------
@pytest.mark.parametrize("text,refused,deferred", [
    ("não quero", True, False), ("não quero negociar", True, False), ("não, obrigado", True, False),
    ("sem interesse", True, False), ("não vou pagar", True, False),
    ("agora não", True, True), ("vou pensar", True, True), ("depois eu vejo", True, True),
    ("não tenho dinheiro agora", True, True), ("vou ver e te aviso", True, True),
    ("deixa pra depois", True, True), ("tô sem dinheiro", True, True), ("não posso agora", True, True),
    ("não vou conseguir pagar agora", True, True), ("preciso conversar com minha esposa", True, True),
    ("nao tenho como pagar agora", True, True),
    ("não quero parcelar", False, False), ("não", False, False), ("não sei", False, False),
    ("não consigo pagar esse valor", False, False), ("sim", False, False), ("vou pagar sim", False, False),
])
def test_declines_and_deferrals_are_told_apart(text, refused, deferred):
    assert refuses(normalize(text)) is refused and defers(normalize(text)) is deferred


@pytest.mark.parametrize("first", ["vou pensar", "depois eu vejo", "não tenho dinheiro agora", "agora não"])
def test_a_deferral_gets_the_next_discount_once_then_a_polite_close(wa, rt, first):
    _to_offer(wa)
    number = _conversation(rt).data["protocol"]
    [reply] = wa.say(ROBERTO, first)
    assert reply.startswith("Entendo, Roberto. Antes de deixar para depois, veja se esta condição ajuda")
    assert "*R$ 1.312,50 à vista*, já com desconto de R$ 98,25" in reply  # the next step, gradually
    assert _protocol(rt, number)[0] == "aberto" and _conversation(rt).state == "offer"
    assert wa.say(ROBERTO, "vou pensar") == [DECLINED]
    status, notes = _protocol(rt, number)
    assert status == "concluido" and notes[-1] == "sem acordo: beneficiário preferiu deixar para depois ('vou pensar')"
    assert _conversation(rt).flow is None and _agreements(rt) == []
    # the person comes back later: a new negotiation, from the first offer again
    again = wa.say(ROBERTO, "negociar")  # identity still confirmed in this session
    again = "\n".join(wa.say(ROBERTO, "530") if "3 primeiros" in again[-1] else again)
    assert "*R$ 1.410,75 à vista*" in again and _conversation(rt).data["protocol"] != number


def test_a_deferral_at_the_best_discount_closes_at_once(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # the 91–360 band's maximum
    number = _conversation(rt).data["protocol"]
    assert wa.say(ROBERTO, "depois eu vejo") == [DECLINED]
    assert _protocol(rt, number)[0] == "concluido"


def test_a_flat_no_is_not_pressed(wa, rt):
    _to_offer(wa)
    number = _conversation(rt).data["protocol"]
    assert wa.say(ROBERTO, "não quero, obrigado") == [DECLINED]
    status, notes = _protocol(rt, number)
    assert status == "concluido" and notes[-1].startswith("sem acordo: beneficiário recusou a proposta")

