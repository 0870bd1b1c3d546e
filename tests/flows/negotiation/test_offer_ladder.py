"""The offer ladder: cash never above a plan, installments first, bands that would invert."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.flows.negotiation.rules import (
    RULES_DIR,
    Plan,
    RulesError,
    cash_ladder,
    cash_offer,
    discount_band,
    group_agreements,
    installment_plan,
    load_rules,
)
from tests.flows.negotiation.test_rules import portfolios

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


RULES = load_rules()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 3: the cash offer is never above a plan ------------------------------------------------------
@hsettings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(0, 3), st.one_of(st.none(), st.integers(1, 12)),
       st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("5000"), places=2)),
       st.integers(0, 7))
def test_cash_is_never_above_a_plan_quoted_at_the_same_step(portfolio, step, n, entrada, due_in):
    today, titles = portfolio
    for group in group_agreements(titles):
        due = today + timedelta(days=due_in)
        plan = installment_plan(group, today, RULES, installments=n, entrada=entrada, due=due, step=step)
        plan = plan if isinstance(plan, Plan) else plan.nearest
        cash = cash_offer(group, today, RULES, step=step, due=due)
        best_cash = cash_offer(group, today, RULES, step=99, due=due)
        if plan is None:
            continue
        # the cash discount is the maximum: at the step reached, and at the table's end
        assert cash.discount >= plan.discount and cash.total <= plan.total
        assert best_cash.total <= cash.total
        full = installment_plan(group, today, RULES, installments=plan.installments, due=due)
        if isinstance(full, Plan):  # the plan at the band's maximum (no step given)
            assert best_cash.total <= full.total and full.discount <= best_cash.discount
        # the plan's discount follows the ladder: never more than the cash step's, nor the band's
        band = discount_band(group, today, RULES)
        pct = min(cash_ladder(band)[min(step, len(cash_ladder(band)) - 1)][0],
                  band.installments_interest_fine_pct)
        extra = sum(t.interest + t.fine for t in group)
        assert plan.discount == (extra * pct / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_a_band_giving_installments_more_than_cash_is_refused(tmp_path):
    raw = yaml.safe_load((RULES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    raw["discount_bands"][1]["cash_interest_fine_pct"] = 50  # installments keep 100
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"discount_bands\[1\].*the cash discount is the maximum"):
        load_rules(bad)


def test_asking_for_installments_first_gives_no_discount_cash_has_not_reached(wa):
    _to_offer(wa)  # cash R$ 1.410,75, no discount yet (step 0 of the 91–360 band)
    plan = wa.say(ROBERTO, "em 5x")[0]
    assert "Total: R$ 1.423,25\n" in plan and "desconto" not in plan  # above the cash offer
    cash = wa.say(ROBERTO, "à vista")[0]
    assert "*R$ 1.410,75 à vista*" in cash

