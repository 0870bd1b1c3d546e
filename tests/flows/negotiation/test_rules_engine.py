"""The collection rules as provable code: table-driven cases from the seed and
properties over random sets of titles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.flows.negotiation.rules import (
    CashOffer,
    Plan,
    Refusal,
    RulesError,
    agreement_action,
    cash_offer,
    discount_band,
    due_date_for,
    group_agreements,
    installment_plan,
    load_rules,
    parse_installment_request,
)

RULES = load_rules()
TODAY = date(2026, 11, 24)


@dataclass(frozen=True)
class T:
    code: str
    due_date: date
    principal: D
    interest: D = D("0")
    fine: D = D("0")


def t(days: int, principal="100.00", interest="10.00", fine="2.00", code="001") -> T:
    return T(code, TODAY - timedelta(days=days), D(principal), D(interest), D(fine))


def test_seed_example_uses_the_title_with_fewest_days():
    band = discount_band([t(60), t(700)], TODAY, RULES)
    assert band.min_days == 0 and band.cash_interest_fine_pct == 0  # the 60-day rule
    offer = cash_offer([t(60), t(700)], TODAY, RULES, step=5)
    assert offer.discount == 0 and offer.total == D("224.00") + D("2.50")


@pytest.mark.parametrize("days,cash_max_discount,installment_discount", [
    (0, "0.00", "0.00"), (90, "0.00", "0.00"),
    (91, "12.00", "12.00"), (360, "12.00", "12.00"),
    (361, "32.00", "12.00"), (2000, "32.00", "12.00"),
])
def test_discount_table_boundaries(days, cash_max_discount, installment_discount):
    titles = [t(days)]
    best = cash_offer(titles, TODAY, RULES, step=99)
    assert best.discount == D(cash_max_discount) and best.is_max_discount
    plan = installment_plan([t(days, principal="1000.00")], TODAY, RULES, installments=2)
    expected = D(installment_discount)
    assert plan.discount == expected  # never any principal discount in installments


def test_first_offer_is_cash_without_discount_then_gradual():
    titles = [t(400)]
    offers = [cash_offer(titles, TODAY, RULES, step=s) for s in range(4)]
    assert [o.discount for o in offers] == [D("0.00"), D("12.00"), D("32.00"), D("32.00")]
    assert offers[0].total == D("112.00") + D("2.50")
    assert offers[0].due_date == TODAY + timedelta(days=7)


def test_surcharge_on_cash_and_on_each_boleto():
    plan = installment_plan([t(30, principal="1000.00", interest="0", fine="0")], TODAY, RULES, installments=4)
    assert all(b.amount == b.value + D("2.50") for b in plan.boletos)
    assert plan.total == D("1000.00") + 5 * D("2.50")
    assert sum(b.value for b in plan.boletos) == D("1000.00")


def test_installments_sum_exactly_with_rounding():
    plan = installment_plan([t(10, principal="1000.00", interest="0", fine="0")], TODAY, RULES, installments=6)
    assert plan.installment == D("142.85") and plan.entrada == D("142.90")
    assert plan.entrada + 6 * plan.installment == D("1000.00")


@pytest.mark.parametrize("kwargs,reason", [
    ({"installments": 10}, "max_installments"),
    ({"installments": 9, "entrada": D("50")}, "min_entrada"),
    ({"installments": 2, "entrada": D("150")}, "entrada_not_greater"),
    ({"installments": 2, "entrada": D("1002.50")}, "entrada_too_large"),  # the entrada boleto pays it all
    ({"installments": 2, "entrada": D("1000")}, "min_installment"),  # R$ 2,50 left for 2 installments
])
def test_refusals_name_the_limit_and_offer_the_nearest_plan(kwargs, reason):
    titles = [t(30, principal="1000.00", interest="0", fine="0")]
    refusal = installment_plan(titles, TODAY, RULES, **kwargs)
    assert isinstance(refusal, Refusal) and refusal.reason == reason
    assert isinstance(refusal.nearest, Plan)


def test_small_debt_limits_the_number_of_installments():
    titles = [t(30, principal="300.00", interest="0", fine="0")]
    refusal = installment_plan(titles, TODAY, RULES, installments=5)
    assert refusal.reason == "min_installment" and refusal.limit == D("75.00")
    assert refusal.nearest.installments == 2  # 100.01 + 2 x 99.99 is the longest valid plan


def test_code_050_allows_twelve_installments_and_001_nine():
    big = dict(principal="5000.00", interest="0", fine="0")
    assert isinstance(installment_plan([t(30, code="050", **big)], TODAY, RULES, installments=12), Plan)
    assert installment_plan([t(30, code="001", **big)], TODAY, RULES, installments=12).reason == "max_installments"


def test_different_codes_are_separate_agreements():
    groups = group_agreements([t(10, code="050"), t(20, code="001"), t(30, code="001")])
    assert [[x.code for x in g] for g in groups] == [["001", "001"], ["050"]]


def test_due_dates_within_seven_calendar_days():
    assert due_date_for(TODAY, RULES) == date(2026, 12, 1)
    assert due_date_for(TODAY, RULES, day_of_month=28) == date(2026, 11, 28)
    refusal = due_date_for(TODAY, RULES, day_of_month=10)  # 10/12 is 16 days away
    assert isinstance(refusal, Refusal) and refusal.reason == "due_date"
    assert installment_plan([t(10)], TODAY, RULES, due=TODAY + timedelta(days=8)).reason == "due_date"


def test_atz_reissues_an_agreement_whose_next_boleto_expired_within_five_days():
    assert agreement_action(TODAY + timedelta(days=5), 0, TODAY, RULES) == "active"  # still payable
    assert agreement_action(TODAY, 0, TODAY, RULES) == "active"  # due today: payable today
    assert agreement_action(TODAY - timedelta(days=3), 0, TODAY, RULES) == "reissue"
    assert agreement_action(TODAY - timedelta(days=6), 0, TODAY, RULES) == "overdue"
    assert agreement_action(TODAY + timedelta(days=6), 0, TODAY, RULES) == "active"
    assert agreement_action(None, 0, TODAY, RULES) == "paid"


@pytest.mark.parametrize("text,n,entrada,day", [
    ("em 5x", 5, None, None), ("parcelar", None, None, None),
    ("quanto fica em 10 vezes", 10, None, None),
    ("só consigo dar 150 de entrada", None, D("150.00"), None),
    ("consigo pagar dia 10", None, None, 10),
    ("entrada de R$ 200,00 e 6x", 6, D("200.00"), None),
    ("12 parcelas", 12, None, None),
])
def test_free_text_installment_requests(text, n, entrada, day):
    request = parse_installment_request(text)
    assert (request.installments, request.entrada, request.day) == (n, entrada, day)


def test_invalid_rules_file_stops_with_a_clear_message(tmp_path):
    bad = tmp_path / "rules.yaml"
    text = (load_rules.__globals__["default_rules_path"]()).read_text(encoding="utf-8")
    bad.write_text(text.replace("min_days: 91", "min_days: 95"), encoding="utf-8")
    with pytest.raises(RulesError, match=r"rules.yaml: invalid negotiation rules .*discount_bands\[1\] must start at day 91"):
        load_rules(bad)
    bad.write_text(text.replace("cash_principal_pct: 20", "cash_principal_pct: 120"), encoding="utf-8")
    with pytest.raises(RulesError, match="cash_principal_pct"):
        load_rules(bad)
    bad.write_text("a: [", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")


# -- properties ----------------------------------------------------------------------------
money = st.decimals(min_value=D("1.00"), max_value=D("20000.00"), places=2)
small = st.decimals(min_value=D("0.00"), max_value=D("3000.00"), places=2)
titles_strategy = st.lists(
    st.builds(lambda code, days, p, i, f: T(code, TODAY - timedelta(days=days), p, i, f),
              st.sampled_from(sorted(RULES.title_codes)), st.integers(0, 2000), money, small, small),
    min_size=1, max_size=6)


@hsettings(max_examples=200, deadline=None)
@given(titles_strategy, st.integers(0, 5))
def test_every_cash_offer_obeys_the_table(titles, step):
    for group in group_agreements(titles):
        assert len({x.code for x in group}) == 1
        fewest = min((TODAY - x.due_date).days for x in group)
        band = RULES.band_for(fewest)
        offer: CashOffer = cash_offer(group, TODAY, RULES, step=step)
        principal = sum(x.principal for x in group)
        extras = sum(x.interest + x.fine for x in group)
        max_discount = (extras * band.cash_interest_fine_pct / 100 + principal * band.cash_principal_pct / 100)
        assert D(0) <= offer.discount <= max_discount.quantize(D("0.01")) + D("0.01")
        assert offer.total == offer.original - offer.discount + RULES.boleto_surcharge
        assert cash_offer(group, TODAY, RULES, step=0).discount == 0  # first offer: no discount
        assert TODAY <= offer.due_date <= TODAY + timedelta(days=7)


@hsettings(max_examples=300, deadline=None)
@given(titles_strategy, st.integers(1, 15), st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("5000"), places=2)))
def test_every_installment_plan_obeys_every_rule(titles, n, entrada):
    for group in group_agreements(titles):
        result = installment_plan(group, TODAY, RULES, installments=n, entrada=entrada)
        plans = [result] if isinstance(result, Plan) else [result.nearest] if result.nearest else []
        for plan in plans:
            band = RULES.band_for(min((TODAY - x.due_date).days for x in group))
            principal = sum(x.principal for x in group)
            extras = sum(x.interest + x.fine for x in group)
            assert plan.financed == principal + extras - plan.discount  # no principal discount
            assert plan.discount <= (extras * band.installments_interest_fine_pct / 100).quantize(D("0.01")) + D("0.01")
            assert plan.installments <= RULES.max_installments(group[0].code)
            assert plan.entrada >= RULES.min_entrada
            assert plan.installment >= RULES.min_installment
            assert plan.entrada > plan.installment
            assert sum(b.value for b in plan.boletos) == plan.financed  # exact, to the centavo
            assert all(b.amount == b.value + RULES.boleto_surcharge for b in plan.boletos)
            assert all(b.value == b.value.quantize(D("0.01")) for b in plan.boletos)
            assert TODAY <= plan.due_date <= TODAY + timedelta(days=7)
            assert len(plan.boletos) == plan.installments + 1


def test_invalid_rules_file_stops_the_app_start(tmp_path, monkeypatch, settings):
    from bot.app import create_app

    bad = tmp_path / "rules.yaml"
    bad.write_text("operator_name: X\n", encoding="utf-8")
    monkeypatch.setenv("NEGOTIATION_RULES_FILE", str(bad))
    with pytest.raises(RulesError, match="invalid negotiation rules"):
        create_app(settings)
