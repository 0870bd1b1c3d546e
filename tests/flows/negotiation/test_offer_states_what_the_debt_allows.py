"""Issue 11: on a R$ 500,00 debt the opening said "até entrada + 9x" (the title code's
limit) and the plan suggested "em 6x", which the rules cannot give. Every number a text
suggests is one this debt allows, at the discount step reached; a debt too small for any
plan is not offered one."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import update

from storage.db import transaction
from storage.models import FinancialTitle

from ...conftest import MARIA

# Maria's overdue title: R$ 502,97 (20 days overdue, no discount in the 0–90 band). With
# entrada ≥ R$ 100,00, installments ≥ R$ 75,00 and the entrada above each installment,
# the longest plan is entrada + 5x, although code 001 allows entrada + 9x.


def _to_offer(wa) -> str:
    wa.say(MARIA, "quero negociar")
    return wa.say(MARIA, "116")[0]


def _suggested_installments(text: str) -> set[int]:
    return {int(n) for n in re.findall(r'"em (\d+)x"|entrada \+ (\d+)x', text) for n in n if n}


def test_the_opening_names_only_the_plans_this_debt_allows(wa):
    opening = _to_offer(wa)
    assert "R$ 502,97" in opening
    assert "até entrada + 5x" in opening and "9x" not in opening
    assert _suggested_installments(opening) and max(_suggested_installments(opening)) <= 5


def test_the_plan_suggests_no_number_of_installments_it_would_refuse(wa):
    _to_offer(wa)
    plan = wa.say(MARIA, "em 6x")[0]
    assert "cada parcela precisa ser de pelo menos R$ 77,50" in plan and "+ *5x de" in plan
    assert '"em 6x"' not in plan and max(_suggested_installments(plan)) <= 5
    asked = wa.say(MARIA, "em 12x")[0]
    assert "para este valor, o parcelamento vai até entrada + 5 parcelas" in asked
    assert "+ *5x de" in asked and "9 parcelas" not in asked


def test_every_example_the_texts_give_is_quoted_without_a_refusal(wa):
    opening = _to_offer(wa)
    n = re.search(r'"em (\d+)x"', opening).group(1)
    entrada = re.search(r'"entrada de (\d+)"', opening).group(1)
    for example in (f"em {n}x", f"entrada de {entrada}"):
        reply = wa.say(MARIA, example)[0]
        assert reply.startswith("Fica assim:"), (example, reply)
        assert "Não consigo" not in reply


def test_best_cash_price_offers_only_the_plans_this_debt_allows(wa):
    _to_offer(wa)
    best = wa.say(MARIA, "tá caro")[0]  # 20 days overdue: no discount at all
    assert "posso parcelar em até entrada + 5x" in best and '"em 5x"' in best and "9x" not in best


def test_a_debt_too_small_for_any_plan_is_offered_none(wa, rt):
    with transaction(rt.sessions) as s:
        s.execute(update(FinancialTitle).where(FinancialTitle.ref == "T1002").values(
            principal=Decimal("150.00"), interest=Decimal("0"), fine=Decimal("0")))
    opening = _to_offer(wa)
    assert "*R$ 152,50 à vista*" in opening
    assert "Para este valor não há parcelamento" in opening
    assert "entrada +" not in opening and '"em ' not in opening and '"entrada de' not in opening
    help_text = wa.say(MARIA, "hmm")[0]
    assert "parcelamento" not in help_text and "ou peça outra data" in help_text
