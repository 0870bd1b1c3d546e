"""'Só consigo 80 por mês', 'parcela de 300': the installment the person can pay. The bot
quotes the fewest installments whose boleto fits it, or, when even the longest plan's
installment is above it, says the smallest possible installment and quotes that plan."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.flows.negotiation.rules import parse_installment_request

ROBERTO = "+5567999990004"  # code 002 (entrada + 9x), R$ 1.408,25 in full


@pytest.mark.parametrize("text,value", [
    ("só consigo 80 por mês", D("80.00")),
    ("consigo pagar parcelas de 300", D("300.00")),
    ("uma parcela de R$ 250,00", D("250.00")),
    ("posso pagar 200 reais mensais", D("200.00")),
    ("em 5x", None),
    ("só consigo dar 150 de entrada", None),
])
def test_installment_value_is_read(text, value):
    assert parse_installment_request(text).installment_value == value


def test_a_value_that_fits_gets_the_fewest_installments_within_it(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    plan = wa.say(ROBERTO, "consigo pagar parcelas de 300")[0]
    assert plan.startswith("Fica assim") and "4x de R$ 28" in plan  # 4 × ~R$ 284; 3x would be ~R$ 354


def test_a_value_below_the_longest_plan_is_explained(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "só consigo 80 por mês")[0]
    assert "a menor parcela possível é de R$ 143,32" in reply and "9x de R$ 143,32" in reply
