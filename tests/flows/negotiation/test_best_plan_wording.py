"""What the best plan claims about discounts in each band."""
from __future__ import annotations

from tests.conftest import JOSE

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 5: a discount is only claimed where the band has one -----------------------------------------
def test_best_plan_in_the_no_discount_band_claims_no_discount(wa):
    offer = _to_offer(wa, JOSE, "682")  # code 001: 60 and 700 days → the 60-day band, 0%
    assert "desconto" not in offer
    wa.say(JOSE, "em 5x")
    best = wa.say(JOSE, "tá caro")[0]
    assert "desconto máximo" not in best and "não há desconto" in best
    best_cash = wa.say(JOSE, "à vista")[0]
    assert "desconto" not in best_cash
    assert "não há desconto" in wa.say(JOSE, "ainda tá caro")[0]


def test_best_plan_in_a_discount_band_says_the_discount_is_the_maximum(wa):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # cash at its maximum for the 91–360 band
    wa.say(ROBERTO, "em 5x")
    assert "desconto máximo permitido (juros e multa)" in wa.say(ROBERTO, "ainda tá caro")[0]

