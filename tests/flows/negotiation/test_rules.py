"""The debt-negotiation rules (seed 004, CASSEMS) as provable code: the seed's own
examples, every band boundary, every refusal, the rules-file validation, and properties
checking that EVERY offer and plan built from random titles obeys EVERY rule."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP
from decimal import Decimal as D

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.flows.negotiation.rules import (
    RULES_DIR,
    Offer,
    Plan,
    Refusal,
    RulesError,
    Title,
    add_months,
    agreement_action,
    cash_ladder,
    cash_offers,
    days_overdue,
    default_rules_path,
    discount_band,
    due_date_for,
    group_agreements,
    installment_plan,
    load_rules,
    next_unpaid,
    parse_installment_request,
)

CASSEMS = RULES_DIR / "cassems.yaml"
RULES = load_rules(CASSEMS)  # the seed's script, verbatim
TODAY = date(2026, 11, 24)
FEE = D("2.50")
CENT = D("0.01")


def title(days: int, principal="1000.00", interest="50.00", fine="20.00", code="001", today=TODAY, id=1) -> Title:
    due = today - timedelta(days=days)
    return Title(code, RULES.title_codes[code].description if code in RULES.title_codes else "?",
                 due.replace(day=1), due, D(principal), D(interest), D(fine), id)


def plain(principal: str, code="001", days=30) -> list[Title]:
    return [title(days, principal=principal, interest="0", fine="0", code=code)]


# -- the file ----------------------------------------------------------------------------
def test_rules_file_holds_the_script():
    assert (RULES.operator_name, RULES.collector_name, RULES.plan_phone) == ("CASSEMS", "Portes Advogados", "67 3314-1010")
    assert (RULES.boleto_surcharge, RULES.max_due_days, RULES.atz_window_days) == (FEE, 7, 5)
    assert (RULES.min_entrada, RULES.min_installment) == (D("100.00"), D("75.00"))
    assert RULES.reports_to_credit_bureaus is False and RULES.non_blocking_codes == ["050", "054"]
    assert len(RULES.title_codes) == 29
    assert {c for c, t in RULES.title_codes.items() if t.max_installments == 12} == {
        "050", "051", "053", "054", "056", "057", "059", "061", "062", "083"}
    closing = RULES.closing_phrase()
    assert "67 3314-1010" in closing and "Portes Advogados" in closing and "{" not in closing
    # the seed's "fraseologia obrigatória", verbatim
    assert closing == (
        "Informo que os débitos negociados com a Portes Advogados, não incluem faturas vencidas "
        "ou a vencer em aberto com a central. Portanto é necessário que entre em contato com o "
        "número 67 3314-1010 após o pagamento para confirmar se existe alguma outra pendência em "
        "aberto que não foi nos encaminhados.")


def test_default_rules_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("NEGOTIATION_RULES_FILE", raising=False)
    assert default_rules_path().parts[-3:] == ("config", "negotiation", "demo.yaml")
    monkeypatch.setenv("NEGOTIATION_RULES_FILE", str(tmp_path / "other.yaml"))
    assert default_rules_path() == tmp_path / "other.yaml"


def test_the_demo_rules_are_the_scripts_numbers_under_the_demo_operators_name():
    from bot.platform.config import Settings

    demo = load_rules(RULES_DIR / "demo.yaml")
    assert demo.operator_name == Settings().operator_name == "Plano de Saúde Demo"
    assert demo.plan_phone == Settings().operator_phone
    assert (demo.of_operator, demo.the_operator) == ("do Plano de Saúde Demo", "o Plano de Saúde Demo")
    assert (RULES.of_operator, RULES.the_operator) == ("da CASSEMS", "a CASSEMS")
    same = {"operator_name", "operator_article", "collector_name"}
    assert demo.model_dump(exclude=same | {"phrases"}) == RULES.model_dump(exclude=same | {"phrases"})
    assert demo.phrases == RULES.phrases  # the closing sentence too, with the demo's names


def test_fields_added_later_have_documented_defaults(tmp_path):
    """An operator's rules file written before atz_max_reissues, agreement_break_after_days,
    discount_band_scope and operator_article existed still loads."""
    raw = _raw()
    for field in ("atz_max_reissues", "agreement_break_after_days", "discount_band_scope", "operator_article"):
        del raw[field]
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    rules = load_rules(old)
    assert (rules.atz_max_reissues, rules.agreement_break_after_days, rules.discount_band_scope,
            rules.operator_article) == (2, 10, "agreement", "a")
    raw["atz_window_days"] = 12  # the default grace would be shorter than this window: said so
    old.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"agreement_break_after_days \(10, the default\) must be at least"):
        load_rules(old)


def _raw() -> dict:
    return yaml.safe_load(CASSEMS.read_text(encoding="utf-8"))


def _edit(raw: dict, path: str, value):
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


DELETE = object()


@pytest.mark.parametrize("path,value,message", [
    ("discount_bands.1.min_days", 95, r"discount_bands: .*discount_bands\[1\] must start at day 91"),
    ("discount_bands.1.min_days", 80, r"discount_bands\[1\] must start at day 91"),  # overlap
    ("discount_bands.0.min_days", 1, r"discount_bands\[0\] must start at day 0"),
    ("discount_bands.2.max_days", 999999, "last discount band must be open-ended"),
    ("discount_bands.1.max_days", None, "only the last band is open-ended"),
    ("discount_bands.2.cash_principal_pct", 120, r"discount_bands\[2\]\.cash_principal_pct: .*less than or equal to 100"),
    ("discount_bands.1.cash_interest_fine_pct", -1, r"discount_bands\[1\]\.cash_interest_fine_pct"),
    ("discount_bands.2.installments_principal_pct", 20, r"discount_bands\[2\]\.installments_principal_pct: Extra inputs"),
    ("boleto_surcharge", "-2.50", r"boleto_surcharge: .*greater than or equal to 0"),
    ("min_entrada", "100.005", r"min_entrada: .*2 decimal places"),
    ("min_installment", "abc", r"min_installment: .*decimal"),
    ("title_codes.001.max_installments", 0, r"title_codes\.001\.max_installments: .*greater than or equal to 1"),
    ("title_codes.50", {"description": "x", "max_installments": 9}, r"title_codes: .*3 digits: \['50'\]"),
    ("non_blocking_codes", ["050", "099"], r"non_blocking_codes not in title_codes: \['099'\]"),
    ("phrases.closing", "Ligue para a central.", r"phrases: .*must contain \{phone\}"),
    ("phrases.extra", "Fale com {atendente}", r"phrases\.extra: bad placeholder 'atendente'"),
    ("reports_to_credit_bureaus", DELETE, "reports_to_credit_bureaus: Field required"),
    ("max_due_days", -1, "max_due_days"),
    ("atz_max_reissues", -1, r"atz_max_reissues: .*greater than or equal to 0"),
    ("discount_band_scope", "everyone", r"discount_band_scope: Input should be 'agreement' or 'contact'"),
    ("operator_article", "os", r"operator_article: Input should be 'a' or 'o'"),
])
def test_invalid_rules_name_the_file_and_the_field(tmp_path, path, value, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_edit(_raw(), path, value), allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=rf"bad\.yaml: invalid negotiation rules — .*{message}"):
        load_rules(bad)


def test_unquoted_codes_are_explained(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CASSEMS.read_text(encoding="utf-8").replace('"050": {', "050: {"), encoding="utf-8")
    with pytest.raises(RulesError, match=r"title_codes: .*code 40 must be a quoted 3-digit string"):
        load_rules(bad)


@pytest.mark.parametrize("text,message", [("a: [", "not valid YAML"), ("- 1\n- 2\n", "expected a mapping")])
def test_unreadable_rules_files(tmp_path, text, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_rules(bad)
    with pytest.raises(RulesError, match="missing.yaml: cannot read"):
        load_rules(tmp_path / "missing.yaml")


# -- titles, agreements, bands -----------------------------------------------------------
def test_titles_are_kept_in_centavos():
    t = Title("001", "x", date(2026, 1, 1), date(2026, 1, 10), D("10.005"), 1, "0.1", "a")
    assert (t.principal, t.interest, t.fine) == (D("10.01"), D("1.00"), D("0.10"))
    with pytest.raises(ValueError, match="principal must not be negative"):
        Title("001", "x", date(2026, 1, 1), date(2026, 1, 10), D("-1"), 0, 0, "a")
    assert days_overdue(title(-3), TODAY) == 0 and days_overdue(title(12), TODAY) == 12


def test_same_code_one_agreement_different_codes_separate():
    titles = [title(10, code="050", id=1), title(20, code="001", id=2), title(5, code="001", id=3)]
    groups = group_agreements(titles)
    assert [[t.id for t in g] for g in groups] == [[2, 3], [1]]  # by code, oldest first
    for build in (lambda ts: cash_offers(ts, TODAY, RULES), lambda ts: installment_plan(ts, TODAY, RULES)):
        with pytest.raises(ValueError, match="separate agreements"):
            build(titles)


def test_seed_example_60_and_700_days_uses_the_60_day_rule():
    titles = [title(60, id=1), title(700, id=2)]
    band = discount_band(titles, TODAY, RULES)
    assert (band.min_days, band.max_days) == (0, 90)
    for step in range(4):
        offer = cash_offers(titles, TODAY, RULES, step=step)
        assert offer.discount == 0 and offer.is_max_discount and offer.step == 0
        assert offer.total_to_pay == D("2140.00") + FEE
    plan = installment_plan(titles, TODAY, RULES, installments=9)
    assert plan.discount == 0 and plan.financed == D("2140.00")


# principal 1000, interest 50, fine 20 -> interest+fine 70, 20% of the principal 200
@pytest.mark.parametrize("days,ladder,installment_discount", [
    (0, ["0.00"], "0.00"), (90, ["0.00"], "0.00"),
    (91, ["0.00", "70.00"], "70.00"), (360, ["0.00", "70.00"], "70.00"),
    (361, ["0.00", "70.00", "270.00"], "70.00"), (2000, ["0.00", "70.00", "270.00"], "70.00"),
])
def test_each_band_boundary(days, ladder, installment_discount):
    titles = [title(days)]
    offers = [cash_offers(titles, TODAY, RULES, step=s) for s in range(5)]
    assert [o.discount for o in offers] == [D(x) for x in ladder] + [D(ladder[-1])] * (5 - len(ladder))
    assert [o.is_max_discount for o in offers] == [s >= len(ladder) - 1 for s in range(5)]
    assert all(o.kind == "cash" and o.total == o.original - o.discount + FEE for o in offers)
    assert len(cash_ladder(discount_band(titles, TODAY, RULES))) == len(ladder)
    plan = installment_plan(titles, TODAY, RULES, installments=3)
    assert plan.discount == D(installment_discount)
    assert all(line.principal_discount == 0 for line in plan.lines)  # never on the principal


def test_cash_due_date_never_leaves_the_window():
    titles = plain("500.00")
    assert cash_offers(titles, TODAY, RULES).due_date == TODAY + timedelta(days=7)
    assert cash_offers(titles, TODAY, RULES, due=TODAY + timedelta(days=2)).due_date == TODAY + timedelta(days=2)
    for stale in (TODAY - timedelta(days=1), TODAY + timedelta(days=8)):
        assert cash_offers(titles, TODAY, RULES, due_date=stale).due_date == TODAY + timedelta(days=7)


def test_cash_breakdown_per_title_adds_up_with_half_up_rounding():
    titles = [title(400, principal="10.03", interest="1.00", fine="0.50", id=i) for i in (1, 2)]
    offer = cash_offers(titles, TODAY, RULES, step=2)
    # 20% of 20.06 = 4.012 -> 4.01; per title 2.006 each: one gets 2.01, the other 2.00
    assert sorted(x.principal_discount for x in offer.breakdown) == [D("2.00"), D("2.01")]
    assert offer.discount == D("3.00") + D("4.01")
    assert sum(x.to_pay for x in offer.breakdown) + FEE == offer.total_to_pay == D("16.05") + FEE
    assert [x.title.id for x in offer.breakdown] == [1, 2]
    one = cash_offers([title(400, principal="10.03", interest="0", fine="0")], TODAY, RULES, step=2)
    assert one.discount == D("2.01")  # 2.006 rounds half up


# -- installments ------------------------------------------------------------------------
def test_surcharge_on_cash_and_on_each_boleto():
    assert cash_offers(plain("1000.00"), TODAY, RULES).total_to_pay == D("1002.50")
    plan = installment_plan(plain("1000.00"), TODAY, RULES, installments=4)
    assert [b.amount - b.value for b in plan.boletos] == [FEE] * 5
    assert plan.total_to_pay == D("1000.00") + 5 * FEE
    assert plan.entrada_amount == plan.entrada + FEE and plan.installment_amount == plan.installment + FEE


@pytest.mark.parametrize("kwargs,entrada,installment", [
    ({"installments": 6}, "142.90", "142.85"),  # even split, centavos to the entrada
    ({"installments": 6, "entrada": D("200")}, "197.50", "133.75"),  # the entrada boleto: R$ 200,00
    ({"installments": 9}, "100.09", "99.99"),
])
def test_installments_sum_exactly(kwargs, entrada, installment):
    plan = installment_plan(plain("1000.00"), TODAY, RULES, **kwargs)
    assert (plan.entrada, plan.installment) == (D(entrada), D(installment))
    assert plan.entrada + plan.installments * plan.installment == plan.financed == D("1000.00")


def test_due_dates_of_the_boletos_are_monthly_after_the_entrada():
    today = date(2026, 1, 26)
    plan = installment_plan(plain("2000.00"), today, RULES, installments=3, due=date(2026, 1, 31))
    assert [b.due_date for b in plan.boletos] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert [b.number for b in plan.boletos] == [0, 1, 2, 3]
    assert add_months(date(2027, 12, 15), 2) == date(2028, 2, 15)


def test_without_a_number_the_longest_valid_plan():
    assert installment_plan(plain("5000.00"), TODAY, RULES).installments == 9
    assert installment_plan(plain("5000.00", code="050"), TODAY, RULES).installments == 12
    assert installment_plan(plain("300.00"), TODAY, RULES).installments == 2
    plan = installment_plan(plain("1000.00"), TODAY, RULES, entrada=D("150"))  # "só consigo dar 150"
    assert (plan.entrada, plan.installments, plan.installment) == (D("147.43"), 9, D("94.73"))
    assert plan.entrada_amount == D("149.93")  # the boleto, R$ 2,50 included: within the 150 said


@pytest.mark.parametrize("titles,kwargs,reason,limit,nearest", [
    (plain("1000.00"), {"installments": 10}, "max_installments", 9, (9, "100.09", "99.99")),
    (plain("5000.00", code="050"), {"installments": 13, "entrada": D("500")}, "max_installments", 12, (12, "497.48", "375.21")),
    (plain("1000.00"), {"installments": 5, "entrada": D("50")}, "min_entrada", D("100.00"), (5, "166.70", "166.66")),
    (plain("2000.00"), {"installments": 5, "entrada": D("99.99")}, "min_entrada", D("100.00"), (5, "333.35", "333.33")),
    (plain("300.00"), {"installments": 5}, "min_installment", D("75.00"), (2, "100.02", "99.99")),
    (plain("1000.00"), {"installments": 2, "entrada": D("150")}, "entrada_not_greater", D("426.25"), (6, "147.46", "142.09")),
    (plain("1000.00"), {"installments": 2, "entrada": D("1002.50")}, "entrada_too_large", D("1000.00"), (2, "333.34", "333.33")),
    (plain("1000.00"), {"installments": 9, "entrada": D("999")}, "min_installment", D("75.00"), (9, "100.09", "99.99")),
    (plain("1000.00"), {"installments": 3, "due": TODAY + timedelta(days=8)}, "due_date", TODAY + timedelta(days=7), (3, "250.03", "249.99")),
    (plain("1000.00"), {"installments": 3, "due": TODAY - timedelta(days=1)}, "due_date", TODAY + timedelta(days=7), (3, "250.03", "249.99")),
    (plain("174.99"), {"installments": 1}, "too_small", D("175.00"), None),
    (plain("5000.00", code="999"), {"installments": 2}, "max_installments", 1, (1, "2500.01", "2499.99")),
])
def test_refusals_name_the_limit_and_the_nearest_valid_plan(titles, kwargs, reason, limit, nearest):
    refusal = installment_plan(titles, TODAY, RULES, **kwargs)
    assert isinstance(refusal, Refusal) and (refusal.reason, refusal.limit) == (reason, limit)
    if nearest is None:
        assert refusal.nearest is None
    else:
        got = refusal.nearest
        assert (got.installments, got.entrada, got.installment) == (nearest[0], D(nearest[1]), D(nearest[2]))
        assert got.due_date == TODAY + timedelta(days=7)


def test_smallest_debt_that_can_be_installed():
    plan = installment_plan(plain("175.00"), TODAY, RULES)
    assert (plan.entrada, plan.installments, plan.installment) == (D("100.00"), 1, D("75.00"))


# -- due dates ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,expected", [
    ({}, date(2026, 12, 1)),
    ({"requested": date(2026, 11, 24)}, date(2026, 11, 24)),
    ({"requested": date(2026, 12, 1)}, date(2026, 12, 1)),
    ({"requested": date(2026, 12, 2)}, "due_date"),
    ({"requested": date(2026, 11, 23)}, "due_date"),
    ({"day_of_month": 24}, date(2026, 11, 24)),
    ({"day_of_month": 28}, date(2026, 11, 28)),
    ({"requested": 30}, date(2026, 11, 30)),
    ({"day_of_month": 1}, date(2026, 12, 1)),
    ({"day_of_month": 10}, "due_date"),  # 10/12 is 16 days away
    ({"day_of_month": 0}, "due_date"), ({"day_of_month": 32}, "due_date"),
])
def test_due_date_for(kwargs, expected):
    got = due_date_for(TODAY, RULES, **kwargs)
    if expected == "due_date":
        assert isinstance(got, Refusal) and got.reason == "due_date" and got.limit == date(2026, 12, 1)
    else:
        assert got == expected


def test_day_of_month_across_short_months():
    assert due_date_for(date(2027, 1, 30), RULES, day_of_month=31) == date(2027, 1, 31)
    assert due_date_for(date(2027, 2, 25), RULES, day_of_month=1) == date(2027, 3, 1)
    assert isinstance(due_date_for(date(2027, 2, 25), RULES, day_of_month=30), Refusal)  # 30/03


# -- ATZ and the life of an agreement ------------------------------------------------------
@pytest.mark.parametrize("offset,reissues,action", [
    # ATZ only for a boleto that has expired (1..5 days ago); one still payable is resent.
    (-1, 0, "reissue"), (-5, 0, "reissue"), (-5, 1, "reissue"),
    (0, 0, "active"), (1, 0, "active"), (5, 0, "active"), (5, 1, "active"),
    (3, 2, "active"),
    (-3, 2, "overdue"),  # overdue, no reissue left, not yet broken: a person decides
    (6, 0, "active"), (-6, 0, "overdue"), (-10, 0, "overdue"),
    (-11, 0, "broken"), (-40, 1, "broken"),  # beyond agreement_break_after_days
])
def test_agreement_action(offset, reissues, action):
    assert (RULES.atz_window_days, RULES.atz_max_reissues, RULES.agreement_break_after_days) == (5, 2, 10)
    assert agreement_action(TODAY + timedelta(days=offset), reissues, TODAY, RULES) == action


def test_an_agreement_with_nothing_left_to_pay_is_paid():
    assert agreement_action(None, 0, TODAY, RULES) == "paid"


def test_next_unpaid_is_the_first_boleto_not_paid_in_order():
    boletos = [{"number": 1, "bill_ref": "b"}, {"number": 0, "bill_ref": "a"}, {"number": 2, "bill_ref": "c"}]
    assert next_unpaid(boletos, set())["bill_ref"] == "a"
    assert next_unpaid(boletos, {"a"})["bill_ref"] == "b"
    assert next_unpaid(boletos, {"a", "b", "c"}) is None


def test_break_grace_cannot_be_shorter_than_the_atz_window(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_edit(_raw(), "agreement_break_after_days", 3), allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"agreement_break_after_days \(3\) must be at least atz_window_days"):
        load_rules(bad)


# -- discount band scope ----------------------------------------------------------------------
def _rules_with(**changes):
    raw = _raw()
    raw.update(changes)
    from bot.flows.negotiation.rules import NegotiationRules

    return NegotiationRules.model_validate(raw)


def test_band_scope_agreement_takes_each_codes_own_fewest_days():
    old_050 = [title(700, code="050", id=2)]
    recent_001 = [title(60, code="001", id=1)]
    assert RULES.discount_band_scope == "agreement"
    offer = cash_offers(old_050, TODAY, RULES, step=9, contact_titles=recent_001 + old_050)
    assert offer.discount > 0  # 700 days: its own band, whatever the other code's titles


def test_band_scope_contact_takes_the_fewest_days_of_the_whole_contact():
    rules = _rules_with(discount_band_scope="contact")
    old_050 = [title(700, code="050", id=2)]
    recent_001 = [title(60, code="001", id=1)]
    offer = cash_offers(old_050, TODAY, rules, step=9, contact_titles=recent_001 + old_050)
    assert offer.discount == 0  # 60 days in the contact: the 0–90 band for every agreement
    plan = installment_plan(old_050, TODAY, rules, installments=3, contact_titles=recent_001 + old_050)
    assert plan.discount == 0
    assert installment_plan(old_050, TODAY, RULES, installments=3, contact_titles=recent_001).discount > 0


@pytest.mark.parametrize("value", ["titulo", "", None])
def test_band_scope_is_validated(tmp_path, value):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_edit(_raw(), "discount_band_scope", value), allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"discount_band_scope: Input should be 'agreement' or 'contact'"):
        load_rules(bad)


# -- free text ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,n,entrada,day,wants,cash", [
    ("em 5x", 5, None, None, True, False),
    ("parcelar", None, None, None, True, False),
    ("Quero parcelar em 4", 4, None, None, True, False),
    ("quanto fica em 10 vezes?", 10, None, None, True, False),
    ("só consigo dar 150 de entrada", None, D("150.00"), None, True, False),
    ("consigo pagar dia 10", None, None, 10, False, False),
    ("12 parcelas", 12, None, None, True, False),
    ("entrada de R$ 200,00 e 6x", 6, D("200.00"), None, True, False),
    ("Entrada de R$1.200,50 + 9x", 9, D("1200.50"), None, True, False),
    ("dou 1.500 de entrada", None, D("1500.00"), None, True, False),
    ("entrada 99.90 em seis vezes", 6, D("99.90"), None, True, False),
    ("posso dar 2x", 2, None, None, True, False),
    ("dá pra fazer em três parcelas pagando dia 5?", 3, None, 5, True, False),
    ("pago à vista", None, None, None, False, True),
    ("de uma vez só", None, None, None, False, True),
    # misreadings found in review
    ("não quero parcelar", None, None, None, False, True),
    ("não vou dividir não", None, None, None, False, True),
    ("dividir em 6", 6, None, None, True, False),
    ("dá pra dividir em 12?", 12, None, None, True, False),
    ("entrada de 100 e o resto em 3", 3, D("100.00"), None, True, False),
    ("150 de entrada e o restante em 4", 4, D("150.00"), None, True, False),
    ("entrada + 1x", 1, None, None, True, False),
    ("entrada mais 1 parcela", 1, None, None, True, False),
    ("1x", None, None, None, False, True),
    ("dia 1º", None, None, 1, False, False),
    ("pago dia primeiro", None, None, 1, False, False),
    ("muito obrigado", None, None, None, False, False),
    ("não sei", None, None, None, False, False),
    ("vence dia 10/12", None, None, None, False, False),
    ("ok", None, None, None, False, False),
])
def test_free_text_requests(text, n, entrada, day, wants, cash):
    request = parse_installment_request(text)
    assert (request.installments, request.entrada, request.day) == (n, entrada, day)
    assert (request.wants_installments, request.wants_cash) == (wants, cash)


# -- properties ----------------------------------------------------------------------------
CODES = sorted(RULES.title_codes)
amounts = st.decimals(min_value=D("0.01"), max_value=D("20000.00"), places=2)
extras = st.decimals(min_value=D("0.00"), max_value=D("3000.00"), places=2)
todays = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def portfolios(draw):
    today = draw(todays)
    titles = draw(st.lists(st.builds(
        lambda i, code, days, p, interest, fine: title(days, p, interest, fine, code=code, today=today, id=i),
        st.integers(), st.sampled_from(CODES), st.integers(0, 2000), amounts, extras, extras),
        min_size=1, max_size=6))
    return today, titles


def _half_up(x: D) -> D:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _ceil(x: D) -> D:
    return x.quantize(CENT, rounding=ROUND_CEILING)


def _band(group, today):
    return RULES.band_for(min(max(0, (today - t.due_date).days) for t in group))


def check_offer(offer: Offer, group, today, step):
    band = _band(group, today)
    assert isinstance(offer, Offer) and offer.kind == "cash"
    assert offer.original == sum(t.principal + t.interest + t.fine for t in group)
    assert [x.title for x in offer.breakdown] == list(group)
    for line in offer.breakdown:  # never beyond the table, title by title
        t = line.title
        assert 0 <= line.interest_fine_discount <= _ceil((t.interest + t.fine) * band.cash_interest_fine_pct / 100)
        assert 0 <= line.principal_discount <= _ceil(t.principal * band.cash_principal_pct / 100)
    principal = sum(t.principal for t in group)
    extra = sum(t.interest + t.fine for t in group)
    table_max = (extra * band.cash_interest_fine_pct + principal * band.cash_principal_pct) / 100
    assert offer.discount == sum(x.discount for x in offer.breakdown) <= table_max + CENT
    assert offer.total_to_pay == offer.original - offer.discount + FEE
    assert today <= offer.due_date <= today + timedelta(days=7)
    if step == 0:
        assert offer.discount == 0
    if offer.is_max_discount:  # the maximum is exactly the table, rounded half up
        assert offer.discount == _half_up(extra * band.cash_interest_fine_pct / 100) + \
            _half_up(principal * band.cash_principal_pct / 100)


def check_plan(plan: Plan, group, today):
    band = _band(group, today)
    code = group[0].code
    extra = sum(t.interest + t.fine for t in group)
    assert plan.kind == "installments"
    assert all(x.principal_discount == 0 for x in plan.lines)  # never on the principal
    assert plan.discount == _half_up(extra * band.installments_interest_fine_pct / 100)
    assert plan.financed == sum(t.principal + t.interest + t.fine for t in group) - plan.discount
    assert 1 <= plan.installments <= RULES.title_codes[code].max_installments
    assert len(plan.boletos) == plan.installments + 1
    entrada, *rest = plan.boletos
    assert entrada.value == plan.entrada >= D("100.00")
    assert all(b.value == plan.installment >= D("75.00") for b in rest)  # equal installments
    assert all(plan.entrada > b.value for b in rest)
    assert sum(b.value for b in plan.boletos) == plan.financed  # exact to the centavo
    assert sum(b.amount for b in plan.boletos) == plan.financed + FEE * len(plan.boletos) == plan.total_to_pay
    assert all(b.amount == b.value + FEE and b.value == b.value.quantize(CENT) for b in plan.boletos)
    assert today <= plan.due_date <= today + timedelta(days=7)
    assert [b.due_date for b in plan.boletos] == [add_months(plan.due_date, k) for k in range(len(plan.boletos))]


@hsettings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(0, 4))
def test_every_cash_offer_obeys_every_rule(portfolio, step):
    today, titles = portfolio
    groups = group_agreements(titles)
    assert sorted(g[0].code for g in groups) == sorted({t.code for t in titles})  # one per code
    assert all(len({t.code for t in g}) == 1 for g in groups)
    assert sorted(t.id for g in groups for t in g) == sorted(t.id for t in titles)
    for group in groups:
        offers = [cash_offers(group, today, RULES, step=s) for s in range(step + 1)]
        for s, offer in enumerate(offers):
            check_offer(offer, group, today, s)
        assert [o.discount for o in offers] == sorted(o.discount for o in offers)  # gradual


@hsettings(max_examples=400, deadline=None)
@given(portfolios(), st.one_of(st.none(), st.integers(1, 15)),
       st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("8000"), places=2)),
       st.one_of(st.none(), st.integers(-3, 10)))
def test_every_installment_plan_obeys_every_rule(portfolio, n, entrada, due_in):
    today, titles = portfolio
    for group in group_agreements(titles):
        due = today + timedelta(days=due_in) if due_in is not None else None
        result = installment_plan(group, today, RULES, installments=n, entrada=entrada, due=due)
        max_n = RULES.title_codes[group[0].code].max_installments
        if isinstance(result, Plan):
            check_plan(result, group, today)
            assert n is None or result.installments == n
            # "Só consigo dar X": the entrada boleto (R$ 2,50 included) never exceeds X, and
            # falls short of it by less than one centavo per installment.
            assert entrada is None or result.entrada_amount <= entrada
            assert entrada is None or entrada - result.entrada_amount < result.installments * CENT
            continue
        reason = result.reason
        if result.nearest is not None:
            check_plan(result.nearest, group, today)
        # the refusal tells the truth
        assert (reason == "due_date") == (due is not None and not 0 <= due_in <= 7)
        if n is None and entrada is None and reason != "due_date":
            assert reason == "too_small"  # with nothing asked, only a tiny debt has no plan
        if reason == "too_small":
            assert result.nearest is None
            assert all(isinstance(installment_plan(group, today, RULES, installments=k), Refusal)
                       for k in range(1, max_n + 1))
        elif reason != "due_date":
            assert result.nearest is not None  # something is always possible above "too small"
        if reason == "max_installments":
            assert n is not None and n > max_n
            best = installment_plan(group, today, RULES, installments=max_n, entrada=entrada, due=due)
            if isinstance(best, Plan):
                assert result.nearest == best
        if reason == "min_entrada":  # the entrada boleto said is below R$ 102,50 (+ centavos)
            assert entrada is not None and entrada - FEE < D("100.00") + min(n or max_n, max_n) * CENT
        if reason == "min_installment" and entrada is None and n is not None:
            fewer = [k for k in range(min(n, max_n) - 1, 0, -1)
                     if isinstance(installment_plan(group, today, RULES, installments=k, due=due), Plan)]
            if fewer:
                assert result.nearest.installments == fewer[0]  # the largest n that fits
        if reason in ("entrada_not_greater", "entrada_too_large"):
            assert entrada is not None


@hsettings(max_examples=200, deadline=None)
@given(todays, st.one_of(st.integers(-40, 40).map(lambda d: ("date", d)), st.integers(0, 33).map(lambda d: ("day", d))))
def test_every_due_date_is_within_the_window(today, ask):
    kind, value = ask
    if kind == "date":
        got = due_date_for(today, RULES, requested=today + timedelta(days=value))
        assert isinstance(got, Refusal) == (not 0 <= value <= 7)
    else:
        got = due_date_for(today, RULES, day_of_month=value)
        if not isinstance(got, Refusal):
            assert got.day == value
    if not isinstance(got, Refusal):
        assert today <= got <= today + timedelta(days=7)
    else:
        assert got.reason == "due_date" and got.limit == today + timedelta(days=7)
