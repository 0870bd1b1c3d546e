"""Negotiation: yes answers, 'too expensive' and free-text misreadings at the offer."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement, Conversation

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 2 and 9: yes/no and the address -----------------------------------------------------
@pytest.mark.parametrize("yes", ["Sim.", "sim, pode ser", "Fechado!"])
def test_short_yes_answers_accept_the_offer(wa, yes):
    _to_offer(wa)
    assert "confirme seu endereço" in wa.say(ROBERTO, yes)[0]


# -- 3: the offer a "sim" accepts ------------------------------------------------------------
def test_expensive_after_a_plan_improves_the_plan_then_names_the_best_cash_price(wa, rt):
    _to_offer(wa)
    plan = wa.say(ROBERTO, "em 5x")[0]
    assert "5x de" in plan and "Total: R$ 1.423,25\n" in plan  # step 0: no discount yet
    better = wa.say(ROBERTO, "tá caro")[0]  # one ladder: the plan gets the next step
    assert "Consegui melhorar o parcelamento" in better and "5x de" in better
    assert "Total: R$ 1.325,00 (desconto de R$ 98,25 em juros e multa)" in better
    best = wa.say(ROBERTO, "tá caro")[0]
    assert "desconto máximo" in best and "R$ 1.312,50" in best
    assert "R$ 1.312,50 à vista" in wa.say(ROBERTO, "à vista")[0]
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.kind == "cash" and agreement.total == Decimal("1312.50")


def test_expensive_plan_at_the_best_cash_names_the_true_best_price_and_sim_keeps_the_plan(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # cash at its maximum discount for this band
    wa.say(ROBERTO, "em 5x")
    best = wa.say(ROBERTO, "ainda tá caro")[0]
    assert "desconto máximo" in best and "R$ 1.312,50" in best and "R$ 1.410,75" not in best
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.kind == "installments" and agreement.installments == 5


# -- 10: free text ---------------------------------------------------------------------------------
def test_free_text_misreadings_through_the_webhook(wa, rt):
    _to_offer(wa)
    better = wa.say(ROBERTO, "não quero parcelar, quero desconto")[0]
    assert "Consegui melhorar" in better and "Entrada de" not in better
    assert "Entrada de" in wa.say(ROBERTO, "dá pra dividir em 6?")[0]
    assert "6x de" in wa.say(ROBERTO, "dividir em 6")[0]
    plan = wa.say(ROBERTO, "entrada de 500 e o resto em 3")[0]
    # the entrada boleto stays within the 500 said (R$ 2,50 included; centavos of rounding)
    assert plan.startswith("Fica assim") and "Entrada de *R$ 499,98*" in plan and "3x de" in plan
    assert "Responda *sim*" in wa.say(ROBERTO, "muito obrigado")[0]  # help, not a discount
    help_ = wa.say(ROBERTO, "tenho mais uma dúvida")[0]
    assert "supervisor" not in help_
    assert _conversation(rt, ROBERTO).handoff is None
    assert "Não consigo confirmar a liberação" in wa.say(ROBERTO, "dá pra desbloquear o plano?")[0]
    assert "SPC" not in wa.say(ROBERTO, "negativo")[0]

