"""'Só consigo dar 150 de entrada': the entrada boleto, with the R$ 2,50 that is never
named, must not exceed the amount the person said, while every other rule holds — or the
refusal must be true (no plan at all can keep within it)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.flows.negotiation.rules import (
    RULES_DIR,
    Plan,
    Refusal,
    Title,
    installment_plan,
    load_rules,
)

RULES = load_rules(RULES_DIR / "cassems.yaml")
TODAY = date(2026, 11, 24)
CENT = D("0.01")


def _titles(principal: D, interest: D, days: int, code: str) -> list[Title]:
    due = TODAY - timedelta(days=days)
    return [Title(code, "x", due.replace(day=1), due, principal, interest, D("0"), 1)]


def _fits(plan: Plan, said: D) -> bool:
    values = [b.value for b in plan.boletos]
    return (plan.entrada_amount <= said and plan.entrada > plan.installment
            and plan.entrada >= RULES.min_entrada and plan.installment >= RULES.min_installment
            and sum(values) == plan.financed and len(set(values[1:])) == 1)


@hsettings(max_examples=400, deadline=None)
@given(st.decimals(D("150"), D("20000"), places=2), st.decimals(D("0"), D("500"), places=2),
       st.integers(0, 800), st.sampled_from(["001", "050"]), st.decimals(D("1"), D("6000"), places=2))
def test_the_entrada_said_is_never_exceeded(principal, interest, days, code, said):
    result = installment_plan(_titles(principal, interest, days, code), TODAY, RULES, entrada=said)
    max_n = RULES.title_codes[code].max_installments
    if isinstance(result, Plan):
        assert _fits(result, said)
        assert said - result.entrada_amount < result.installments * CENT  # as close as centavos allow
        return
    # Refused: then no number of installments keeps the entrada within what was said.
    for n in range(1, max_n + 1):
        plan = installment_plan(_titles(principal, interest, days, code), TODAY, RULES,
                                installments=n, entrada=said)
        assert not (isinstance(plan, Plan) and _fits(plan, said))
    assert result.reason in ("min_entrada", "entrada_not_greater", "entrada_too_large",
                             "min_installment", "too_small")


def test_so_consigo_dar_150_de_entrada_through_the_rules():
    # Roberto's debt (tests/test_negotiation_fixes.py): 1.310,00 financed after the discount.
    titles = _titles(D("1310.00"), D("0"), 150, "002")
    plan = installment_plan(titles, TODAY, RULES, entrada=D("150"))
    assert isinstance(plan, Plan) and plan.entrada_amount == D("149.97") and plan.installments == 9
    refused = installment_plan(titles, TODAY, RULES, entrada=D("100"))  # 97,50 + R$ 2,50
    assert isinstance(refused, Refusal) and refused.reason == "min_entrada"
